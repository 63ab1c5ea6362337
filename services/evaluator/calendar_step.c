/* One calendar step over Redis (docs/evaluator.md, "Time-driven rules"): a snapshot read and
 * ticked while owners go on, pre-writes of what owners did not touch, then a short hold on every
 * partition for what is left. calendar.c decides when a step is due and may run. */
#include "calendar_step.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_pb.h"
#include "engine_internal.h"
#include "quotawatch/clock.h"
#include "quotawatch/date.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "quotawatch/strmap.h"

typedef struct job_rep_s {
    int idx; /* in job_t.reps */
    int32_t part;
    int team;      /* team number within the job */
    uint8_t *base; /* the blob as last read from Redis; NULL = the rep has no state */
    size_t base_len;
    uint8_t *out; /* the blob after the tick */
    size_t out_len;
    /* st is what base holds, stepped: the rep's pre-write went in and no owner wrote it since.
     * A re-tick of its team mostly leaves it as it is (the engine skips a done step), so it is
     * neither decoded again nor encoded, unless the re-tick changed its period (a team rule
     * marks every member) or made a decision for it. */
    int st_current;
    int snap; /* during job_tick: its period as it was before, in the tick's copies (-1: none) */
    /* Its base has the step done: its pre-write went in (an owner that wrote it since built on
     * that). A team of such reps has nothing left to judge. */
    int stepped;
    qw_rep_profile_t profile; /* a copy: a default one when the roster lacks the rep */
    qw_rep_state_t st;
} job_rep_t;

typedef struct job_dec_s {
    int team; /* -1: org-wide (the fairness report) */
    int rep;  /* the rep's idx, or -1: a team's or the org's decision */
    int held; /* a team's decision kept through a re-tick, dropped if the re-tick judged the team */
    char *id; /* a team's decision: its id (NULL for a rep's) */
    int32_t part;
    uint8_t *buf; /* NULL once dropped */
    size_t len;
} job_dec_t;

