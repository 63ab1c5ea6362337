#include "calendar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decision_pb.h"
#include "quotawatch/clock.h"
#include "quotawatch/date.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "strmap.h"

int32_t qw_partition_murmur2(const char *key, size_t len, int32_t nparts)
{
    /* Kafka's murmur2 (the Java client's default partitioner, librdkafka's "murmur2"): the
     * partition a keyed record lands on, so the job finds a rep's partition without a record. */
    const uint32_t m = 0x5bd1e995;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    const unsigned char *d = (const unsigned char *)key;
    size_t n4 = len / 4;
    for (size_t i = 0; i < n4; i++) {
        uint32_t k = (uint32_t)d[4 * i] | (uint32_t)d[4 * i + 1] << 8 |
                     (uint32_t)d[4 * i + 2] << 16 | (uint32_t)d[4 * i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    const unsigned char *t = d + (len & ~(size_t)3);
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)t[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)t[1] << 8;
        /* fall through */
    case 1:
        h ^= t[0];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)((h & 0x7fffffff) % (uint32_t)nparts);
}

unsigned qw_calendar_due(const qw_policy_t *p, const qw_period_t *period, int64_t now_ms)
{
    unsigned due = 0;
    int64_t end = qw_period_end_ms(period, &p->tz);
    for (int i = 0; i < p->ncheckpoints && i < QW_CAL_CLOSE_BIT; i++) {
        int64_t at = qw_period_checkpoint_ms(period, &p->tz, p->checkpoints_bp[i]);
        if (now_ms >= at && at < end) due |= 1u << i;
    }
    if (now_ms >= qw_period_close_ms(period, &p->tz, p->grace_days)) due |= 1u << QW_CAL_CLOSE_BIT;
    return due;
}

static int cmp_team(const void *a, const void *b)
{
    const qw_engine_rep_t *x = a, *y = b;
    int c = strcmp(x->profile->team_id, y->profile->team_id);
    return c ? c : strcmp(x->profile->rep_id, y->profile->rep_id);
}

int qw_calendar_tick_all(qw_engine_t *e, qw_engine_rep_t *reps, int n, const char *period,
                         unsigned due, int64_t now_ms)
{
    /* Teams are contiguous after sorting; reps without a team are each a team of one (team
     * rules need team_min_size anyway). Sorted order also makes the output deterministic. */
    qsort(reps, (size_t)n, sizeof(*reps), cmp_team);
    int rc = QW_OK;
    for (int i = 0; i < n;) {
        int j = i + 1;
        if (reps[i].profile->team_id[0])
            while (j < n && !strcmp(reps[j].profile->team_id, reps[i].profile->team_id))
                j++;
        if (qw_engine_tick(e, reps + i, j - i, period, now_ms) != QW_OK) {
            qw_log(QW_LOG_WARN, "calendar.tick_failed", "team %s period %s: %s",
                   reps[i].profile->team_id, period, e->errstr);
            rc = QW_ERR;
        }
        i = j;
    }
    if (due & (1u << QW_CAL_CLOSE_BIT)) {
        if (qw_engine_fairness_report(e, reps, n, period, now_ms, NULL) != QW_OK) {
            qw_log(QW_LOG_WARN, "calendar.fairness_failed", "period %s: %s", period, e->errstr);
            rc = QW_ERR;
        }
    }
    return rc;
}

/* ---- the job over Redis ------------------------------------------------------------------ */

void qw_calendar_init(qw_calendar_t *c, qw_store_t *store, const qw_refdata_t *ref,
                      const qw_policy_t *policy, const char *credits_topic, rd_kafka_t *rk,
                      int64_t interval_ms)
{
    memset(c, 0, sizeof(*c));
    c->store = store;
    c->ref = ref;
    c->policy = policy;
    c->rk = rk;
    snprintf(c->topic, sizeof(c->topic), "%s", credits_topic);
    c->interval_ms = interval_ms > 0 ? interval_ms : 10000;
    c->hold_ms = 120000;
    c->lookback = 3;
    char host[64] = "host";
    gethostname(host, sizeof(host) - 1);
    snprintf(c->token, sizeof(c->token), "%s:%d:%" PRId64, host, (int)getpid(),
             qw_clock_mono_ns() % 1000000007);
    snprintf(c->lease_key, sizeof(c->lease_key), "%sqw:ev:calendar:lease", store->ns);
    snprintf(c->done_key, sizeof(c->done_key), "%sqw:ev:calendar:done", store->ns);
}

