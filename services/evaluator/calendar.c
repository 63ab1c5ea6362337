#include "calendar.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decision_pb.h"
#include "engine_internal.h"
#include "quotawatch/clock.h"
#include "quotawatch/date.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "quotawatch/strmap.h"

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

/* Failures of a step's ticks: logged here, the pure schedule only reports them. */
void qw_calendar_warn(void *opaque, const char *event, const char *msg)
{
    (void)opaque;
    qw_log(QW_LOG_WARN, event, "%s", msg);
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
    snprintf(c->digest_key, sizeof(c->digest_key), "%sqw:ev:calendar:digest", store->ns);
    c->m_steps = qw_metrics_counter("qw_evaluator_calendar_steps_total",
                                    "Calendar steps (checkpoints, closes) written", NULL);
    c->m_digests =
        qw_metrics_counter("qw_evaluator_calendar_digests_total",
                           "Weekly digests (info.standing, info.team_digest) written", NULL);
    c->m_failed = qw_metrics_counter("qw_evaluator_calendar_failures_total",
                                     "Calendar steps that failed and will be retried", NULL);
    c->m_step_s = qw_metrics_histogram("qw_evaluator_calendar_step_seconds",
                                       "Calendar step time, snapshot to write", NULL);
    c->m_next_due = qw_metrics_gauge(
        "qw_evaluator_calendar_next_due_timestamp_seconds",
        "When the next calendar step not yet done is (or was) due, by the evaluator's clock", NULL);
    c->m_hold_s = qw_metrics_histogram(
        "qw_evaluator_calendar_hold_seconds",
        "Time the calendar job held the partitions (in-stream processing paused)", NULL);
}

void qw_calendar_free(qw_calendar_t *c)
{
    if (c->have_lease && c->store) qw_store_lease_release(c->store, c->lease_key, c->token);
    c->have_lease = 0;
}

/* ---- one step: snapshot without a hold, then a short hold to catch up and write ---------- */

typedef struct job_rep_s {
    int32_t part;
    int team;      /* team number within the job */
    uint8_t *base; /* the blob as last read from Redis; NULL = the rep has no state */
    size_t base_len;
    uint8_t *out; /* the blob after the tick */
    size_t out_len;
    qw_rep_profile_t profile; /* a copy: a default one when the roster lacks the rep */
    qw_rep_state_t st;
} job_rep_t;

typedef struct job_dec_s {
    int team; /* -1: org-wide (the fairness report) */
    int32_t part;
    uint8_t *buf; /* NULL once dropped */
    size_t len;
} job_dec_t;

/* A week's digests to write instead of a step (run_step with a digest request). */
typedef struct digest_req_s {
    int64_t at_ms;
    char week[QW_WEEK_ID_MAX];
} digest_req_t;

typedef struct job_s {
    qw_calendar_t *c;
    const digest_req_t *dg; /* NULL: a checkpoint/close step */
    int nparts;
    job_rep_t **reps;
    int n, cap;
    qw_strmap_t by_id;
    qw_strmap_t teams; /* team key -> team number + 1 */
    int nteams;
    unsigned char *dirty_team; /* per team number, during the catch-up */
    int dirty_cap;             /* teams dirty_team covers */
    job_dec_t *decs;
    int ndecs, dcap;
    uint8_t scratch[65536];
    int failed;
} job_t;

/* A team's key in j->teams: "t<team id>", or "r<rep id>" for a rep without a team (each is a
 * team of one, as in qw_schedule_tick_all). */
static int team_key(char *key, size_t cap, const char *team_id, const char *rep_id)
{
    return team_id[0] ? snprintf(key, cap, "t%s", team_id) : snprintf(key, cap, "r%s", rep_id);
}

/* A team's number, or -1. */
static int team_find(const job_t *j, const char *key, int kl)
{
    void *v = qw_strmap_get(&j->teams, key, (size_t)kl);
    return v ? (int)((intptr_t)v - 1) : -1;
}

