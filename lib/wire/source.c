#include "quotawatch/source.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/common.h"

static const char *const qw_source_names[QW_SRC_COUNT] = {"salesforce", "hubspot", "pipedrive",
                                                          "canonical"};

const char *qw_source_name(qw_source_t src)
{
    return (unsigned)src < QW_SRC_COUNT ? qw_source_names[src] : "unknown";
}

int qw_source_parse(const char *name, qw_source_t *src)
{
    for (int i = 0; i < QW_SRC_COUNT; i++)
        if (strcmp(name, qw_source_names[i]) == 0) return *src = (qw_source_t)i, QW_OK;
    return QW_ERR;
}

int qw_source_topic(char *out, size_t cap, const char *prefix, qw_source_t src)
{
    int n = snprintf(out, cap, "%sqw.crm.%s", prefix ? prefix : "", qw_source_name(src));
    return n > 0 && (size_t)n < cap ? QW_OK : QW_ERR;
}