void qw_calendar_free(qw_calendar_t *c)
{
    if (c->have_lease && c->store) qw_store_lease_release(c->store, c->lease_key, c->token);
    c->have_lease = 0;
}

typedef struct job_rep_s {
    int32_t part;
    uint64_t hash; /* of the blob as loaded; 0 = none */
    size_t len;
    qw_rep_profile_t profile; /* a copy: a default one when the roster lacks the rep */
    qw_rep_state_t st;
} job_rep_t;

typedef struct job_s {
    qw_calendar_t *c;
    int nparts;
    job_rep_t **reps;
    int n, cap;
    qw_strmap_t by_id;
    qw_args_t *outbox; /* per partition */
    uint8_t **bufs;
    int nbufs, bcap;
    int failed;
} job_t;

static uint64_t fnv(const void *p, size_t n)
{
    return qw_strmap_hash(p, n) | 1; /* never 0: 0 means "no blob" */
}

static job_rep_t *job_add(job_t *j, const char *rep_id, int32_t part)
{
    if (j->n == j->cap) {
        int ncap = j->cap ? j->cap * 2 : 256;
        job_rep_t **nr = realloc(j->reps, (size_t)ncap * sizeof(*nr));
        if (!nr) return NULL;
        j->reps = nr;
        j->cap = ncap;
    }
    job_rep_t *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->part = part;
    const qw_rep_profile_t *p = qw_refdata_profile(j->c->ref, rep_id);
    if (p) {
        r->profile = *p;
    } else {
        snprintf(r->profile.rep_id, sizeof(r->profile.rep_id), "%s", rep_id);
        r->profile.hire_date = QW_DATE_NONE;
        r->profile.active = 1;
    }
    qw_rep_state_init(&r->st, rep_id);
    j->reps[j->n++] = r;
    qw_strmap_put(&j->by_id, rep_id, strlen(rep_id), r, NULL);
    return r;
}

static void job_emit(void *opaque, const qw_decision_t *d)
{
    job_t *j = opaque;
    int32_t part;
    if (d->rep_id[0]) {
        job_rep_t *r = qw_strmap_get(&j->by_id, d->rep_id, strlen(d->rep_id));
        part = r ? r->part : qw_partition_murmur2(d->rep_id, strlen(d->rep_id), j->nparts);
    } else {
        char k[QW_ID_MAX + 8];
        int kl = snprintf(k, sizeof(k), "team:%s", d->team_id);
        part = qw_partition_murmur2(k, (size_t)kl, j->nparts);
    }
    if (j->nbufs == j->bcap) {
        int ncap = j->bcap ? 2 * j->bcap : 64;
        uint8_t **nb = realloc(j->bufs, (size_t)ncap * sizeof(*nb));
        if (!nb) {
            j->failed = 1;
            return;
        }
        j->bufs = nb;
        j->bcap = ncap;
    }
    uint8_t *buf = malloc(65536);
    size_t n = buf ? qw_decision_pb_pack(d, buf, 65536) : 0;
    if (!n) {
        free(buf);
        j->failed = 1;
        return;
    }
    j->bufs[j->nbufs++] = buf;
    qw_args_push(&j->outbox[part], buf, n);
}

