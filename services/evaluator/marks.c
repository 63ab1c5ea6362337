#include "marks.h"

#include <string.h>

void qw_marks_reset(qw_marks_t *mk)
{
    mk->n = 0;
    mk->ts = 0;
}

int qw_marks_add(qw_marks_t *mk, const char *topic, int32_t partition, int64_t ms)
{
    char f[sizeof(mk->wm[0].field)];
    if (qw_wm_field(f, sizeof(f), topic, partition) < 0) return QW_ERR;
    for (int i = 0; i < mk->n; i++)
        if (!strcmp(mk->wm[i].field, f)) {
            if (ms > mk->wm[i].ms) mk->wm[i].ms = ms;
            return QW_OK;
        }
    if (mk->n == (int)(sizeof(mk->wm) / sizeof(mk->wm[0]))) return QW_ERR;
    strcpy(mk->wm[mk->n].field, f);
    mk->wm[mk->n++].ms = ms;
    return QW_OK;
}

static int add_cb(void *opaque, const char *topic, int32_t partition, int64_t ms)
{
    return qw_marks_add(opaque, topic, partition, ms);
}

int qw_marks_take(qw_marks_t *mk, const void *payload, size_t len, int64_t ts)
{
    if (!payload || qw_wm_unpack(payload, len, add_cb, mk) != QW_OK) return QW_ERR;
    if (ts > mk->ts) mk->ts = ts;
    return QW_OK;
}

void qw_marks_args(const qw_marks_t *mk, qw_redis_args_t *args)
{
    qw_redis_args_reset(args);
    for (int i = 0; i < mk->n; i++) {
        qw_redis_args_add(args, mk->wm[i].field, strlen(mk->wm[i].field));
        qw_redis_args_add_i64(args, mk->wm[i].ms);
    }
    if (mk->ts > 0) {
        qw_redis_args_add(args, "_ts", 3);
        qw_redis_args_add_i64(args, mk->ts);
    }
}