static int team_of(job_t *j, const qw_rep_profile_t *p)
{
    char key[QW_ID_MAX + 2];
    int kl = team_key(key, sizeof(key), p->team_id, p->rep_id);
    int t = team_find(j, key, kl);
    if (t >= 0) return t;
    if (qw_strmap_put(&j->teams, key, (size_t)kl, (void *)(intptr_t)(j->nteams + 1), NULL) != 0) {
        j->failed = 1;
        return 0;
    }
    return j->nteams++;
}

static uint8_t *memdup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d) memcpy(d, p, n);
    return d;
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
    r->team = team_of(j, &r->profile);
    qw_rep_state_init(&r->st, rep_id);
    j->reps[j->n++] = r;
    qw_strmap_put(&j->by_id, rep_id, strlen(rep_id), r, NULL);
    return r;
}

/* Take a blob read from Redis as the rep's base. */
static int job_set_base(job_rep_t *r, const char *blob, size_t len)
{
    free(r->base);
    r->base = memdup(blob, len);
    r->base_len = len;
    return r->base ? QW_OK : QW_ERR;
}

/* The rep's state as its base has it: decoded, or new when there is none. */
static int job_reset_state(job_rep_t *r)
{
    char err[QW_ERRSTR_MAX];
    if (!r->base) {
        qw_rep_state_init(&r->st, r->profile.rep_id);
    } else if (qw_rep_state_decode(&r->st, r->base, r->base_len, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "calendar.state_corrupt", "rep %s: %s", r->profile.rep_id, err);
        return QW_ERR;
    }
    return QW_OK;
}

static qw_engine_rep_t engine_rep(const job_t *j, job_rep_t *r, const char *period)
{
    return (qw_engine_rep_t){&r->profile, qw_refdata_quota(j->c->ref, r->profile.rep_id, period),
                             &r->st};
}

static void job_emit(void *opaque, const qw_decision_t *d)
{
    job_t *j = opaque;
    int32_t part;
    int team = -1;
    if (d->rep_id[0]) {
        job_rep_t *r = qw_strmap_get(&j->by_id, d->rep_id, strlen(d->rep_id));
        part = r ? r->part : qw_partition_murmur2(d->rep_id, strlen(d->rep_id), j->nparts);
        if (r) team = r->team;
    } else {
        char k[QW_ID_MAX + 8];
        int kl = snprintf(k, sizeof(k), "team:%s", d->team_id);
        part = qw_partition_murmur2(k, (size_t)kl, j->nparts);
        if (d->team_id[0]) team = team_find(j, k, team_key(k, sizeof(k), d->team_id, NULL));
    }
    if (j->ndecs == j->dcap) {
        int ncap = j->dcap ? 2 * j->dcap : 64;
        job_dec_t *nd = realloc(j->decs, (size_t)ncap * sizeof(*nd));
        if (!nd) {
            j->failed = 1;
            return;
        }
        j->decs = nd;
        j->dcap = ncap;
    }
    size_t n = qw_decision_pb_pack(d, j->scratch, sizeof(j->scratch));
    uint8_t *buf = n ? memdup(j->scratch, n) : NULL;
    if (!buf) {
        j->failed = 1;
        return;
    }
    j->decs[j->ndecs++] = (job_dec_t){team, part, buf, n};
}

