/* qw-test-state: dump the evaluator's rep states from Redis as JSON lines, one per rep and
 * period: {"rep_id","partition","period","credited_minor","deals","clawbacks","attainment_bp",
 * "quota_minor","quota_version","closed","outcome","rewards"}, plus one line per partition
 * {"partition","offset","outbox","ids","epoch"}.
 * Usage: qw-test-state --redis URL [--prefix P] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "quotawatch/redis.h"

int main(int argc, char **argv)
{
    const char *url = getenv("QW_REDIS_URL"), *prefix = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--redis"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--prefix"))
            prefix = argv[i + 1];
    }
    if (!url) {
        fprintf(stderr, "usage: qw-test-state --redis URL [--prefix P]\n");
        return 2;
    }
    qw_redis_t r;
    char err[QW_ERRSTR_MAX];
    if (qw_redis_init(&r, url, err, sizeof(err)) != QW_OK || qw_redis_connect(&r) != QW_OK) {
        fprintf(stderr, "qw-test-state: %s\n", err[0] ? err : r.errstr);
        return 1;
    }
    char pattern[256];
    snprintf(pattern, sizeof(pattern), "%sqw:rep:*", prefix);
    char cursor[32] = "0";
    int rc = 0;
    do {
        redisReply *s = qw_redis_command(&r, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        if (!s || s->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "qw-test-state: SCAN failed\n");
            return 1;
        }
        snprintf(cursor, sizeof(cursor), "%s", s->element[0]->str);
        redisReply *keys = s->element[1];
        for (size_t k = 0; k < keys->elements; k++) {
            const char *key = keys->element[k]->str;
            redisReply *g = qw_redis_command(&r, "GET %s", key);
            if (!g || g->type != REDIS_REPLY_STRING) {
                if (g) freeReplyObject(g);
                continue;
            }
            qw_rep_state_t st;
            if (qw_rep_state_decode(&st, (const uint8_t *)g->str, g->len, err, sizeof(err)) !=
                QW_OK) {
                fprintf(stderr, "qw-test-state: %s: %s\n", key, err);
                rc = 1;
                freeReplyObject(g);
                continue;
            }
            freeReplyObject(g);
            const char *pp = strstr(key, "{p");
            int part = pp ? atoi(pp + 2) : -1;
            for (int i = 0; i < st.nperiods; i++) {
                const qw_period_state_t *p = &st.p[i];
                json_t *o = json_pack(
                    "{s:s,s:i,s:s,s:I,s:i,s:i,s:i,s:I,s:s,s:b,s:i,s:i,s:i}", "rep_id", st.rep_id,
                    "partition", part, "period", p->period, "credited_minor",
                    (json_int_t)p->credited_minor, "deals", p->deals, "clawbacks", p->clawbacks,
                    "attainment_bp", p->attainment_bp, "quota_minor", (json_int_t)p->quota_minor,
                    "quota_version", p->quota_version, "closed", (p->flags & QW_PF_CLOSED) != 0,
                    "outcome", p->outcome, "rewards", p->rewards, "miss_streak", p->miss_streak);
                char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
                puts(txt);
                free(txt);
                json_decref(o);
            }
        }
        freeReplyObject(s);
    } while (strcmp(cursor, "0"));
    for (int p = 0; p < 64; p++) {
        char k[4][256];
        const char *what[4] = {"offset", "outbox", "ids", "epoch"};
        for (int i = 0; i < 4; i++)
            snprintf(k[i], sizeof(k[i]), "%sqw:ev:{p%d}:%s", prefix, p, what[i]);
        redisReply *e = qw_redis_command(&r, "GET %s", k[3]);
        if (!e || e->type != REDIS_REPLY_STRING) {
            if (e) freeReplyObject(e);
            continue;
        }
        redisReply *off = qw_redis_command(&r, "GET %s", k[0]);
        redisReply *ob = qw_redis_command(&r, "LLEN %s", k[1]);
        redisReply *ids = qw_redis_command(&r, "ZCARD %s", k[2]);
        printf("{\"partition\":%d,\"epoch\":%s,\"offset\":%s,\"outbox\":%lld,\"ids\":%lld}\n", p,
               e->str, off && off->type == REDIS_REPLY_STRING ? off->str : "-1",
               ob ? (long long)ob->integer : -1, ids ? (long long)ids->integer : -1);
        freeReplyObject(e);
        if (off) freeReplyObject(off);
        if (ob) freeReplyObject(ob);
        if (ids) freeReplyObject(ids);
    }
    qw_redis_close(&r);
    return rc;
}