static int partitions(qw_calendar_t *c)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, c->topic, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(c->rk, 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    int n = -1;
    if (!e && md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
    if (md) rd_kafka_metadata_destroy(md);
    return n;
}

static void release_holds(qw_calendar_t *c, int nparts)
{
    char k[QW_STORE_KEY_MAX];
    for (int p = 0; p < nparts; p++) {
        qw_store_key(c->store, k, sizeof(k), p, "hold");
        qw_store_lease_release(c->store, k, c->token);
    }
}

static int load_partition(job_t *j, int32_t p)
{
    qw_store_t *s = j->c->store;
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), p, "reps");
    redisReply *m = qw_redis_command(s->r, "SMEMBERS %s", k);
    if (!m || m->type != REDIS_REPLY_ARRAY) {
        if (m) freeReplyObject(m);
        return QW_ERR;
    }
    /* GETs pipelined in chunks: one round trip per 512 reps, not per rep. */
    enum { CHUNK = 512 };
    redisReply *g[CHUNK];
    int rc = QW_OK;
    for (size_t base = 0; base < m->elements && rc == QW_OK; base += CHUNK) {
        size_t cnt = m->elements - base < CHUNK ? m->elements - base : CHUNK;
        if (qw_redis_connect(s->r) != QW_OK) {
            rc = QW_ERR;
            break;
        }
        for (size_t i = 0; i < cnt; i++)
            redisAppendCommand(s->r->c, "GET %s", m->element[base + i]->str);
        if (qw_redis_pipeline_read(s->r, g, (int)cnt) != QW_OK) {
            rc = QW_ERR;
            break;
        }
        for (size_t i = 0; i < cnt; i++) {
            const char *key = m->element[base + i]->str;
            const char *rep = strchr(key, '}');
            if (rc == QW_OK && g[i]->type == REDIS_REPLY_STRING && rep && rep[1] == ':') {
                job_rep_t *r = job_add(j, rep + 2, p);
                char err[QW_ERRSTR_MAX];
                if (!r || qw_rep_state_decode(&r->st, (const uint8_t *)g[i]->str, g[i]->len, err,
                                              sizeof(err)) != QW_OK) {
                    qw_log(QW_LOG_ERROR, "calendar.state_corrupt", "%s: %s", key, r ? err : "oom");
                    rc = QW_ERR;
                } else {
                    r->hash = fnv(g[i]->str, g[i]->len);
                    r->len = g[i]->len;
                }
            }
            freeReplyObject(g[i]);
        }
    }
    freeReplyObject(m);
    return rc;
}

/* One due step for one period over every partition. */
static int run_step(qw_calendar_t *c, const qw_period_t *period, unsigned todo, int64_t now_ms)
{
    int nparts = partitions(c);
    if (nparts <= 0)
        return qw_err_set(c->errstr, sizeof(c->errstr), "no metadata for %s", c->topic);
    char k[QW_STORE_KEY_MAX];
    for (int p = 0; p < nparts; p++) {
        int got = 0;
        qw_store_key(c->store, k, sizeof(k), p, "hold");
        if (qw_store_lease(c->store, k, c->token, c->hold_ms, &got) != QW_OK || !got) {
            release_holds(c, p);
            return qw_err_set(c->errstr, sizeof(c->errstr), "could not hold partition %d: %s", p,
                              got ? c->store->errstr : "held by another job");
        }
    }
    job_t j;
    memset(&j, 0, sizeof(j));
    j.c = c;
    j.nparts = nparts;
    qw_strmap_init(&j.by_id);
    j.outbox = calloc((size_t)nparts, sizeof(*j.outbox));
    int rc = j.outbox ? QW_OK : QW_ERR;
    for (int p = 0; p < nparts && rc == QW_OK; p++)
        rc = load_partition(&j, p);
    /* Reps of the roster without any state yet still have a period to close (a rep without a
     * single deal misses too). */
    size_t it = 0;
    const char *id;
    void *val;
    while (rc == QW_OK && qw_strmap_next(&c->ref->roster, &it, &id, &val)) {
        const qw_rep_profile_t *p = val;
        if (!p->active || qw_strmap_get(&j.by_id, id, strlen(id))) continue;
        if (!job_add(&j, id, qw_partition_murmur2(id, strlen(id), nparts))) rc = QW_ERR;
    }
    qw_engine_rep_t *team = rc == QW_OK ? calloc((size_t)j.n + 1, sizeof(*team)) : NULL;
    if (rc == QW_OK && team) {
        for (int i = 0; i < j.n; i++) {
            team[i].profile = &j.reps[i]->profile;
            team[i].quota = qw_refdata_quota(c->ref, j.reps[i]->profile.rep_id, period->id);
            team[i].state = &j.reps[i]->st;
        }
        qw_engine_t e;
        qw_engine_init(&e, c->policy, job_emit, &j);
        qw_calendar_tick_all(&e, team, j.n, period->id, todo, now_ms);
        if (j.failed) rc = qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    } else if (rc == QW_OK) {
        rc = QW_ERR;
    }
    /* Write back per partition: changed states and the decisions, under the hold. */
    qw_args_t reps;
    qw_args_init(&reps);
    uint8_t *blobs = rc == QW_OK ? malloc((size_t)(j.n ? j.n : 1) * QW_REP_STATE_BLOB_MAX) : NULL;
    char(*keys)[QW_STORE_KEY_MAX] = blobs ? calloc((size_t)(j.n ? j.n : 1), sizeof(*keys)) : NULL;
    int changed = 0, decisions = 0;
    for (int p = 0; p < nparts && rc == QW_OK && keys; p++) {
        qw_args_reset(&reps);
        for (int i = 0; i < j.n; i++) {
            job_rep_t *r = j.reps[i];
            if (r->part != p) continue;
            uint8_t *b = blobs + (size_t)i * QW_REP_STATE_BLOB_MAX;
            size_t bl = qw_rep_state_encode(&r->st, b, QW_REP_STATE_BLOB_MAX);
            if (!bl) {
                rc = qw_err_set(c->errstr, sizeof(c->errstr), "state of %s does not encode",
                                r->profile.rep_id);
                break;
            }
            if (r->hash && r->len == bl && r->hash == fnv(b, bl)) continue;
            qw_store_rep_key(c->store, keys[i], sizeof(keys[i]), p, r->profile.rep_id);
            qw_args_push(&reps, keys[i], strlen(keys[i]));
            qw_args_push(&reps, b, bl);
            changed++;
        }
        if (rc != QW_OK || (!reps.n && !j.outbox[p].n)) continue;
        int lost = 0;
        decisions += j.outbox[p].n;
        if (qw_store_job_write(c->store, p, c->token, &reps, &j.outbox[p], &lost) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
        else if (lost)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "hold on partition %d expired", p);
    }
    if (rc == QW_OK && !keys) rc = QW_ERR;
    qw_log_fields(rc == QW_OK ? QW_LOG_INFO : QW_LOG_WARN, "calendar.step",
                  json_pack("{s:s,s:i,s:i,s:i,s:i}", "period", period->id, "steps", (int)todo,
                            "reps", j.n, "changed", changed, "decisions", decisions),
                  "calendar step for %s %s", period->id, rc == QW_OK ? "done" : c->errstr);
    release_holds(c, nparts);
    free(keys);
    free(blobs);
    qw_args_free(&reps);
    free(team);
    for (int p = 0; p < nparts && j.outbox; p++)
        qw_args_free(&j.outbox[p]);
    free(j.outbox);
    for (int i = 0; i < j.nbufs; i++)
        free(j.bufs[i]);
    free(j.bufs);
    for (int i = 0; i < j.n; i++)
        free(j.reps[i]);
    free(j.reps);
    qw_strmap_free(&j.by_id, NULL);
    return rc;
}