static int partitions(qw_calendar_t *c)
{
    if (c->nparts > 0) return c->nparts;
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

/* GET the given rep keys of partition p, pipelined: one round trip per 512 reps, not per rep.
 * On the first read (catchup = 0) every rep is new to the job; on the catch-up a rep's fresh
 * blob replaces its base and its team is marked for a re-tick. */
static int load_keys(job_t *j, int32_t p, redisReply **keys, size_t n, int catchup)
{
    qw_store_t *s = j->c->store;
    enum { CHUNK = 512 };
    redisReply *g[CHUNK];
    int rc = QW_OK;
    for (size_t base = 0; base < n && rc == QW_OK; base += CHUNK) {
        size_t cnt = n - base < CHUNK ? n - base : CHUNK;
        for (size_t i = 0; i < cnt; i++)
            if (qw_redis_append(s->r, "GET %b", keys[base + i]->str, keys[base + i]->len) != QW_OK)
                return QW_ERR;
        if (qw_redis_read(s->r, "GET rep", g, (int)cnt) == QW_ERR) return QW_ERR;
        for (size_t i = 0; i < cnt; i++) {
            const char *rep = strchr(keys[base + i]->str, '}');
            if (rc == QW_OK && g[i]->type == REDIS_REPLY_STRING && rep && rep[1] == ':') {
                rep += 2;
                job_rep_t *r = catchup ? qw_strmap_get(&j->by_id, rep, strlen(rep)) : NULL;
                if (!r) r = job_add(j, rep, p);
                if (!r) {
                    rc = QW_ERR;
                } else if (!catchup) {
                    rc = job_set_base(r, g[i]->str, g[i]->len);
                    if (rc == QW_OK) rc = job_reset_state(r);
                } else if (!r->base || r->base_len != g[i]->len ||
                           memcmp(r->base, g[i]->str, g[i]->len)) {
                    /* Decoded with the rest of its team when the team is re-ticked. */
                    rc = job_set_base(r, g[i]->str, g[i]->len);
                    if (r->team < j->dirty_cap) j->dirty_team[r->team] = 1;
                }
            }
            freeReplyObject(g[i]);
        }
    }
    return rc;
}

static int load_partition(job_t *j, int32_t p)
{
    qw_store_t *s = j->c->store;
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), p, "reps");
    redisReply *m = qw_redis_command(s->r, "SMEMBERS %s", k);
    if (!m || m->type != REDIS_REPLY_ARRAY) {
        qw_redis_reply_fail(s->r, "SMEMBERS reps", m);
        if (m) freeReplyObject(m);
        return QW_ERR;
    }
    int rc = load_keys(j, p, m->element, m->elements, 0);
    freeReplyObject(m);
    return rc;
}

static int encode_out(job_t *j, job_rep_t *r)
{
    size_t bl = qw_rep_state_encode(&r->st, j->scratch, sizeof(j->scratch));
    free(r->out);
    r->out = bl ? memdup(j->scratch, bl) : NULL;
    r->out_len = bl;
    if (!r->out)
        return qw_err_set(j->c->errstr, sizeof(j->c->errstr), "state of %s does not encode",
                          r->profile.rep_id);
    return QW_OK;
}

static const qw_rep_profile_t *roster_of(void *opaque, const char *rep_id)
{
    return qw_refdata_profile(opaque, rep_id);
}

/* The week's digests over every rep of the job: decisions only, no state is encoded, so
 * job_write writes nothing but the outboxes. */
static int job_digests(job_t *j, const char *period, int64_t now_ms)
{
    qw_calendar_t *c = j->c;
    qw_engine_rep_t *arr = calloc((size_t)j->n + 1, sizeof(*arr));
    qw_digest_numbers_t *scratch = calloc((size_t)j->n + 1, sizeof(*scratch));
    int rc = QW_OK;
    if (!arr || !scratch) rc = qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    for (int i = 0; rc == QW_OK && i < j->n; i++)
        arr[i] = engine_rep(j, j->reps[i], period);
    qw_engine_t e;
    qw_engine_init(&e, c->policy, job_emit, j);
    if (rc == QW_OK && qw_engine_digests(&e, arr, j->n, j->dg->at_ms, j->dg->week, roster_of,
                                         (void *)c->ref, scratch, now_ms) != QW_OK)
        qw_log(QW_LOG_WARN, "calendar.digest_failed", "week %s: %s", j->dg->week, e.errstr);
    free(scratch);
    free(arr);
    if (rc == QW_OK && j->failed) rc = qw_err_set(c->errstr, sizeof(c->errstr), "out of memory");
    return rc;
}

/* Tick the reps whose team is selected (all when sel is NULL) and encode them; the fairness
 * report (after a close) always runs over every rep. */
