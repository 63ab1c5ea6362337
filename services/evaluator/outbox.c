#include "outbox.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"

int qw_ce_decode(qw_ce_t *ce, const uint8_t *buf, size_t len, char *errbuf, size_t errlen)
{
    memset(ce, 0, sizeof(*ce));
    ce->msg = quotawatch__v1__decision__unpack(NULL, len, buf);
    if (!ce->msg) return qw_err_set(errbuf, errlen, "outbox entry is not a Decision protobuf");
    if (!ce->msg->id || !*ce->msg->id || !ce->msg->type || !*ce->msg->type) {
        qw_ce_free(ce);
        return qw_err_set(errbuf, errlen, "outbox entry without id or type");
    }
    ce->id = ce->msg->id;
    ce->type = ce->msg->type;
    if (ce->msg->rep_id && *ce->msg->rep_id) {
        ce->subject = ce->msg->rep_id;
    } else {
        /* Team and cohort decisions have no rep: key them by team so one team's decisions stay
         * in order on one partition. */
        snprintf(ce->subject_buf, sizeof(ce->subject_buf), "team:%s",
                 ce->msg->team_id ? ce->msg->team_id : "");
        ce->subject = ce->subject_buf;
    }
    qw_time_format_iso8601(ce->msg->time_ms, ce->time);
    return QW_OK;
}

void qw_ce_free(qw_ce_t *ce)
{
    if (ce->msg) quotawatch__v1__decision__free_unpacked(ce->msg, NULL);
    ce->msg = NULL;
}

static uint8_t *put(uint8_t *p, const uint8_t *end, const void *v, size_t n)
{
    if (!p || (size_t)(end - p) < 4 + n || n > UINT32_MAX) return NULL;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)((uint32_t)n >> (8 * i));
    if (n) memcpy(p, v, n);
    return p + n;
}

size_t qw_dlq_encode(const qw_dlq_t *d, uint8_t *buf, size_t cap)
{
    if (cap < 1) return 0;
    char part[16], off[24];
    int pl = snprintf(part, sizeof(part), "%d", (int)d->partition);
    int ol = snprintf(off, sizeof(off), "%lld", (long long)d->offset);
    const uint8_t *end = buf + cap;
    uint8_t *p = buf;
    *p++ = QW_DLQ_MARK;
    p = put(p, end, d->reason, d->reason_len);
    p = put(p, end, d->message, d->message_len);
    p = put(p, end, d->topic, d->topic_len);
    p = put(p, end, part, (size_t)pl);
    p = put(p, end, off, (size_t)ol);
    p = put(p, end, d->key, d->key_len);
    p = put(p, end, d->value, d->value_len);
    return p ? (size_t)(p - buf) : 0;
}

static const uint8_t *get(const uint8_t *p, const uint8_t *end, const void **v, size_t *n)
{
    if (!p || end - p < 4) return NULL;
    uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    p += 4;
    if ((size_t)(end - p) < l) return NULL;
    *v = p;
    *n = l;
    return p + l;
}

/* "-?[0-9]{1,19}" into *v, as qw_dlq_encode writes it. */
static int qw_dlq_num(const void *p, size_t n, int64_t *v)
{
    const char *s = p;
    char tmp[24];
    size_t i = n && s[0] == '-';
    if (n >= sizeof(tmp) || i == n || (n - i > 1 && s[i] == '0')) return QW_ERR;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9') return QW_ERR;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    errno = 0;
    long long x = strtoll(tmp, NULL, 10);
    if (errno) return QW_ERR;
    *v = x;
    return QW_OK;
}

int qw_dlq_decode(qw_dlq_t *d, const uint8_t *buf, size_t len)
{
    memset(d, 0, sizeof(*d));
    if (!qw_outbox_is_dlq(buf, len)) return QW_ERR;
    const uint8_t *end = buf + len, *p = buf + 1;
    const void *part, *off;
    size_t pl, ol;
    int64_t v;
    p = get(p, end, (const void **)&d->reason, &d->reason_len);
    p = get(p, end, (const void **)&d->message, &d->message_len);
    p = get(p, end, (const void **)&d->topic, &d->topic_len);
    p = get(p, end, &part, &pl);
    p = get(p, end, &off, &ol);
    p = get(p, end, &d->key, &d->key_len);
    p = get(p, end, &d->value, &d->value_len);
    if (!p || p != end || pl >= 16 || ol >= 24) return QW_ERR;
    /* Strict decimals: a corrupt entry is refused, not published with a number's prefix. */
    if (qw_dlq_num(part, pl, &v) != QW_OK || v < 0 || v > INT32_MAX) return QW_ERR;
    d->partition = (int32_t)v;
    if (qw_dlq_num(off, ol, &v) != QW_OK) return QW_ERR;
    d->offset = v;
    return QW_OK;
}
