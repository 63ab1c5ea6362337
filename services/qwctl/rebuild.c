/* qwctl rebuild evaluator: clears the evaluator's Redis state (offsets, rep states, applied
 * credit ids, outboxes, calendar progress) so that the next qw-evaluator re-reads
 * qw.credits.v1 from its start and derives it again — after a Redis loss or corruption, or a
 * fixed engine bug. The notifier's delivery records stay (they are what keeps past decisions
 * from being sent again). Refused, with the fix, unless every precondition holds
 * (rebuild_plan.c); --dry-run shows what would be deleted; the deletion needs --yes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qwctl.h"
#include "rebuild_plan.h"
#include "topics_judge.h"
#include "quotawatch/clock.h"
#include "quotawatch/kafka.h"
#include "quotawatch/redis.h"
#include "quotawatch/svc.h"

/* Members of the consumer group: 0 when it is empty or unknown to the cluster, -1 when the
 * cluster did not say. */
static int group_members(qwctl_t *ctl, const char *group)
{
    char e[512];
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, sizeof(e));
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e)) : NULL;
    if (!rk) {
        if (conf) rd_kafka_conf_destroy(conf);
        return -1;
    }
    const struct rd_kafka_group_list *gl = NULL;
    rd_kafka_resp_err_t err = rd_kafka_list_groups(rk, group, &gl, 10000);
    int n = -1;
    if (!err && gl) {
        n = 0;
        for (int i = 0; i < gl->group_cnt; i++)
            if (!strcmp(gl->groups[i].group, group) && !gl->groups[i].err)
                n += gl->groups[i].member_cnt;
    }
    if (gl) rd_kafka_group_list_destroy(gl);
    rd_kafka_destroy(rk);
    return n;
}

/* Visits every key matching pattern, a SCAN batch at a time; with del, UNLINKs each batch.
 * Returns the count, or -1 (r->errstr). */