static int job_tick(job_t *j, const unsigned char *sel, const char *period, unsigned todo,
                    int64_t now_ms)
{
    qw_calendar_t *c = j->c;
    if (j->dg) return job_digests(j, period, now_ms);
    qw_engine_rep_t *arr = calloc((size_t)j->n + 1, sizeof(*arr));
    if (!arr) return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    int m = 0;
    for (int i = 0; i < j->n; i++) {
        job_rep_t *r = j->reps[i];
        if (sel && !sel[r->team]) continue;
        arr[m++] = engine_rep(j, r, period);
    }
    qw_engine_t e;
    qw_engine_init(&e, c->policy, job_emit, j);
    qw_schedule_tick_all(&e, arr, m, period, todo & ~(1u << QW_CAL_CLOSE_BIT), now_ms,
                         qw_calendar_warn, NULL);
    int rc = QW_OK;
    for (int i = 0; i < m && rc == QW_OK; i++)
        rc = encode_out(j, (job_rep_t *)((char *)arr[i].state - offsetof(job_rep_t, st)));
    if (rc == QW_OK && (todo & (1u << QW_CAL_CLOSE_BIT))) {
        for (int i = 0; i < j->n; i++)
            arr[i] = engine_rep(j, j->reps[i], period);
        if (qw_engine_fairness_report(&e, arr, j->n, period, now_ms, NULL) != QW_OK)
            qw_log(QW_LOG_WARN, "calendar.fairness_failed", "period %s: %s", period, e.errstr);
    }
    free(arr);
    if (rc == QW_OK && j->failed) rc = qw_err_set(c->errstr, sizeof(c->errstr), "out of memory");
    return rc;
}

/* Under the hold: re-read the reps that owners wrote since the snapshot, and re-tick their
 * teams from their fresh states (dropping what the first tick decided for them). */
static int job_catch_up(job_t *j, const char *period, unsigned todo, int64_t now_ms, int *ndirty)
{
    qw_calendar_t *c = j->c;
    int rc = QW_OK;
    j->dirty_team = calloc((size_t)j->nteams + 1, 1);
    if (!j->dirty_team) return QW_ERR;
    int teams_before = j->dirty_cap = j->nteams;
    *ndirty = 0;
    for (int p = 0; p < j->nparts && rc == QW_OK; p++) {
        void *reply = NULL;
        int expired = 0;
        if (qw_store_snapshot_dirty(c->store, p, c->token, &reply, &expired) != QW_OK)
            return qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
        redisReply *m = reply;
        if (expired) {
            freeReplyObject(m);
            return qw_err_set(c->errstr, sizeof(c->errstr),
                              "the snapshot of partition %d expired or was taken over before "
                              "the hold",
                              p);
        }
        /* Members other than the sentinel (our token) are rep keys. */
        redisReply **keys = calloc(m->elements + 1, sizeof(*keys));
        size_t nk = 0;
        for (size_t i = 0; keys && i < m->elements; i++)
            if (m->element[i]->type == REDIS_REPLY_STRING && strcmp(m->element[i]->str, c->token))
                keys[nk++] = m->element[i];
        *ndirty += (int)nk;
        rc = keys ? load_keys(j, p, keys, nk, 1) : QW_ERR;
        free(keys);
        freeReplyObject(m);
    }
    if (rc != QW_OK) return rc;
    /* Reps that appeared since the snapshot may form new teams: those are dirty too. */
    if (j->nteams > teams_before) {
        unsigned char *d = realloc(j->dirty_team, (size_t)j->nteams + 1);
        if (!d) return QW_ERR;
        memset(d + teams_before, 1, (size_t)(j->nteams - teams_before));
        j->dirty_team = d;
        j->dirty_cap = j->nteams;
    }
    int any = 0;
    for (int t = 0; t < j->nteams; t++)
        any |= j->dirty_team[t];
    if (!any) return QW_OK;
    int close = (todo & (1u << QW_CAL_CLOSE_BIT)) != 0;
    for (int i = 0; i < j->ndecs; i++) {
        job_dec_t *d = &j->decs[i];
        /* A manager's digest covers reports of any team: digests are all made again. */
        if (j->dg || (d->team >= 0 ? j->dirty_team[d->team] : close)) {
            free(d->buf);
            d->buf = NULL;
        }
    }
    for (int i = 0; i < j->n; i++)
        if (j->dirty_team[j->reps[i]->team] && job_reset_state(j->reps[i]) != QW_OK)
            return qw_err_set(c->errstr, sizeof(c->errstr), "state of rep %s does not decode",
                              j->reps[i]->profile.rep_id);
    return job_tick(j, j->dg ? NULL : j->dirty_team, period, todo, now_ms);
}

