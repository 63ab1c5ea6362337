#include "quotawatch/dlq.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void qw_dlq_headers_init(qw_dlq_headers_t *hs)
{
    hs->n = 0;
    hs->overflow = 0;
}

int qw_dlq_headers_add(qw_dlq_headers_t *hs, const char *name, const char *value, size_t len)
{
    if (hs->n >= QW_DLQ_HEADERS_MAX) {
        hs->overflow = 1;
        return -1;
    }
    if (!value) value = "", len = 0;
    hs->h[hs->n++] = (qw_dlq_header_t){name, value, len == (size_t)-1 ? strlen(value) : len};
    return 0;
}

int qw_dlq_headers_add_int(qw_dlq_headers_t *hs, const char *name, int64_t value)
{
    if (hs->n >= QW_DLQ_HEADERS_MAX) {
        hs->overflow = 1;
        return -1;
    }
    char *t = hs->num[hs->n];
    int k = snprintf(t, sizeof(hs->num[0]), "%" PRId64, value);
    return qw_dlq_headers_add(hs, name, t, (size_t)k);
}

int qw_dlq_headers_build(qw_dlq_headers_t *hs, const qw_dlq_error_t *e)
{
    if (!e->reason) return -1;
    int rc = qw_dlq_headers_add(hs, QW_DLQ_REASON, e->reason, (size_t)-1);
    if (e->message) rc |= qw_dlq_headers_add(hs, QW_DLQ_MESSAGE, e->message, (size_t)-1);
    if (e->channel) rc |= qw_dlq_headers_add(hs, QW_DLQ_CHANNEL, e->channel, (size_t)-1);
    if (e->attempts >= 0) rc |= qw_dlq_headers_add_int(hs, QW_DLQ_ATTEMPTS, e->attempts);
    if (e->index >= 0) rc |= qw_dlq_headers_add_int(hs, QW_DLQ_INDEX, e->index);
    if (e->truncated >= 0) rc |= qw_dlq_headers_add_int(hs, QW_DLQ_TRUNCATED, e->truncated);
    if (e->source_topic) {
        rc |= qw_dlq_headers_add(hs, QW_DLQ_SOURCE_TOPIC, e->source_topic, (size_t)-1);
        rc |= qw_dlq_headers_add_int(hs, QW_DLQ_SOURCE_PARTITION, e->source_partition);
        rc |= qw_dlq_headers_add_int(hs, QW_DLQ_SOURCE_OFFSET, e->source_offset);
    }
    return rc ? -1 : 0;
}

const qw_dlq_header_t *qw_dlq_headers_get(const qw_dlq_headers_t *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++)
        if (strcmp(hs->h[i].name, name) == 0) return &hs->h[i];
    return NULL;
}

const char *qw_dlq_legacy_name(const char *name)
{
    static const char *const map[][2] = {{"qw_reason", QW_DLQ_REASON},
                                         {"qw_detail", QW_DLQ_MESSAGE},
                                         {"qw_channel", QW_DLQ_CHANNEL},
                                         {"qw_attempts", QW_DLQ_ATTEMPTS}};
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(name, map[i][0]) == 0) return map[i][1];
    return NULL;
}