static int64_t sweep(qwctl_t *ctl, qw_redis_t *r, const char *pattern, int del, int64_t *total)
{
    char cursor[32] = "0";
    int64_t n = 0;
    int tty = isatty(2) && !ctl->json;
    do {
        redisReply *rep = qw_redis_command(r, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            rep->element[0]->type != REDIS_REPLY_STRING ||
            rep->element[1]->type != REDIS_REPLY_ARRAY) {
            qw_redis_reply_fail(r, "SCAN", rep);
            freeReplyObject(rep);
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
        redisReply *keys = rep->element[1];
        if (del && keys->elements) {
            const char **argv = calloc(keys->elements + 1, sizeof(*argv));
            size_t *lens = calloc(keys->elements + 1, sizeof(*lens));
            if (!argv || !lens) {
                free(argv);
                free(lens);
                freeReplyObject(rep);
                snprintf(r->errstr, sizeof(r->errstr), "out of memory");
                return -1;
            }
            argv[0] = "UNLINK";
            lens[0] = 6;
            for (size_t i = 0; i < keys->elements; i++) {
                argv[i + 1] = keys->element[i]->str;
                lens[i + 1] = keys->element[i]->len;
            }
            redisReply *u = qw_redis_command_argv(r, (int)keys->elements + 1, argv, lens);
            free(argv);
            free(lens);
            int bad = !u || u->type != REDIS_REPLY_INTEGER;
            if (bad) qw_redis_reply_fail(r, "UNLINK", u);
            freeReplyObject(u);
            if (bad) {
                freeReplyObject(rep);
                return -1;
            }
        }
        n += (int64_t)keys->elements;
        *total += (int64_t)keys->elements;
        freeReplyObject(rep);
        if (tty) fprintf(stderr, "\r\033[K%s %" PRId64 " keys", del ? "deleted" : "found", *total);
    } while (strcmp(cursor, "0") != 0 && !qw_svc_stop);
    if (tty) fprintf(stderr, "\r\033[K");
    return qw_svc_stop ? -1 : n;
}

static int64_t outbox_pending(qwctl_t *ctl, qw_redis_t *r, const char *ev_pattern)
{
    /* "<ns>qw:ev:*" -> "<ns>qw:ev:{p*}:outbox" */
    char pat[300];
    snprintf(pat, sizeof(pat), "%.*s{p*}:outbox", (int)(strlen(ev_pattern) - 1), ev_pattern);
    char cursor[32] = "0";
    int64_t pending = 0;
    (void)ctl;
    do {
        redisReply *rep = qw_redis_command(r, "SCAN %s MATCH %s COUNT 1000", cursor, pat);
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
            qw_redis_reply_fail(r, "SCAN", rep);
            freeReplyObject(rep);
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
        for (size_t i = 0; i < rep->element[1]->elements; i++) {
            redisReply *l = qw_redis_command(r, "LLEN %b", rep->element[1]->element[i]->str,
                                             rep->element[1]->element[i]->len);
            if (l && l->type == REDIS_REPLY_INTEGER) pending += l->integer;
            freeReplyObject(l);
        }
        freeReplyObject(rep);
    } while (strcmp(cursor, "0") != 0);
    return pending;
}

/* One field of an HMGET reply, or NULL. */
static const char *field(const redisReply *r, size_t i)
{
    return r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : NULL;
}

typedef struct {
    int64_t jobs, ok, requeued, dropped, malformed;
} index_counts_t;

static int index_one(qwctl_t *ctl, qw_redis_t *r, const char *jk, int64_t now_ms, index_counts_t *n)
{
    const char *ns = ctl->topic_prefix;
    redisReply *h = qw_redis_command(r, "HMGET %s id ch prio", jk);
    if (!h || h->type != REDIS_REPLY_ARRAY || h->elements != 3) {
        qw_redis_reply_fail(r, "HMGET retry job", h);
        freeReplyObject(h);
        return QW_ERR;
    }
    const char *id = field(h, 0), *ch = field(h, 1), *prio = field(h, 2);
    n->jobs++;
    if (!id || !ch || !prio) {
        n->malformed++; /* the notifier drops it when it meets it (retry.job_dropped) */
        freeReplyObject(h);
        return QW_OK;
    }
    char sk[1200], qk[300], m[1100];
    snprintf(sk, sizeof(sk), "%sqw:dlv:{%s}:%s", ns, id, ch);
    snprintf(qk, sizeof(qk), "%sqw:dlv:retry:p%d", ns, atoi(prio));
    snprintf(m, sizeof(m), "%s %s", id, ch);
    freeReplyObject(h);
    redisReply *st = qw_redis_command(r, "GET %s", sk);
    redisReply *zs = qw_redis_command(r, "ZSCORE %s %s", qk, m);
    int bad = !st || st->type == REDIS_REPLY_ERROR || !zs || zs->type == REDIS_REPLY_ERROR;
    if (bad)
        qw_redis_reply_fail(r, "GET state / ZSCORE",
                            !st || st->type == REDIS_REPLY_ERROR ? st : zs);
    qwctl_idx_action_t a = bad ? QWCTL_IDX_OK
                               : qwctl_index_action(st->type == REDIS_REPLY_STRING ? st->str : "",
                                                    zs->type != REDIS_REPLY_NIL);
    freeReplyObject(st);
    freeReplyObject(zs);
    if (bad) return QW_ERR;
    redisReply *w = NULL;
    if (a == QWCTL_IDX_OK) {
        n->ok++;
        return QW_OK;
    }
    if (a == QWCTL_IDX_REQUEUE) {
        n->requeued++;
        /* NX: a running notifier that queued or claimed it meanwhile keeps its score. */
        if (!ctl->dry_run) w = qw_redis_command(r, "ZADD %s NX %" PRId64 " %s", qk, now_ms, m);
    } else {
        n->dropped++;
        if (!ctl->dry_run) {
            w = qw_redis_command(r, "ZREM %s %s", qk, m);
            if (w && w->type != REDIS_REPLY_ERROR) {
                freeReplyObject(w);
                w = qw_redis_command(r, "DEL %s", jk);
            }
        }
    }
    if (!ctl->dry_run && (!w || w->type == REDIS_REPLY_ERROR)) {
        qw_redis_reply_fail(r, "repair retry index", w);
        freeReplyObject(w);
        return QW_ERR;
    }
    freeReplyObject(w);
    return QW_OK;
}

/* rebuild notifier-index: the retry queues (qw:dlv:retry:p*) index the retry jobs; a job that
 * waits but no queue holds (a partial restore, a deleted key) would never be sent. Safe while
 * qw-notifier runs. */
static int notifier_index(qwctl_t *ctl)
{
    char e[QW_ERRSTR_MAX], esc[200], pat[300];
    if (qwctl_glob_escape(ctl->topic_prefix, esc, sizeof(esc))) {
        fprintf(stderr, "qwctl rebuild: --topic-prefix is too long\n");
        return 2;
    }
    snprintf(pat, sizeof(pat), "%sqw:dlv:job:*", esc);
    qw_redis_t r;
    qw_redis_require_durable(1);
    if (qw_redis_init(&r, ctl->redis_url, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl rebuild: --redis: %s\n", e);
        return 2;
    }
    if (qw_redis_connect(&r) != QW_OK) {
        fprintf(stderr, "qwctl rebuild: %s%s\n", r.refused ? "not now: " : "Redis: ", r.errstr);
        qw_redis_close(&r);
        return r.refused ? 1 : 3;
    }
    index_counts_t n = {0};
    int64_t now = qw_clock_now(&qw_clock_system);
    char cursor[32] = "0";
    int tty = isatty(2) && !ctl->json, rc = 0;
    do {
        redisReply *rep = qw_redis_command(&r, "SCAN %s MATCH %s COUNT 500", cursor, pat);
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
            qw_redis_reply_fail(&r, "SCAN", rep);
            freeReplyObject(rep);
            rc = 1;
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
        for (size_t i = 0; i < rep->element[1]->elements && !rc; i++)
            if (index_one(ctl, &r, rep->element[1]->element[i]->str, now, &n) != QW_OK) rc = 1;
        freeReplyObject(rep);
        if (tty) fprintf(stderr, "\r\033[K%" PRId64 " retry jobs checked", n.jobs);
    } while (!rc && strcmp(cursor, "0") != 0 && !qw_svc_stop);
    if (tty) fprintf(stderr, "\r\033[K");
    if (rc) fprintf(stderr, "qwctl rebuild: Redis: %s\n", r.errstr);
    qw_redis_close(&r);
    if (ctl->json)
        printf("{\"dry_run\":%s,\"jobs\":%" PRId64 ",\"ok\":%" PRId64 ",\"requeued\":%" PRId64
               ",\"dropped\":%" PRId64 ",\"malformed\":%" PRId64 "}\n",
               ctl->dry_run ? "true" : "false", n.jobs, n.ok, n.requeued, n.dropped, n.malformed);
    else
        printf("%" PRId64 " retry jobs: %" PRId64 " in their queues, %" PRId64 " %s (waiting, in "
               "no queue), %" PRId64 " %s (sent, failed or expired), %" PRId64 " malformed\n",
               n.jobs, n.ok, n.requeued, ctl->dry_run ? "would be requeued" : "requeued", n.dropped,
               ctl->dry_run ? "would be dropped" : "dropped", n.malformed);
    return rc ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: qwctl [--redis URL] [--group G] [--dry-run | --yes] [--accept-retention] "
            "rebuild evaluator|notifier-index\n"
            "  clears qw-evaluator's Redis state so that it is derived again from "
            "qw.credits.v1;\n"
            "  every qw-evaluator must be stopped first (docs/operations.md, \"Rebuilding "
            "state\");\n"
            "  notifier-index requeues retry jobs no queue holds (safe while qw-notifier "
            "runs)\n");
    return 2;
}

int qwctl_rebuild(qwctl_t *ctl, int argc, char **argv)
{
    if (argc == 1 && !strcmp(argv[0], "notifier-index")) return notifier_index(ctl);
    if (argc != 1 || strcmp(argv[0], "evaluator") != 0) return usage();
    char patterns[3][256];
    if (!qwctl_rebuild_patterns(ctl->topic_prefix, patterns, 3)) {
        fprintf(stderr, "qwctl rebuild: --topic-prefix is too long\n");
        return 2;
    }
    qwctl_rebuild_facts_t f = {.group = ctl->group, .accept_retention = ctl->accept_retention};
    char names[QW_TOPICS_COUNT][256];
    qw_topic_seen_t seen[QW_TOPICS_COUNT];
    int rc = qwctl_topics_seen(ctl, names, seen);
    if (rc) return rc;
    const char *credits = "qw.credits.v1";
    for (int i = 0; i < QW_TOPICS_COUNT; i++)
        if (!strcmp(qw_topics_needed[i].base, "qw.credits.v1")) {
            f.credits_exists = seen[i].exists;
            f.credits_retention_ms = seen[i].retention_ms;
            credits = names[i];
        }
    f.group_members = group_members(ctl, ctl->group);

    char e[QW_ERRSTR_MAX];
    qw_redis_t r;
    qw_redis_require_durable(1);
    if (qw_redis_init(&r, ctl->redis_url, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl rebuild: --redis: %s\n", e);
        return 2;
    }
    if (qw_redis_connect(&r) != QW_OK) {
        if (!r.refused) {
            fprintf(stderr, "qwctl rebuild: Redis did not answer: %s\n", r.errstr);
            qw_redis_close(&r);
            return 3;
        }
        f.redis_refused = r.errstr;
    }
    int64_t total = 0;
    if (!f.redis_refused) {
        char lease[300];
        snprintf(lease, sizeof(lease), "%sqw:ev:calendar:lease", ctl->topic_prefix);
        redisReply *x = qw_redis_command(&r, "EXISTS %s", lease);
        f.calendar_lease = x && x->type == REDIS_REPLY_INTEGER && x->integer > 0;
        freeReplyObject(x);
        f.outbox_pending = outbox_pending(ctl, &r, patterns[0]);
        if (f.outbox_pending < 0) {
            fprintf(stderr, "qwctl rebuild: Redis: %s\n", r.errstr);
            qw_redis_close(&r);
            return 3;
        }
    }
    char blk[QWCTL_REBUILD_BLOCKERS_MAX][QWCTL_REBUILD_TEXT_MAX];
    int nb = qwctl_rebuild_blockers(&f, blk, QWCTL_REBUILD_BLOCKERS_MAX);
    for (int i = 0; i < nb; i++)
        fprintf(stderr, "qwctl rebuild: not now: %s\n", blk[i]);
    if (nb) {
        qw_redis_close(&r);
        return 1;
    }
    int del = !ctl->dry_run;
    if (del && !ctl->yes) {
        fprintf(stderr, "qwctl rebuild: this deletes qw-evaluator's state; run with --dry-run "
                        "to see it, --yes to delete it\n");
        qw_redis_close(&r);
        return 2;
    }
    int64_t counts[3];
    for (int i = 0; i < 3; i++) {
        counts[i] = sweep(ctl, &r, patterns[i], del, &total);
        if (counts[i] < 0) {
            fprintf(stderr, "qwctl rebuild: after %" PRId64 " keys: %s\n", total,
                    qw_svc_stop ? "interrupted" : r.errstr);
            qw_redis_close(&r);
            return 1;
        }
    }
    qw_redis_close(&r);
    const char *verb = del ? "deleted" : "would delete";
    if (ctl->json) {
        printf("{\"dry_run\":%s,\"ev\":%" PRId64 ",\"rep\":%" PRId64 ",\"cid\":%" PRId64 "}\n",
               del ? "false" : "true", counts[0], counts[1], counts[2]);
    } else {
        printf("%s %" PRId64 " keys: %" PRId64 " qw:ev (offsets, outboxes, calendar), %" PRId64
               " qw:rep (rep states), %" PRId64 " qw:cid (applied credit ids)\n",
               verb, total, counts[0], counts[1], counts[2]);
        if (del)
            printf("next: start qw-evaluator; it reads %s from the beginning (watch "
                   "qw_consumer_lag_records fall to 0). Decisions it makes again keep their ids "
                   "and are not re-sent.\n",
                   credits);
    }
    return 0;
}