static int differs(const job_rep_t *r)
{
    return r->out &&
           !(r->base && r->base_len == r->out_len && !memcmp(r->base, r->out, r->out_len));
}

/* Under the hold: per partition, the changed states and the decisions left. */
static int job_write(job_t *j, int *changed, int *decisions)
{
    qw_calendar_t *c = j->c;
    qw_redis_args_t reps, outbox;
    qw_redis_args_init(&reps);
    qw_redis_args_init(&outbox);
    int rc = QW_OK;
    char key[QW_STORE_KEY_MAX];
    for (int p = 0; p < j->nparts && rc == QW_OK; p++) {
        qw_redis_args_reset(&reps);
        qw_redis_args_reset(&outbox);
        int nnew = 0;
        /* Reps without a stored state first: the script adds those to the partition's set. */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < j->n; i++) {
                job_rep_t *r = j->reps[i];
                if (r->part != p || (pass == 0) != !r->base || !differs(r)) continue;
                qw_store_rep_key(c->store, key, sizeof(key), p, r->profile.rep_id);
                qw_redis_args_add_str(&reps, key);
                qw_redis_args_add(&reps, r->out, r->out_len);
                (*changed)++;
                nnew += pass == 0;
            }
        for (int i = 0; i < j->ndecs; i++)
            if (j->decs[i].part == p && j->decs[i].buf)
                qw_redis_args_add(&outbox, j->decs[i].buf, j->decs[i].len);
        if (!reps.n && !outbox.n) continue;
        int lost = 0;
        *decisions += outbox.n;
        if (qw_store_job_write(c->store, p, c->token, &reps, nnew, &outbox, &lost) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
        else if (lost)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "hold on partition %d expired", p);
    }
    qw_redis_args_free(&reps);
    qw_redis_args_free(&outbox);
    return rc;
}

static void job_free(job_t *j)
{
    for (int i = 0; i < j->ndecs; i++)
        free(j->decs[i].buf);
    free(j->decs);
    for (int i = 0; i < j->n; i++) {
        free(j->reps[i]->base);
        free(j->reps[i]->out);
        free(j->reps[i]);
    }
    free(j->reps);
    free(j->dirty_team);
    qw_strmap_free(&j->by_id, NULL);
    qw_strmap_free(&j->teams, NULL);
    free(j);
}

static int64_t ms_since(int64_t t0_ns)
{
    return (qw_clock_mono_ns() - t0_ns) / 1000000;
}

/* One due step for one period over every partition. The expensive part — reading every state,
 * ticking every team, encoding — runs while owners keep consuming; the batch script meanwhile
 * records which reps it wrote. Then a hold on every partition stops them for the catch-up (those
 * reps re-read, their teams re-ticked) and the write. A credit thus either counts in the step or
 * comes after it, as before, but consumption pauses only for the catch-up and the write. */
