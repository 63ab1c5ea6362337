#include "sf_replay.h"

#include <string.h>

#include "quotawatch/common.h"

int qw_sf_from_parse(const char *s, qw_sf_from_t *out)
{
    if (s && !strcmp(s, "earliest"))
        *out = QW_SF_FROM_EARLIEST;
    else if (s && !strcmp(s, "latest"))
        *out = QW_SF_FROM_LATEST;
    else
        return QW_ERR;
    return QW_OK;
}

int64_t qw_sf_from_replay(qw_sf_from_t f)
{
    return f == QW_SF_FROM_LATEST ? -1 : -2;
}

int qw_sf_replay_parse(const void *v, size_t len, int64_t *id)
{
    const char *s = v;
    if (!s || len == 0 || len > 18) return QW_ERR;
    int64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return QW_ERR;
        n = n * 10 + (s[i] - '0');
    }
    *id = n;
    return QW_OK;
}

int64_t qw_sf_replay_start(int have_last, int64_t last, qw_sf_from_t initial)
{
    return have_last ? last : qw_sf_from_replay(initial);
}