void qw_calendar_run(qw_calendar_t *c, int64_t now_ms)
{
    int64_t t = qw_clock_mono_ns();
    if (t < c->next_run_ns) return;
    c->next_run_ns = t + c->interval_ms * 1000000;
    int got = 0;
    int64_t ttl = c->interval_ms * 3 > 30000 ? c->interval_ms * 3 : 30000;
    if (qw_store_lease(c->store, c->lease_key, c->token, ttl, &got) != QW_OK) return;
    if (got != c->have_lease)
        qw_log(QW_LOG_INFO, got ? "calendar.lease_acquired" : "calendar.lease_lost",
               "calendar lease %s", got ? "acquired" : "held elsewhere");
    c->have_lease = got;
    if (!got) return;
    c->runs++;
    qw_period_t cur, p;
    qw_period_of_date(c->policy->period, qw_tz_local_date(&c->policy->tz, now_ms), &cur);
    p = cur;
    for (int i = 0; i < c->lookback; i++) {
        qw_period_t prev;
        qw_period_prev(&p, &prev);
        p = prev;
    }
    /* Oldest first: streaks need the closes in order. */
    for (int i = 0; i <= c->lookback; i++) {
        unsigned due = qw_calendar_due(c->policy, &p, now_ms);
        if (due) {
            redisReply *r = qw_redis_command(c->store->r, "HGET %s %s", c->done_key, p.id);
            if (!r) return;
            unsigned done = r->type == REDIS_REPLY_STRING ? (unsigned)atoi(r->str) : 0;
            freeReplyObject(r);
            unsigned todo = due & ~done;
            if (todo) {
                if (run_step(c, &p, todo, now_ms) != QW_OK) return; /* retried next interval */
                c->steps++;
                r = qw_redis_command(c->store->r, "HSET %s %s %u", c->done_key, p.id, done | todo);
                if (r) freeReplyObject(r);
            }
        }
        qw_period_t next;
        qw_period_next(&p, &next);
        p = next;
    }
}