static int run_step(qw_calendar_t *c, const qw_period_t *period, unsigned todo,
                    const digest_req_t *dg, int64_t now_ms)
{
    int nparts = partitions(c);
    if (nparts <= 0)
        return qw_err_set(c->errstr, sizeof(c->errstr), "no metadata for %s", c->topic);
    job_t *j = calloc(1, sizeof(*j));
    if (!j) return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    j->c = c;
    j->dg = dg;
    j->nparts = nparts;
    qw_strmap_init(&j->by_id);
    qw_strmap_init(&j->teams);
    int64_t t0 = qw_clock_mono_ns(), th = 0;
    int rc = QW_OK, held = 0, ndirty = 0, changed = 0, decisions = 0;
    for (int p = 0; p < nparts && rc == QW_OK; p++)
        if (qw_store_snapshot_begin(c->store, p, c->token, c->hold_ms * 5) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
    for (int p = 0; p < nparts && rc == QW_OK; p++)
        if (load_partition(j, p) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "reading partition %d failed", p);
    /* Reps of the roster without any state yet still have a period to close (a rep without a
     * single deal misses too). */
    size_t it = 0;
    const char *id;
    void *val;
    while (rc == QW_OK && qw_strmap_next(&c->ref->t.roster, &it, &id, &val)) {
        const qw_rep_profile_t *p = val;
        if (!qw_roster_evaluated(p) || qw_strmap_get(&j->by_id, id, strlen(id))) continue;
        if (!job_add(j, id, qw_partition_murmur2(id, strlen(id), nparts))) rc = QW_ERR;
    }
    if (rc == QW_OK) rc = job_tick(j, NULL, period->id, todo, now_ms);
    if (rc == QW_OK && c->on_snapshot) c->on_snapshot(c->on_snapshot_opaque, period->id);
    char k[QW_STORE_KEY_MAX];
    for (int p = 0; p < nparts && rc == QW_OK; p++) {
        int got = 0;
        qw_store_key(c->store, k, sizeof(k), p, "hold");
        if (qw_store_lease(c->store, k, c->token, c->hold_ms, &got) != QW_OK || !got)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "could not hold partition %d: %s", p,
                            got ? c->store->errstr : "held by another job");
        else
            held = p + 1;
    }
    if (held) th = qw_clock_mono_ns();
    if (rc == QW_OK) rc = job_catch_up(j, period->id, todo, now_ms, &ndirty);
    int64_t tw = qw_clock_mono_ns();
    if (rc == QW_OK) rc = job_write(j, &changed, &decisions);
    int64_t write_ms = ms_since(tw);
    if (held) {
        release_holds(c, held);
        c->last_hold_ms = ms_since(th);
    }
    for (int p = 0; p < nparts; p++)
        qw_store_snapshot_end(c->store, p);
    c->last_step_ms = ms_since(t0);
    c->last_dirty = ndirty;
    qw_metric_add(rc != QW_OK ? c->m_failed : dg ? c->m_digests : c->m_steps, 1);
    qw_metric_observe_us(c->m_step_s, c->last_step_ms * 1000);
    if (held) qw_metric_observe_us(c->m_hold_s, c->last_hold_ms * 1000);
    qw_log_fields(rc == QW_OK ? QW_LOG_INFO : QW_LOG_WARN, "calendar.step",
                  json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:I,s:I,s:I}", "period", period->id,
                            "digest_week", dg ? dg->week : "", "steps", (int)todo, "reps", j->n,
                            "changed", changed, "decisions", decisions, "caught_up", ndirty,
                            "step_ms", (json_int_t)c->last_step_ms, "hold_ms",
                            (json_int_t)(held ? c->last_hold_ms : 0), "write_ms",
                            (json_int_t)write_ms),
                  "calendar step for %s %s", period->id, rc == QW_OK ? "done" : c->errstr);
    job_free(j);
    return rc;
}

/* One health.data_delayed notice per wait, to sales ops: the judgment is late, not wrong. */
static void data_delayed(qw_calendar_t *c, const qw_period_t *period, int64_t now_ms)
{
    qw_complete_t *k = c->complete;
    qw_decision_t *d = calloc(1, sizeof(*d));
    if (!d) return;
    char rule[48];
    snprintf(rule, sizeof(rule), QW_DT_DATA_DELAYED ":t%" PRId64, k->target_ms / 1000);
    if (qw_engine_decision_id(d->id, "calendar", period->id, rule, NULL) != QW_OK) {
        free(d);
        return;
    }
    snprintf(d->type, sizeof(d->type), QW_DT_DATA_DELAYED);
    snprintf(d->period, sizeof(d->period), "%s", period->id);
    snprintf(d->policy_version, sizeof(d->policy_version), "%s", c->policy->version);
    snprintf(d->currency, sizeof(d->currency), "%s", c->policy->rates.base);
    d->time_ms = now_ms;
    d->audience = QW_AUDSET_SALES_OPS;
    int64_t waited = qw_clock_now(&qw_clock_system) - k->since_ms;
    qw_engine_evidence(d, "waited_seconds", waited / 1000, "");
    qw_engine_evidence(d, "needed_complete_to_ms", k->target_ms, "");
    qw_engine_evidence(d, "lagging_input", 0, k->reason);
    snprintf(d->summary, sizeof(d->summary),
             "The %.40s checkpoint/close of %s has waited %" PRId64
             " min for complete CRM data; no warning or close is computed on incomplete data. "
             "%.300s",
             k->waiting_for, period->id, waited / 60000, k->reason);
    uint8_t *buf = malloc(65536);
    size_t n = buf ? qw_decision_pb_pack(d, buf, 65536) : 0;
    int nparts = partitions(c);
    if (n && nparts > 0 &&
        qw_store_outbox_push(c->store, qw_partition_murmur2("team:", 5, nparts), buf, n) == QW_OK) {
        k->alerted = 1;
        qw_metric_add(k->m_delayed, 1);
        qw_log(QW_LOG_WARN, "calendar.data_delayed", "%s", d->summary);
    }
    free(buf);
    free(d);
}

