/* Eviction or no persistence would silently lose the deal ledger, rep states, the outbox and
 * the delivery records: none of them can be re-derived in practice (a rebuild needs raw topics
 * retained for ever, and a lost delivery record re-sends past messages). So a service refuses
 * such a Redis instead of finding out after the loss (docs/operations.md, "Redis"). */
#include "redis_durable.h"

#include <string.h>

#include "quotawatch/common.h"

int qw_redis_info_value(const char *info, size_t len, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = info, *end = info + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > klen && !memcmp(p, key, klen) && p[klen] == ':') {
            const char *v = p + klen + 1, *ve = line_end;
            if (ve > v && ve[-1] == '\r') ve--;
            if ((size_t)(ve - v) >= outlen) return QW_ERR;
            memcpy(out, v, (size_t)(ve - v));
            out[ve - v] = '\0';
            return QW_OK;
        }
        p = eol ? eol + 1 : end;
    }
    return QW_ERR;
}

/* INFO <section> -> the value of key ("" when absent). QW_ERR when there was no reply. */
static int info_get(redisContext *c, const char *section, const char *key, char *out, size_t outlen)
{
    redisReply *rep = redisCommand(c, "INFO %s", section);
    if (!rep) return QW_ERR;
    out[0] = '\0';
    if (rep->type == REDIS_REPLY_STRING) /* RESP2: INFO is a bulk string */
        (void)qw_redis_info_value(rep->str, rep->len, key, out, outlen);
    freeReplyObject(rep);
    return QW_OK;
}

int qw_redis_durable_check(redisContext *c, const char *where, char *errbuf, size_t errlen)
{
    char policy[64], aof[16];
    if (info_get(c, "memory", "maxmemory_policy", policy, sizeof(policy)) != QW_OK) return QW_ERR;
    if (!policy[0]) {
        qw_err_set(errbuf, errlen,
                   "Redis %s: INFO memory names no maxmemory_policy (INFO refused by ACL?): cannot "
                   "tell whether it evicts keys; allow INFO for this user, or start with "
                   "--redis-allow-volatile once you have checked it yourself",
                   where);
        return 1;
    }
    if (strcmp(policy, "noeviction") != 0) {
        qw_err_set(errbuf, errlen,
                   "Redis %s runs with maxmemory-policy %s: it may evict the ledger, rep states "
                   "and delivery records, which cannot be re-derived; set maxmemory-policy "
                   "noeviction (CONFIG SET and redis.conf), or start with --redis-allow-volatile "
                   "to accept that loss",
                   where, policy);
        return 1;
    }
    if (info_get(c, "persistence", "aof_enabled", aof, sizeof(aof)) != QW_OK) return QW_ERR;
    if (!strcmp(aof, "1")) return QW_OK;
    redisReply *rep = redisCommand(c, "CONFIG GET save");
    if (!rep) return QW_ERR;
    int rdb = rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[1]->str &&
              rep->element[1]->len > 0;
    int refused = rep->type == REDIS_REPLY_ERROR;
    char why[128] = "";
    if (refused) qw_err_set(why, sizeof(why), "%s", rep->str);
    freeReplyObject(rep);
    if (rdb) return QW_OK;
    if (refused)
        qw_err_set(errbuf, errlen,
                   "Redis %s has appendonly off and CONFIG GET save was refused (%s): cannot tell "
                   "whether it persists; turn appendonly on, or start with "
                   "--redis-allow-volatile once you have checked it yourself",
                   where, why);
    else
        qw_err_set(errbuf, errlen,
                   "Redis %s persists nothing (appendonly no, save \"\"): a restart would lose "
                   "the ledger, rep states and delivery records; turn on appendonly yes (or RDB "
                   "snapshots), or start with --redis-allow-volatile to accept that loss",
                   where);
    return 1;
}