typedef struct job_s {
    qw_calendar_t *c;
    const qw_calendar_digest_t *dg; /* NULL: a checkpoint/close step */
    int nparts;
    job_rep_t **reps;
    int n, cap;
    qw_strmap_t by_id;
    qw_strmap_t teams;   /* team key -> team number + 1 */
    qw_strmap_t written; /* ids of team decisions written before the hold */
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
    r->idx = j->n;
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
    /* A team judged again by a re-tick (a rep of it appeared meanwhile) after its decision went
     * in before the hold: the same decision, once. */
    if (!d->rep_id[0] && qw_strmap_get(&j->written, d->id, strlen(d->id))) return;
    int32_t part;
    int team = -1, rep = -1;
    if (d->rep_id[0]) {
        job_rep_t *r = qw_strmap_get(&j->by_id, d->rep_id, strlen(d->rep_id));
        part = r ? r->part : qw_partition_murmur2(d->rep_id, strlen(d->rep_id), j->nparts);
        if (r) {
            team = r->team;
            rep = r->idx;
        }
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
    char *id = NULL;
    if (rep < 0 && team >= 0 && !(id = strdup(d->id))) {
        free(buf);
        j->failed = 1;
        return;
    }
    j->decs[j->ndecs++] = (job_dec_t){team, rep, 0, id, part, buf, n};
}

int qw_calendar_partitions(qw_calendar_t *c)
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
                    r->st_current = 0;
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
    /* The period of each rep that is not to be encoded again, to see whether the tick changed
     * it after all. */
    int ns = 0;
    for (int i = 0; i < m; i++) {
        job_rep_t *r = (job_rep_t *)((char *)arr[i].state - offsetof(job_rep_t, st));
        r->snap = r->st_current && qw_rep_state_find(&r->st, period) ? ns++ : -1;
        if (r->st_current && r->snap < 0) r->st_current = 0;
    }
    qw_period_state_t *snaps = malloc(((size_t)ns + 1) * sizeof(*snaps));
    if (!snaps) {
        free(arr);
        return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    }
    for (int i = 0; i < m; i++) {
        job_rep_t *r = (job_rep_t *)((char *)arr[i].state - offsetof(job_rep_t, st));
        if (r->snap >= 0)
            memcpy(&snaps[r->snap], qw_rep_state_find(&r->st, period), sizeof(*snaps));
    }
    qw_engine_t e;
    qw_engine_init(&e, c->policy, job_emit, j);
    int d0 = j->ndecs;
    qw_schedule_tick_all(&e, arr, m, period, todo & ~(1u << QW_CAL_CLOSE_BIT), now_ms,
                         qw_calendar_warn, NULL);
    for (int k = d0; k < j->ndecs; k++)
        if (j->decs[k].rep >= 0) j->reps[j->decs[k].rep]->st_current = 0;
    for (int i = 0; i < m; i++) {
        job_rep_t *r = (job_rep_t *)((char *)arr[i].state - offsetof(job_rep_t, st));
        if (r->snap < 0) continue;
        const qw_period_state_t *now = qw_rep_state_find(&r->st, period);
        if (!now || memcmp(now, &snaps[r->snap], sizeof(*snaps))) r->st_current = 0;
        r->snap = -1;
    }
    free(snaps);
    int rc = QW_OK;
    for (int i = 0; i < m && rc == QW_OK; i++) {
        job_rep_t *r = (job_rep_t *)((char *)arr[i].state - offsetof(job_rep_t, st));
        if (!r->st_current) rc = encode_out(j, r);
    }
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

static int differs(const job_rep_t *r)
{
    return r->out &&
           !(r->base && r->base_len == r->out_len && !memcmp(r->base, r->out, r->out_len));
}

/* Re-read the reps that owners wrote since the snapshot (or the last take), and re-tick their
 * teams from their fresh states (dropping what the first tick decided for them and has not
 * written yet). Under the hold; before it (take = 1, between pre-writes) the dirty sets restart
 * as they are read, so the next catch-up sees only what came after. */
static int job_catch_up(job_t *j, const char *period, unsigned todo, int64_t now_ms, int *ndirty,
                        int take)
{
    qw_calendar_t *c = j->c;
    int rc = QW_OK;
    free(j->dirty_team);
    j->dirty_team = calloc((size_t)j->nteams + 1, 1);
    if (!j->dirty_team) return QW_ERR;
    int teams_before = j->dirty_cap = j->nteams;
    *ndirty = 0;
    for (int p = 0; p < j->nparts && rc == QW_OK; p++) {
        void *reply = NULL;
        int expired = 0;
        if ((take ? qw_store_snapshot_take(c->store, p, c->token, c->hold_ms * 5, &reply, &expired)
                  : qw_store_snapshot_dirty(c->store, p, c->token, &reply, &expired)) != QW_OK)
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
    /* Re-tick the dirty teams that have a rep without the step: a team whose reps all have it
     * (written before the hold; owners' later credits built on that) would be judged by no one,
     * so its fresh states are only decoded. A digest week re-makes every digest. */
    unsigned char *sel = calloc((size_t)j->nteams + 1, 1);
    if (!sel) return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    int any = 0;
    for (int i = 0; i < j->n; i++) {
        const job_rep_t *r = j->reps[i];
        if (j->dirty_team[r->team] && (j->dg || !r->stepped)) any = sel[r->team] = 1;
    }
    for (int i = 0; i < j->n; i++) {
        job_rep_t *r = j->reps[i];
        if (!j->dirty_team[r->team] || r->st_current) continue;
        if (job_reset_state(r) != QW_OK) {
            free(sel);
            return qw_err_set(c->errstr, sizeof(c->errstr), "state of rep %s does not decode",
                              r->profile.rep_id);
        }
        r->st_current = r->stepped;
    }
    if (!any) {
        free(sel);
        return QW_OK;
    }
    int close = (todo & (1u << QW_CAL_CLOSE_BIT)) != 0;
    for (int i = 0; i < j->ndecs; i++) {
        job_dec_t *d = &j->decs[i];
        /* A manager's digest covers reports of any team: digests are all made again. */
        if (!d->buf || !(j->dg || (d->team >= 0 ? sel[d->team] : close))) continue;
        if (!j->dg && d->team >= 0 && d->rep < 0) {
            d->held = 1; /* settled after the re-tick */
            continue;
        }
        free(d->buf);
        d->buf = NULL;
    }
    rc = job_tick(j, j->dg ? NULL : sel, period, todo, now_ms);
    if (rc != QW_OK || j->dg) {
        free(sel);
        return rc;
    }
    /* A team's decision is made when a tick steps one of its reps. A re-tick that stepped one
     * judged the team again (what it decided replaces the old); one that stepped none (its
     * reps' steps were done meanwhile) judged nothing, so the old decision stands. */
    unsigned char *judged = calloc((size_t)j->nteams + 1, 1);
    if (!judged) {
        free(sel);
        return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    }
    for (int i = 0; i < j->n; i++)
        if (sel[j->reps[i]->team] && differs(j->reps[i])) judged[j->reps[i]->team] = 1;
    for (int i = 0; i < j->ndecs; i++) {
        job_dec_t *d = &j->decs[i];
        if (!d->held) continue;
        d->held = 0;
        if (judged[d->team]) {
            free(d->buf);
            d->buf = NULL;
        }
    }
    free(judged);
    free(sel);
    return QW_OK;
}

/* Before the hold, while owners go on: each changed state with its rep's decisions, in scripts
 * of PREWRITE_CHUNK reps, unless an owner wrote the rep since the job read it (refused: the
 * catch-up re-reads it). What went in becomes the rep's base and its decisions are spent, so
 * the hold is left only what changed since. A team's decisions depend on reps in several
 * partitions: they go in once the team has nothing left to write (job_prewrite_teams). The
 * fairness report waits for the hold. */
enum { PREWRITE_CHUNK = 500 };

/* A team is judged by the tick that steps one of its reps; once all of them are written, no
 * later re-tick (nor a re-run of a step that failed) judges it again, so its decisions must go
 * in now, not be left for a hold that may never come. */
static int job_prewrite_teams(job_t *j)
{
    qw_calendar_t *c = j->c;
    unsigned char *open = calloc((size_t)j->nteams + 1, 1);
    if (!open) return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    for (int i = 0; i < j->n; i++)
        if (differs(j->reps[i])) open[j->reps[i]->team] = 1;
    qw_redis_args_t none, decs;
    qw_redis_args_init(&none);
    qw_redis_args_init(&decs);
    int rc = QW_OK;
    for (int p = 0; p < j->nparts && rc == QW_OK; p++) {
        qw_redis_args_reset(&decs);
        for (int i = 0; i < j->ndecs; i++) {
            const job_dec_t *d = &j->decs[i];
            if (d->buf && d->rep < 0 && d->team >= 0 && d->part == p && !open[d->team])
                qw_redis_args_add(&decs, d->buf, d->len);
        }
        if (!decs.n) continue;
        int lost = 0;
        unsigned char none_refused[1];
        if (qw_store_job_prewrite(c->store, p, c->token, &none, &none, &decs, &lost,
                                  none_refused) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
        else if (lost)
            rc = qw_err_set(c->errstr, sizeof(c->errstr),
                            "the snapshot of partition %d expired or was taken over", p);
        for (int i = 0; rc == QW_OK && i < j->ndecs; i++) {
            job_dec_t *d = &j->decs[i];
            if (d->buf && d->rep < 0 && d->team >= 0 && d->part == p && !open[d->team]) {
                if (qw_strmap_put(&j->written, d->id, strlen(d->id), (void *)1, NULL) != 0)
                    rc = qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
                free(d->buf);
                d->buf = NULL;
            }
        }
    }
    qw_redis_args_free(&none);
    qw_redis_args_free(&decs);
    free(open);
    return rc;
}

static int job_prewrite(job_t *j, int *written, int *refused_n)
{
    qw_calendar_t *c = j->c;
    int *dhead = malloc(((size_t)j->n + 1) * sizeof(int));
    int *dnext = malloc(((size_t)j->ndecs + 1) * sizeof(int));
    if (!dhead || !dnext) {
        free(dhead);
        free(dnext);
        return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    }
    for (int i = 0; i < j->n; i++)
        dhead[i] = -1;
    for (int i = j->ndecs - 1; i >= 0; i--) {
        const job_dec_t *d = &j->decs[i];
        if (!d->buf || d->rep < 0 || d->part != j->reps[d->rep]->part) continue;
        dnext[i] = dhead[d->rep];
        dhead[d->rep] = i;
    }
    qw_redis_args_t kb, hdr, decs;
    qw_redis_args_init(&kb);
    qw_redis_args_init(&hdr);
    qw_redis_args_init(&decs);
    unsigned char refused[PREWRITE_CHUNK];
    int in[PREWRITE_CHUNK];
    char key[QW_STORE_KEY_MAX];
    int rc = QW_OK;
    for (int p = 0; p < j->nparts && rc == QW_OK; p++) {
        for (int i = 0; i < j->n && rc == QW_OK;) {
            qw_redis_args_reset(&kb);
            qw_redis_args_reset(&hdr);
            qw_redis_args_reset(&decs);
            int m = 0;
            for (; i < j->n && m < PREWRITE_CHUNK; i++) {
                job_rep_t *r = j->reps[i];
                if (r->part != p || !differs(r)) continue;
                qw_store_rep_key(c->store, key, sizeof(key), p, r->profile.rep_id);
                qw_redis_args_add_str(&kb, key);
                qw_redis_args_add(&kb, r->out, r->out_len);
                int nd = 0;
                for (int d = dhead[i]; d >= 0; d = dnext[d], nd++)
                    qw_redis_args_add(&decs, j->decs[d].buf, j->decs[d].len);
                qw_redis_args_add_i64(&hdr, 2 * nd + !r->base);
                in[m++] = i;
            }
            if (!m) break;
            int lost = 0;
            if (qw_store_job_prewrite(c->store, p, c->token, &kb, &hdr, &decs, &lost, refused) !=
                QW_OK) {
                rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
                break;
            }
            if (lost) {
                rc = qw_err_set(c->errstr, sizeof(c->errstr),
                                "the snapshot of partition %d expired or was taken over", p);
                break;
            }
            for (int k = 0; k < m; k++) {
                job_rep_t *r = j->reps[in[k]];
                if (refused[k]) {
                    (*refused_n)++;
                    continue;
                }
                free(r->base);
                r->base = r->out;
                r->base_len = r->out_len;
                r->out = NULL;
                r->out_len = 0;
                r->st_current = r->stepped = 1;
                for (int d = dhead[in[k]]; d >= 0; d = dnext[d]) {
                    free(j->decs[d].buf);
                    j->decs[d].buf = NULL;
                }
                (*written)++;
            }
        }
    }
    qw_redis_args_free(&kb);
    qw_redis_args_free(&hdr);
    qw_redis_args_free(&decs);
    free(dhead);
    free(dnext);
    return rc == QW_OK ? job_prewrite_teams(j) : rc;
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
    for (int i = 0; i < j->ndecs; i++) {
        free(j->decs[i].buf);
        free(j->decs[i].id);
    }
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
    qw_strmap_free(&j->written, NULL);
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
int qw_calendar_step(qw_calendar_t *c, const qw_period_t *period, unsigned todo,
                     const qw_calendar_digest_t *dg, int64_t now_ms)
{
    int nparts = qw_calendar_partitions(c);
    if (nparts <= 0)
        return qw_err_set(c->errstr, sizeof(c->errstr), "no metadata for %s", c->topic);
    job_t *j = calloc(1, sizeof(*j));
    if (!j) return qw_err_set(c->errstr, sizeof(c->errstr), "out of memory in the job");
    j->c = c;
    j->dg = dg;
    j->nparts = nparts;
    qw_strmap_init(&j->by_id);
    qw_strmap_init(&j->teams);
    qw_strmap_init(&j->written);
    int64_t t0 = qw_clock_mono_ns(), th = 0;
    int rc = QW_OK, held = 0, ndirty = 0, changed = 0, decisions = 0, prewritten = 0, refused = 0;
    int rounds = 0;
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
    /* Pre-write rounds: write what owners have not touched, catch up on what they have, again
     * while that is more than a hold should carry. A snapshot lost already (another job began
     * its own) writes nothing at all. A digest week's decisions are all made again by its
     * catch-up, so it writes under the hold only. */
    for (int p = 0; p < nparts && rc == QW_OK && !dg && c->prewrite_rounds > 0; p++) {
        int alive = 0;
        if (qw_store_snapshot_alive(c->store, p, c->token, &alive) != QW_OK)
            rc = qw_err_set(c->errstr, sizeof(c->errstr), "%s", c->store->errstr);
        else if (!alive)
            rc = qw_err_set(c->errstr, sizeof(c->errstr),
                            "the snapshot of partition %d expired or was taken over", p);
    }
    while (rc == QW_OK && !dg && rounds < c->prewrite_rounds) {
        rounds++;
        int64_t tr = qw_clock_mono_ns();
        int w0 = prewritten, r0 = refused;
        rc = job_prewrite(j, &prewritten, &refused);
        int64_t tc = qw_clock_mono_ns();
        int nd = 0;
        if (rc == QW_OK) rc = job_catch_up(j, period->id, todo, now_ms, &nd, 1);
        ndirty += nd;
        qw_log_fields(QW_LOG_INFO, "calendar.prewrite",
                      json_pack("{s:s,s:i,s:i,s:i,s:i,s:I,s:I}", "period", period->id, "round",
                                rounds, "written", prewritten - w0, "refused", refused - r0,
                                "caught_up", nd, "write_ms", (json_int_t)((tc - tr) / 1000000),
                                "catchup_ms", (json_int_t)ms_since(tc)),
                      "calendar pre-write round %d for %s", rounds, period->id);
        if (rc == QW_OK && c->on_prewrite) c->on_prewrite(c->on_snapshot_opaque, period->id);
        if (nd <= QW_CALENDAR_HOLD_REPS) break;
    }
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
    int nlast = 0;
    if (rc == QW_OK) rc = job_catch_up(j, period->id, todo, now_ms, &nlast, 0);
    ndirty += nlast;
    int64_t tw = qw_clock_mono_ns();
    int64_t catchup_ms = held ? (tw - th) / 1000000 : 0;
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
    c->last_prewritten = prewritten;
    qw_metric_add(rc != QW_OK ? c->m_failed : dg ? c->m_digests : c->m_steps, 1);
    qw_metric_observe_us(c->m_step_s, c->last_step_ms * 1000);
    if (held) qw_metric_observe_us(c->m_hold_s, c->last_hold_ms * 1000);
    qw_log_fields(rc == QW_OK ? QW_LOG_INFO : QW_LOG_WARN, "calendar.step",
                  json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:I,s:I,s:I,s:I}",
                            "period", period->id, "digest_week", dg ? dg->week : "", "steps",
                            (int)todo, "reps", j->n, "prewritten", prewritten, "refused", refused,
                            "rounds", rounds, "changed", changed, "decisions", decisions,
                            "caught_up", ndirty, "caught_up_held", nlast, "catchup_ms",
                            (json_int_t)catchup_ms, "step_ms", (json_int_t)c->last_step_ms,
                            "hold_ms", (json_int_t)(held ? c->last_hold_ms : 0), "write_ms",
                            (json_int_t)write_ms),
                  "calendar step for %s %s", period->id, rc == QW_OK ? "done" : c->errstr);
    job_free(j);
    return rc;
}