/* May the due steps run? They wait until every input is complete up to the instant they became
 * due (docs/completeness.md); the wait is visible in a gauge and a log line. */
static int inputs_complete(qw_calendar_t *c, const qw_period_t *first, const char *what,
                           int64_t now_ms)
{
    qw_complete_t *k = c->complete;
    if (!k) return 1;
    int64_t real = qw_clock_now(&qw_clock_system);
    if (strcmp(k->waiting_for, what)) {
        snprintf(k->waiting_for, sizeof(k->waiting_for), "%s", what);
        /* A simulated clock's instants mean nothing to Kafka: what it judges is the data that
         * has arrived by the time the step became due. A real clock's now is Kafka time. */
        k->target_ms = k->simulated ? real : now_ms;
        k->since_ms = real;
        k->logged_ms = 0;
        k->alerted = 0;
    }
    int nparts = partitions(c);
    qw_complete_status_t st =
        nparts > 0 ? qw_complete_check(k, nparts, k->target_ms, now_ms) : QW_COMPLETE_ERROR;
    if (st == QW_COMPLETE_OK) {
        if (k->logged_ms)
            qw_log(QW_LOG_INFO, "calendar.complete", "inputs complete for %s after %" PRId64 " s",
                   what, (real - k->since_ms) / 1000);
        k->waiting_for[0] = 0;
        qw_complete_set_reason(k, QW_COMPLETE_OK);
        qw_metric_set(k->m_waiting, 0);
        qw_metric_set(k->m_wait_s, 0);
        return 1;
    }
    qw_complete_set_reason(k, st);
    qw_metric_set(k->m_waiting, 1);
    qw_metric_set(k->m_wait_s, (real - k->since_ms) / 1000);
    if (!k->logged_ms || real - k->logged_ms >= 60000) {
        k->logged_ms = real;
        qw_log_fields(QW_LOG_WARN,
                      st == QW_COMPLETE_CLOCK_AHEAD ? "calendar.clock_ahead" : "calendar.waiting",
                      json_pack("{s:s,s:I,s:I}", "steps", what, "target_ms",
                                (json_int_t)k->target_ms, "waited_s",
                                (json_int_t)((real - k->since_ms) / 1000)),
                      "%s waits: %s", what, k->reason);
    }
    if (!k->alerted && real - k->since_ms >= k->alert_ms) data_delayed(c, first, now_ms);
    return 0;
}

/* Periods whose checkpoint verdicts late credits withdrew (owners ask, store.h): their teams
 * are ticked again, which withdraws a quota-pressure notice the team no longer warrants
 * (qw_engine_tick re-judges and emits only what changed). Only periods whose team-health
 * checkpoint ran; the request is dropped once served. */
static void rejudge(qw_calendar_t *c, int64_t now_ms)
{
    char key[QW_STORE_KEY_MAX];
    snprintf(key, sizeof(key), "%sqw:ev:calendar:rejudge", c->store->ns);
    redisReply *r = qw_redis_command(c->store->r, "HKEYS %s", key);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r) freeReplyObject(r);
        return;
    }
    int team_bit = -1;
    for (int i = 0; i < c->policy->ncheckpoints; i++)
        if (c->policy->checkpoints_bp[i] == c->policy->team_checkpoint_bp) team_bit = i;
    for (size_t i = 0; i < r->elements && team_bit >= 0; i++) {
        qw_period_t p;
        const char *id = r->element[i]->str;
        if (qw_period_parse(id, &p) != QW_OK) continue;
        redisReply *d = qw_redis_command(c->store->r, "HGET %s %s", c->done_key, id);
        unsigned done = d && d->type == REDIS_REPLY_STRING ? (unsigned)atoi(d->str) : 0;
        if (d) freeReplyObject(d);
        if ((done & (1u << team_bit)) && run_step(c, &p, 1u << team_bit, NULL, now_ms) != QW_OK)
            continue;
        redisReply *x = qw_redis_command(c->store->r, "HDEL %s %s", key, id);
        if (x) freeReplyObject(x);
    }
    freeReplyObject(r);
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
    /* The due steps, oldest first: streaks need the closes in order. */
    qw_period_t periods[16];
    unsigned todos[16], dones[16];
    int nsteps = 0;
    char what[128] = "";
    int64_t next_due = INT64_MAX;
    for (int i = 0; i <= c->lookback && nsteps < 16; i++) {
        unsigned due = qw_schedule_due(c->policy, &p, now_ms);
        redisReply *r = qw_redis_command(c->store->r, "HGET %s %s", c->done_key, p.id);
        if (!r) return;
        unsigned done = r->type == REDIS_REPLY_STRING ? (unsigned)atoi(r->str) : 0;
        freeReplyObject(r);
        int64_t at = qw_schedule_next_ms(c->policy, &p, done);
        if (at < next_due) next_due = at;
        if (due) {
            if (due & ~done) {
                size_t wl = strlen(what);
                snprintf(what + wl, sizeof(what) - wl, "%s%s/%x", wl ? "," : "", p.id, due & ~done);
                periods[nsteps] = p;
                todos[nsteps] = due & ~done;
                dones[nsteps++] = done;
            }
        }
        qw_period_t next;
        qw_period_next(&p, &next);
        p = next;
    }
    /* The latest digest week, if not yet written: it waits for complete data with the steps. */
    digest_req_t dg = {.at_ms = qw_schedule_digest_at(c->policy, now_ms)};
    int digest_due = 0;
    if (dg.at_ms != INT64_MIN) {
        qw_schedule_week_id(&c->policy->tz, dg.at_ms, dg.week);
        redisReply *r = qw_redis_command(c->store->r, "HEXISTS %s %s", c->digest_key, dg.week);
        if (!r) return;
        digest_due = r->type == REDIS_REPLY_INTEGER && r->integer == 0;
        freeReplyObject(r);
        int64_t at = digest_due ? dg.at_ms : qw_schedule_digest_next(c->policy, now_ms);
        if (at < next_due) next_due = at;
        if (digest_due) {
            size_t wl = strlen(what);
            snprintf(what + wl, sizeof(what) - wl, "%sdigest/%s", wl ? "," : "", dg.week);
        }
    }
    if (next_due != INT64_MAX) qw_metric_set(c->m_next_due, next_due / 1000);
    rejudge(c, now_ms);
    if (!nsteps && !digest_due) return;
    qw_period_t dper = cur;
    if (digest_due)
        qw_period_of_date(c->policy->period, qw_tz_local_date(&c->policy->tz, dg.at_ms), &dper);
    if (!inputs_complete(c, nsteps ? &periods[0] : &dper, what, now_ms)) return;
    for (int i = 0; i < nsteps; i++) {
        if (run_step(c, &periods[i], todos[i], NULL, now_ms) != QW_OK)
            return; /* retried next interval */
        c->steps++;
        redisReply *r = qw_redis_command(c->store->r, "HSET %s %s %u", c->done_key, periods[i].id,
                                         dones[i] | todos[i]);
        if (r) freeReplyObject(r);
    }
    /* After the steps (a close may have changed a state the digest reads). Only this week:
     * weeks missed while the job was down are not sent. */
    if (digest_due && run_step(c, &dper, 0, &dg, now_ms) == QW_OK) {
        c->digests++;
        redisReply *r = qw_redis_command(c->store->r, "HSET %s %s %lld", c->digest_key, dg.week,
                                         (long long)dg.at_ms);
        if (r) freeReplyObject(r);
    }
}
