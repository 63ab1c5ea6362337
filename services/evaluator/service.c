#include "service.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "calendar.h"
#include "calthread.h"
#include "commit.h"
#include "dedup.h"
#include "emit.h"
#include "engine.h"
#include "engine_decode.h"
#include "evclock.h"
#include "idwin.h"
#include "marks.h"
#include "outbox.h"
#include "owner.h"
#include "quotawatch/clock.h"
#include "quotawatch/consume.h"
#include "quotawatch/credit_entry.h"
#include "quotawatch/date.h"
#include "quotawatch/id.h"
#include "quotawatch/http.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "quotawatch/policy.h"
#include "quotawatch/redis.h"
#include "quotawatch/svc.h"
#include "quotawatch/watermark.h"
#include "refdata.h"
#include "relay.h"
#include "step.h"
#include "store.h"
#include "quotawatch/strmap.h"

typedef struct ev_s {
    const qw_ev_opts_t *o;
    const qw_config_t *cfg;
    qw_http_t *http;
    qw_redis_t redis;
    qw_store_t store;
    qw_refdata_t ref;
    qw_relay_t relay;
    qw_policy_t policy;
    qw_engine_t engine;
    qw_evclock_t evclock;
    qw_calthread_t cal;        /* the calendar job, in its own thread */
    pthread_rwlock_t ref_lock; /* ref: written here, read by the calendar thread */
    qw_clock_t clock;
    rd_kafka_t *rk;
    char credits_topic[256];
    qw_owners_t own;
    int assigned_once;
    qw_relay_part_t *pumping; /* the partitions of the current pump */
    int pumping_cap;

    /* the batch being collected and processed */
    rd_kafka_message_t **msgs;
    int nmsgs;
    int cap;
    int32_t *mpart;
    int64_t *moff;
    int *idx;
    qw_batch_run_t *runs;
    qw_credit_t *credits;
    char (*rep_of)[QW_ID_MAX];
    char (*period_of)[QW_PERIOD_ID_MAX]; /* per message: the period an applied credit counts in */
    /* The script's exact section grouped by rep (a counting sort; sized once, never per batch):
     * per message its rep's index, per rep its group's start and fill cursor, the messages in
     * group order, and whether the rep may have an id hash (its stored state has a floor). */
    int *xrep, *xstart, *xfill, *xorder;
    uint8_t *xcheck;
    uint8_t *state;          /* per message: 0 skip (invalid), 1 apply, 2 duplicate */
    const char **dlq_reason; /* per message: NULL, or why it goes to qw.dlq.v1 */
    char (*dlq_msg)[QW_ERRSTR_MAX];
    qw_strmap_t work;   /* rep id -> working copy of the state */
    qw_strmap_t seen;   /* credit ids of this batch */
    qw_strmap_t widx;   /* rep id -> 1 + its index among the batch's reps (the script's order) */
    qw_strmap_t olddup; /* ids of this run the batch step found applied long ago (kept across
                           its redo: the window may be smaller than their number) */
    qw_commit_t commit;
    qw_emit_t em; /* packed decisions, then rep blobs and DLQ records */
    qw_strmap_t type_metrics;
    qw_marks_t marks;               /* completeness marks of the batch */
    char rejudge[QW_PERIOD_ID_MAX]; /* a period whose teams need re-judging after this batch */
    int nrejudge;
    qw_redis_args_t wm_args;

    int32_t credits_nparts; /* partitions of the credits topic at start, for the key check */
    int64_t mismatch_logged;
    qw_metric_t *m_mismatch;
    qw_metric_t *m_dups_exact; /* the duplicates the window no longer held */
    qw_metric_t *m_applied, *m_dups, *m_invalid, *m_rejected, *m_batch, *m_outbox, *m_fenced,
        *m_redis_err, *m_held, *m_stale;
    int relay_more; /* the last pump stopped at its bound with entries left */
} ev_t;

static const char *part_str(int32_t p, char *buf, size_t n)
{
    snprintf(buf, n, "%d", (int)p);
    return buf;
}

/* ---- partitions ----------------------------------------------------------------------------- */

static void free_state(void *p)
{
    free(p);
}

static void drop_pending_of(ev_t *ev, int32_t p)
{
    int k = 0;
    for (int i = 0; i < ev->nmsgs; i++) {
        if (ev->msgs[i]->partition == p)
            rd_kafka_message_destroy(ev->msgs[i]);
        else
            ev->msgs[k++] = ev->msgs[i];
    }
    ev->nmsgs = k;
}

static void set_redis_ready(ev_t *ev, int ok)
{
    qw_http_set_ready(ev->http, "redis", ok);
}

/* Eager rebalancing: on assignment take each partition (INCR epoch = our fencing token) and
 * start from the offset Redis stores; Kafka's committed offsets are never used. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ev_t *ev = opaque;
    char pb[16];
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        int n = parts->cnt;
        int32_t *ids = calloc((size_t)n + 1, sizeof(*ids));
        int64_t *ep = calloc((size_t)n + 1, sizeof(*ep)), *off = calloc((size_t)n + 1, 8),
                *gen = calloc((size_t)n + 1, 8);
        for (int i = 0; i < n; i++)
            ids[i] = parts->elems[i].partition;
        while (qw_store_take(&ev->store, ids, n, ep, off, gen) != QW_OK) {
            set_redis_ready(ev, 0);
            qw_log(QW_LOG_WARN, "redis.unavailable", "taking partitions: %s", ev->store.errstr);
            if (qw_svc_stop) {
                free(ids), free(ep), free(off), free(gen);
                rd_kafka_assign(rk, NULL);
                return;
            }
            qw_svc_sleep_ms(ev->redis.backoff_ms ? ev->redis.backoff_ms : 200);
        }
        set_redis_ready(ev, 1);
        for (int i = 0; i < n; i++) {
            qw_owner_assign(qw_owners_get(&ev->own, ids[i]), ep[i], gen[i], off[i]);
            parts->elems[i].offset = off[i] >= 0 ? off[i] : RD_KAFKA_OFFSET_BEGINNING;
            qw_log_fields(QW_LOG_INFO, "partition.assigned",
                          json_pack("{s:i,s:I,s:I}", "partition", (int)ids[i], "epoch",
                                    (json_int_t)ep[i], "offset", (json_int_t)off[i]),
                          "partition %s taken", part_str(ids[i], pb, sizeof(pb)));
        }
        free(ids), free(ep), free(off), free(gen);
        qw_consume_assigned(parts);
        rd_kafka_assign(rk, parts);
        ev->assigned_once = 1;
    } else {
        for (int i = 0; i < parts->cnt; i++) {
            qw_owner_part_t *pt = qw_owners_get(&ev->own, parts->elems[i].partition);
            if (!pt) continue;
            qw_owner_revoke(pt); /* its backlog is the next owner's now */
            drop_pending_of(ev, parts->elems[i].partition);
            qw_log(QW_LOG_INFO, "partition.revoked", "partition %d released",
                   (int)parts->elems[i].partition);
        }
        rd_kafka_assign(rk, NULL);
    }
}

/* ---- decisions of a batch ------------------------------------------------------------------- */

static qw_metric_t *type_metric(ev_t *ev, const char *type)
{
    qw_metric_t *m = qw_strmap_get(&ev->type_metrics, type, strlen(type));
    if (m) return m;
    char labels[96];
    snprintf(labels, sizeof(labels), "type=\"%s\"", type);
    m = qw_metrics_counter("qw_evaluator_decisions_emitted_total",
                           "Decisions written to the outbox, by type", labels);
    if (m) qw_strmap_put(&ev->type_metrics, type, strlen(type), m, NULL);
    return m;
}

/* The engine's emit callback: pack each decision straight into the batch's arena. */
static void on_decision(void *opaque, const qw_decision_t *d)
{
    ev_t *ev = opaque;
    /* A late credit withdrew a checkpoint verdict: the team's quota-pressure notice may no
     * longer hold; the calendar job re-judges the period's teams (after the commit). */
    if (!strcmp(d->type, QW_DT_WARNING_WITHDRAWN) && !ev->nrejudge)
        snprintf(ev->rejudge, sizeof(ev->rejudge), "%s", d->period), ev->nrejudge = 1;
    qw_emit_decision(&ev->em, d, type_metric(ev, d->type));
}

/* ---- one partition's batch ------------------------------------------------------------------ */

static int add_id_cb(void *opaque, const char *id, size_t len)
{
    return qw_idwin_add(opaque, id, len) == 0 ? QW_OK : QW_ERR;
}

static void profile_default(qw_rep_profile_t *p, const char *rep_id)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->rep_id, sizeof(p->rep_id), "%s", rep_id);
    p->hire_date = QW_DATE_NONE;
    p->active = 1;
}

static void batch_reset(ev_t *ev)
{
    qw_strmap_free(&ev->work, free_state);
    qw_strmap_init(&ev->work);
    qw_strmap_free(&ev->seen, NULL);
    qw_strmap_init(&ev->seen);
    qw_strmap_free(&ev->widx, NULL);
    qw_strmap_init(&ev->widx);
    qw_commit_reset(&ev->commit);
    qw_emit_reset(&ev->em);
    qw_marks_reset(&ev->marks);
    ev->nrejudge = 0;
}

/* A mark record: remember its marks for after the commit (nothing else to apply). */
static void take_marks(ev_t *ev, const rd_kafka_message_t *m)
{
    if (qw_marks_take(&ev->marks, m->payload, m->len, rd_kafka_message_timestamp(m, NULL)) != QW_OK)
        qw_log_fields(
            QW_LOG_WARN, "watermark.invalid",
            json_pack("{s:i,s:I}", "partition", (int)m->partition, "offset", (json_int_t)m->offset),
            "unreadable watermark record skipped");
}

/* After the batch that carried them is in Redis: raise the partition's marks. Marks come again
 * with every ingest transaction, so a failure here only delays the calendar a little. */
static void write_marks(ev_t *ev, int32_t part, int64_t epoch)
{
    if (!ev->marks.n) return;
    qw_marks_args(&ev->marks, &ev->wm_args);
    if (qw_store_marks_write(&ev->store, part, epoch, &ev->wm_args) != QW_OK)
        qw_log(QW_LOG_WARN, "redis.unavailable", "writing marks of partition %d: %s", (int)part,
               ev->store.errstr);
}

/* The batch step found ids applied before the window's reach: remember them in the window so
 * the redo drops them (the fast path from now on). */
static int dup_id_cb(void *opaque, const char *id, size_t len)
{
    ev_t *ev = opaque;
    static char present;
    qw_owner_part_t *pt = qw_owners_get(&ev->own, ev->commit.part);
    if (!pt || qw_idwin_add(&pt->win, id, len) != 0) return QW_ERR;
    return qw_strmap_put(&ev->olddup, id, len, &present, NULL) == 0 ? QW_OK : QW_ERR;
}

/* One run's counts and timings, for the metrics and the slow-batch log. */
typedef struct run_stats_s {
    int n, nunseen, ndlq;
    int64_t applied, dups, rejected;
    int64_t t0, t_loaded, t_built;
} run_stats_t;

/* The calendar job places reps without a state by Kafka's murmur2 partitioner; a producer that
 * partitions otherwise splits such a rep's history: make it visible. */
static void check_partitioner(ev_t *ev, const char *rep, int32_t partition)
{
    if (ev->credits_nparts <= 0) return;
    int32_t want = qw_partition_murmur2(rep, strlen(rep), ev->credits_nparts);
    if (want == partition) return;
    qw_metric_add(ev->m_mismatch, 1);
    if (ev->mismatch_logged++ % 10000 == 0)
        qw_log(QW_LOG_WARN, "credits.partitioner_mismatch",
               "rep %s arrived on partition %d, murmur2 says %d: set the producer's "
               "partitioner to murmur2_random",
               rep, (int)partition, (int)want);
}

/* Message i: a mark, an unusable record (to the DLQ), a duplicate or a credit to apply. */
static void decode_one(ev_t *ev, qw_owner_part_t *pt, int i)
{
    rd_kafka_message_t *m = ev->msgs[i];
    ev->state[i] = QW_STEP_SKIP;
    ev->dlq_reason[i] = NULL;
    if (qw_kafka_is_watermark(m)) {
        take_marks(ev, m);
        return;
    }
    char err[QW_ERRSTR_MAX];
    if (qw_engine_credit_decode(m->payload, m->len, &ev->credits[i], ev->rep_of[i], err,
                                sizeof(err)) != QW_OK) {
        qw_metric_add(ev->m_invalid, 1);
        ev->dlq_reason[i] = "invalid_credit";
        snprintf(ev->dlq_msg[i], QW_ERRSTR_MAX, "%s", err);
        qw_log_fields(
            QW_LOG_WARN, "credit.invalid",
            json_pack("{s:i,s:I}", "partition", (int)m->partition, "offset", (json_int_t)m->offset),
            "unusable credit entry: %s", err);
        return;
    }
    const char *id = ev->credits[i].id;
    if (qw_step_is_dup(&pt->win, &ev->seen, &ev->olddup, id)) {
        ev->state[i] = QW_STEP_DUP;
        return;
    }
    qw_strmap_put(&ev->seen, id, strlen(id), ev->rep_of[i], NULL);
    ev->state[i] = QW_STEP_APPLY;
    check_partitioner(ev, ev->rep_of[i], m->partition);
}

/* Decode and de-duplicate the run; unseen[] gets the reps to apply that are not cached. */
static void decode_run(ev_t *ev, qw_owner_part_t *pt, const int *ix, int n, const char **unseen,
                       int *nunseen)
{
    for (int k = 0; k < n; k++) {
        int i = ix[k];
        decode_one(ev, pt, i);
        if (ev->state[i] != QW_STEP_APPLY) continue;
        const char *rep = ev->rep_of[i];
        if (qw_strmap_get(&pt->reps, rep, strlen(rep))) continue;
        int dup = 0;
        for (int u = 0; u < *nunseen && !dup; u++)
            dup = !strcmp(unseen[u], rep);
        if (!dup) unseen[(*nunseen)++] = rep;
    }
}

/* The window of applied ids (once per ownership) and the states of the run's unseen reps (one
 * pipelined round trip). */
static qw_run_result_t load_run(ev_t *ev, qw_owner_part_t *pt, const qw_batch_run_t *run,
                                run_stats_t *rs)
{
    if (!pt->ids_loaded) {
        qw_idwin_clear(&pt->win);
        if (qw_store_load_ids(&ev->store, run->part, add_id_cb, &pt->win) != QW_OK) {
            qw_log(QW_LOG_WARN, "redis.unavailable", "loading ids: %s", ev->store.errstr);
            return QW_RUN_RETRY;
        }
        pt->ids_loaded = 1;
    }
    const int *ix = ev->idx + run->start;
    const char **unseen = malloc((size_t)run->count * sizeof(*unseen));
    if (!unseen) return QW_RUN_RETRY;
    decode_run(ev, pt, ix, run->count, unseen, &rs->nunseen);
    int rc =
        rs->nunseen ? qw_owner_load_reps(pt, &ev->store, run->part, unseen, rs->nunseen) : QW_OK;
    free(unseen);
    if (rc == QW_ERR)
        qw_log(QW_LOG_WARN, "redis.unavailable", "loading reps: %s", ev->store.errstr);
    return rc == QW_OK ? QW_RUN_DONE : rc == QW_ERR ? QW_RUN_RETRY : QW_RUN_DROP;
}

/* The working copy of a rep's state: a failed commit leaves the cache as Redis has it. */
static qw_rep_state_t *work_of(ev_t *ev, qw_owner_part_t *pt, const char *rep)
{
    size_t rl = strlen(rep);
    qw_rep_state_t *w = qw_strmap_get(&ev->work, rep, rl);
    if (w) return w;
    w = malloc(sizeof(*w));
    if (!w) return NULL;
    *w = *(qw_rep_state_t *)qw_strmap_get(&pt->reps, rep, rl);
    qw_strmap_put(&ev->work, rep, rl, w, NULL);
    return w;
}

/* Run the engine over message i (to apply); a refused credit goes to the DLQ. */
static int apply_one(ev_t *ev, qw_owner_part_t *pt, int32_t part, int i, int64_t now,
                     run_stats_t *rs)
{
    const char *rep = ev->rep_of[i];
    qw_rep_state_t *w = work_of(ev, pt, rep);
    if (!w) return QW_ERR;
    const qw_rep_profile_t *prof = qw_refdata_profile(&ev->ref, rep);
    qw_rep_profile_t def;
    if (!prof) {
        profile_default(&def, rep);
        prof = &def;
    }
    qw_period_t period;
    const qw_quota_t *quota = NULL;
    ev->period_of[i][0] = '\0';
    if (qw_engine_credit_period(&ev->engine, &ev->credits[i], &period) == QW_OK) {
        quota = qw_refdata_quota(&ev->ref, rep, period.id);
        snprintf(ev->period_of[i], QW_PERIOD_ID_MAX, "%s", period.id);
    }
    if (qw_engine_apply_credit(&ev->engine, prof, quota, w, &ev->credits[i], now) == QW_OK) {
        rs->applied++;
        return QW_OK;
    }
    rs->rejected++;
    ev->dlq_reason[i] = "credit_refused";
    snprintf(ev->dlq_msg[i], QW_ERRSTR_MAX, "%s", ev->engine.errstr);
    qw_log_fields(QW_LOG_WARN, "credit.rejected",
                  json_pack("{s:s,s:s,s:i,s:I}", "credit_id", ev->credits[i].id, "rep_id", rep,
                            "partition", (int)part, "offset", (json_int_t)ev->moff[i]),
                  "%s", ev->engine.errstr);
    return QW_OK;
}

static qw_run_result_t apply_run(ev_t *ev, qw_owner_part_t *pt, const qw_batch_run_t *run,
                                 run_stats_t *rs)
{
    const int *ix = ev->idx + run->start;
    int64_t now = qw_clock_now(&ev->clock);
    for (int k = 0; k < run->count; k++) {
        int i = ix[k];
        if (ev->state[i] == QW_STEP_DUP) rs->dups++;
        if (ev->state[i] != QW_STEP_APPLY) continue;
        if (apply_one(ev, pt, run->part, i, now, rs) != QW_OK) return QW_RUN_RETRY;
    }
    if (ev->em.failed) {
        qw_log(QW_LOG_ERROR, "batch.emit_failed", "out of memory packing decisions");
        return QW_RUN_RETRY;
    }
    return QW_RUN_DONE;
}

/* The changed reps: their keys, encoded states and id-set keys, in the script's order. */
static int build_reps(ev_t *ev, int32_t part)
{
    size_t it = 0;
    const char *rep;
    void *val;
    for (int wi = 0; qw_strmap_next(&ev->work, &it, &rep, &val); wi++) {
        char *key = (char *)ev->em.arena + ev->em.len;
        qw_store_rep_key(&ev->store, key, QW_STORE_KEY_MAX, part, rep);
        size_t kl = strlen(key);
        ev->em.len += kl + 1;
        char *ckey = (char *)ev->em.arena + ev->em.len;
        qw_store_cid_key(&ev->store, ckey, QW_STORE_KEY_MAX, part, rep);
        size_t ckl = strlen(ckey);
        ev->em.len += ckl + 1;
        qw_redis_args_add(&ev->commit.cids, ckey, ckl);
        ev->xcheck[wi] = ((qw_rep_state_t *)val)->ids_floor[0] != '\0';
        if (qw_strmap_put(&ev->widx, rep, strlen(rep), (void *)(uintptr_t)(wi + 1), NULL) != 0)
            return QW_ERR;
        qw_dedup_prune(&ev->commit.prune, wi, val);
        size_t bl = qw_rep_state_encode(val, ev->em.arena + ev->em.len, QW_REP_STATE_BLOB_MAX);
        if (!bl) {
            qw_log(QW_LOG_ERROR, "state.encode", "rep %s state does not encode", rep);
            return QW_ERR;
        }
        qw_redis_args_add(&ev->commit.reps, key, kl);
        qw_redis_args_add(&ev->commit.reps, ev->em.arena + ev->em.len, bl);
        ev->em.len += bl;
    }
    return QW_OK;
}

/* Every refused or unusable record of the run, as a DLQ entry after the decisions. */
static int build_dlq(ev_t *ev, const int *ix, int n, int *ndlq)
{
    for (int k = 0; k < n; k++) {
        int i = ix[k];
        if (!ev->dlq_reason[i]) continue;
        const rd_kafka_message_t *m = ev->msgs[i];
        qw_dlq_t dl = {.reason = ev->dlq_reason[i],
                       .reason_len = strlen(ev->dlq_reason[i]),
                       .message = ev->dlq_msg[i],
                       .message_len = strlen(ev->dlq_msg[i]),
                       .topic = ev->credits_topic,
                       .topic_len = strlen(ev->credits_topic),
                       .partition = m->partition,
                       .offset = m->offset,
                       .key = m->key,
                       .key_len = m->key ? m->key_len : 0,
                       .value = m->payload,
                       .value_len = m->payload ? m->len : 0};
        const uint8_t *rec;
        size_t dn = qw_emit_dlq(&ev->em, &dl, &rec);
        if (!dn) return QW_ERR;
        qw_redis_args_add(&ev->commit.outbox, rec, dn);
        (*ndlq)++;
    }
    return QW_OK;
}

/* The applied credits (refused ones counted nothing) into their reps' exact id sets, grouped
 * by rep: one HMGET and one HSET per rep in the script. The Redis window (commit.ids) is no
 * longer written: the exact sets decide, and the in-memory window is only a fast path (a ZADD
 * per credit cost as much as the exact set's upkeep). It is still read on takeover, for the
 * ids applied before the exact sets. */
static int build_exact(ev_t *ev, const int *ix, int n)
{
    int nwork = (int)ev->work.n;
    for (int k = 0; k < n; k++) {
        int i = ix[k];
        ev->xrep[k] = -1;
        if (ev->state[i] != QW_STEP_APPLY || ev->dlq_reason[i]) continue;
        uintptr_t wi = (uintptr_t)qw_strmap_get(&ev->widx, ev->rep_of[i], strlen(ev->rep_of[i]));
        if (!wi) return QW_ERR;
        ev->xrep[k] = (int)wi - 1;
    }
    qw_step_group(ev->xrep, n, nwork, ev->xstart, ev->xfill, ev->xorder);
    for (int w = 0; w < nwork; w++) {
        int cnt = ev->xstart[w + 1] - ev->xstart[w];
        if (!cnt) continue;
        qw_redis_args_add_i64(&ev->commit.exact, w);
        qw_redis_args_add(&ev->commit.exact, ev->xcheck[w] ? "1" : "0", 1);
        qw_redis_args_add_i64(&ev->commit.exact, cnt);
        for (int q = ev->xstart[w]; q < ev->xstart[w + 1]; q++) {
            int i = ix[ev->xorder[q]];
            qw_redis_args_add(&ev->commit.exact, ev->credits[i].id, strlen(ev->credits[i].id));
            qw_redis_args_add(&ev->commit.exact, ev->period_of[i], strlen(ev->period_of[i]));
        }
    }
    return QW_OK;
}

/* Build the step: rep blobs, outbox entries, applied ids, offsets. */
static qw_run_result_t build_run(ev_t *ev, qw_owner_part_t *pt, const qw_batch_run_t *run,
                                 run_stats_t *rs)
{
    const int *ix = ev->idx + run->start;
    int n = run->count;
    size_t need = ev->work.n * (QW_REP_STATE_BLOB_MAX + 2 * QW_STORE_KEY_MAX);
    for (int k = 0; k < n; k++)
        if (ev->dlq_reason[ix[k]])
            need += ev->msgs[ix[k]]->len + ev->msgs[ix[k]]->key_len + QW_ERRSTR_MAX + 512;
    if (qw_emit_reserve(&ev->em, need) != 0 || build_reps(ev, run->part) != QW_OK)
        return QW_RUN_RETRY;
    for (int d = 0; d < ev->em.ndec; d++)
        qw_redis_args_add(&ev->commit.outbox, ev->em.arena + ev->em.doff[d], ev->em.dlen[d]);
    if (build_dlq(ev, ix, n, &rs->ndlq) != QW_OK || build_exact(ev, ix, n) != QW_OK)
        return QW_RUN_RETRY;
    ev->commit.on_dup = dup_id_cb;
    ev->commit.dup_opaque = ev;
    ev->commit.part = run->part;
    ev->commit.epoch = pt->epoch;
    ev->commit.gen = pt->gen;
    ev->commit.first_offset = ev->moff[ix[0]];
    ev->commit.next_offset = ev->moff[ix[n - 1]] + 1;
    ev->commit.window = ev->o->id_window;
    return QW_RUN_DONE;
}

/* Written: the working copies become the cache, the window learns the ids, the metrics count. */
static void adopt_run(ev_t *ev, qw_owner_part_t *pt, const qw_batch_run_t *run,
                      const run_stats_t *rs)
{
    const int *ix = ev->idx + run->start;
    if (ev->nrejudge && qw_store_rejudge_request(&ev->store, ev->rejudge) != QW_OK)
        qw_log(QW_LOG_WARN, "redis.unavailable", "asking for a re-judge of %s: %s", ev->rejudge,
               ev->store.errstr);
    size_t it = 0;
    const char *rep;
    void *val;
    while (qw_strmap_next(&ev->work, &it, &rep, &val)) {
        void *old = NULL;
        qw_strmap_put(&pt->reps, rep, strlen(rep), val, &old);
        free(old);
    }
    /* The cache owns the copies now. */
    qw_strmap_free(&ev->work, NULL);
    qw_strmap_init(&ev->work);
    for (int k = 0; k < run->count; k++)
        if (ev->state[ix[k]] == QW_STEP_APPLY)
            qw_idwin_add(&pt->win, ev->credits[ix[k]].id, strlen(ev->credits[ix[k]].id));
    qw_metric_add(ev->m_applied, rs->applied);
    qw_metric_add(ev->m_dups, rs->dups);
    qw_metric_add(ev->m_rejected, rs->rejected);
    for (int d = 0; d < ev->em.ndec; d++)
        qw_metric_add(ev->em.dmetric[d], 1);
    pt->outbox_len += ev->em.ndec + rs->ndlq; /* the gauge, until the relay measures it */
}

/* Where a slow batch spent its time (for the runbook), and each batch at debug level. */
static void log_run(ev_t *ev, const qw_batch_run_t *run, const run_stats_t *rs)
{
    int64_t t_end = qw_clock_mono_ns();
    if (t_end - rs->t0 > 1000000000LL)
        qw_log_fields(QW_LOG_WARN, "batch.slow",
                      json_pack("{s:i,s:i,s:i,s:I,s:I,s:I}", "partition", (int)run->part, "credits",
                                rs->n, "unseen_reps", rs->nunseen, "load_ms",
                                (json_int_t)((rs->t_loaded - rs->t0) / 1000000), "apply_ms",
                                (json_int_t)((rs->t_built - rs->t_loaded) / 1000000), "commit_ms",
                                (json_int_t)((t_end - rs->t_built) / 1000000)),
                      "batch of partition %d took %lld ms", (int)run->part,
                      (long long)((t_end - rs->t0) / 1000000));
    if (qw_log_enabled(QW_LOG_DEBUG))
        qw_log_fields(QW_LOG_DEBUG, "batch.committed",
                      json_pack("{s:i,s:I,s:I,s:I,s:I,s:i}", "partition", (int)run->part, "first",
                                (json_int_t)ev->commit.first_offset, "next",
                                (json_int_t)ev->commit.next_offset, "applied",
                                (json_int_t)rs->applied, "duplicates", (json_int_t)rs->dups,
                                "decisions", ev->em.ndec),
                      "batch written");
}

/* The script's answers other than a plain commit, as the runbook names them. */
static void log_status(ev_t *ev, const qw_batch_run_t *run, qw_commit_status_t st, int64_t value)
{
    if (st == QW_COMMIT_SKIP)
        qw_log(QW_LOG_INFO, "batch.skipped",
               "partition %d offsets %" PRId64 "..%" PRId64 " already applied (next %" PRId64 ")",
               (int)run->part, ev->commit.first_offset, ev->commit.next_offset - 1, value);
    if (st == QW_COMMIT_FENCED) {
        qw_metric_add(ev->m_fenced, 1);
        qw_log(QW_LOG_WARN, "partition.fenced",
               "partition %d: another owner took over (epoch %" PRId64 " is not ours)",
               (int)run->part, value);
    }
    if (st == QW_COMMIT_HELD) qw_metric_add(ev->m_held, 1);
    if (st == QW_COMMIT_STALE) qw_metric_add(ev->m_stale, 1);
    if (st == QW_COMMIT_DUP) {
        qw_metric_add(ev->m_dups_exact, value);
        qw_log(QW_LOG_INFO, "batch.old_duplicates",
               "partition %d: %" PRId64 " credit ids applied before the window's reach: dropped",
               (int)run->part, value);
    }
}

/* The one round trip, then the plan for its answer carried out. */
static qw_run_result_t commit_run(ev_t *ev, qw_owner_part_t *pt, const qw_batch_run_t *run,
                                  run_stats_t *rs)
{
    char pb[16];
    qw_commit_status_t st;
    int64_t value;
    if (qw_store_commit(&ev->store, &ev->commit, &st, &value) != QW_OK) {
        qw_metric_add(ev->m_redis_err, 1);
        qw_log(QW_LOG_WARN, "redis.unavailable", "batch step for partition %s: %s",
               part_str(run->part, pb, sizeof(pb)), ev->store.errstr);
        return QW_RUN_RETRY;
    }
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(st, value, ev->commit.next_offset, ev->em.ndec + rs->ndlq, &p);
    log_status(ev, run, st, value);
    if (p.write_marks) write_marks(ev, run->part, pt->epoch);
    if (p.keep_work) adopt_run(ev, pt, run, rs);
    if (p.drop_cache) qw_owner_drop_cache(pt);
    if (p.next >= 0) pt->next = p.next;
    if (p.gen >= 0) pt->gen = p.gen;
    if (p.relay_due) pt->relay_due = 1;
    if (p.fence) pt->fenced = 1;
    qw_ev_commit_exec(ev->rk, ev->credits_topic, run->part, &p);
    if (p.keep_work) log_run(ev, run, rs);
    return p.result;
}

/* Decode, de-duplicate, load unseen reps, apply, commit. */
static qw_run_result_t run_partition(ev_t *ev, const qw_batch_run_t *run)
{
    qw_owner_part_t *pt = qw_owners_get(&ev->own, run->part);
    if (!qw_owner_usable(pt)) return QW_RUN_DROP;
    batch_reset(ev);
    run_stats_t rs = {.n = run->count, .t0 = qw_clock_mono_ns()};
    qw_run_result_t rr = load_run(ev, pt, run, &rs);
    if (rr != QW_RUN_DONE) return rr;
    rs.t_loaded = qw_clock_mono_ns();
    rr = apply_run(ev, pt, run, &rs);
    if (rr == QW_RUN_DONE) rr = build_run(ev, pt, run, &rs);
    if (rr != QW_RUN_DONE) return rr;
    rs.t_built = qw_clock_mono_ns();
    return commit_run(ev, pt, run, &rs);
}

/* ---- relay ---------------------------------------------------------------------------------- */

/* all: every owned partition (a sweep for what the calendar job appended), else the ones with
 * entries due; bounded: a round bound per call, except when draining at shutdown. */
static void pump(ev_t *ev, int all, int drain)
{
    if (ev->pumping_cap < ev->own.nparts) {
        qw_relay_part_t *np = realloc(ev->pumping, (size_t)ev->own.nparts * sizeof(*np));
        if (!np) return; /* try again on the next loop */
        ev->pumping = np;
        ev->pumping_cap = ev->own.nparts;
    }
    int n = 0;
    int64_t now = qw_clock_mono_ns();
    for (int p = 0; p < ev->own.nparts; p++) {
        qw_owner_part_t *pt = &ev->own.parts[p];
        if (!pt->owned || pt->fenced || (!all && !pt->relay_due)) continue;
        if (!all && now < pt->relay_retry_ns) continue;
        ev->pumping[n].part = p;
        ev->pumping[n++].epoch = pt->epoch;
    }
    ev->relay_more = 0;
    if (n) qw_relay_pump(&ev->relay, ev->pumping, n, drain ? 0 : QW_RELAY_ROUNDS);
    for (int i = 0; i < n; i++) {
        const qw_relay_part_t *rp = &ev->pumping[i];
        qw_owner_part_t *pt = &ev->own.parts[rp->part];
        if (rp->rc == QW_OK) {
            pt->relay_due = rp->more; /* more: the next loop goes on, no sweep to wait for */
            pt->outbox_len = 0;
            if (rp->more) {
                ev->relay_more = 1;
                int64_t len;
                if (qw_store_outbox_len(&ev->store, rp->part, &len) == QW_OK) pt->outbox_len = len;
            }
            if (rp->fenced) {
                qw_log(QW_LOG_WARN, "partition.fenced", "relay of partition %d fenced",
                       (int)rp->part);
                pt->fenced = 1;
            }
        } else {
            qw_log(QW_LOG_WARN, "relay.failed", "partition %d: %s", (int)rp->part, rp->errstr);
            pt->relay_retry_ns = qw_clock_mono_ns() + 1000000000LL;
            int64_t len;
            if (qw_store_outbox_len(&ev->store, rp->part, &len) == QW_OK) pt->outbox_len = len;
        }
    }
    int64_t total = 0; /* the backlog of every owned partition, pumped now or waiting to retry */
    for (int p = 0; p < ev->own.nparts; p++)
        total += ev->own.parts[p].outbox_len;
    qw_metric_set(ev->m_outbox, total);
}

/* ---- main loop ------------------------------------------------------------------------------ */

static int collect(ev_t *ev)
{
    /* With outbox entries left by a bounded pump, take what has arrived and go on pumping. */
    int64_t deadline = qw_clock_mono_ns() + (ev->relay_more ? 0 : 200000000LL);
    qw_consume_t cs;
    qw_consume_init(&cs, "kafka.consume_error");
    while (ev->nmsgs < ev->cap && !qw_svc_stop) {
        int64_t left = (deadline - qw_clock_mono_ns()) / 1000000;
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k =
            qw_consume_poll(&cs, ev->rk, ev->nmsgs ? 0 : (int)(left > 0 ? left : 0), &m);
        if (k == QW_CONSUME_NONE) {
            if (ev->nmsgs || qw_clock_mono_ns() >= deadline) break;
            continue;
        }
        if (k != QW_CONSUME_RECORD) continue;
        qw_owner_part_t *pt = qw_owners_get(&ev->own, m->partition);
        if (!pt || !pt->owned || pt->fenced) {
            rd_kafka_message_destroy(m);
            continue;
        }
        ev->msgs[ev->nmsgs++] = m;
    }
    return ev->nmsgs;
}

static void process(ev_t *ev)
{
    int64_t t0 = qw_clock_mono_ns();
    int n = ev->nmsgs;
    for (int i = 0; i < n; i++) {
        ev->mpart[i] = ev->msgs[i]->partition;
        ev->moff[i] = ev->msgs[i]->offset;
    }
    int nruns = qw_batch_group(ev->mpart, n, ev->idx, ev->runs);
    int stop_wait = 0;
    for (int r = 0; r < nruns; r++) {
        if (!qw_batch_ascending(ev->moff, ev->idx, ev->runs[r].start, ev->runs[r].count)) {
            qw_log(QW_LOG_ERROR, "batch.order", "partition %d: offsets out of order, dropping run",
                   (int)ev->runs[r].part);
            continue;
        }
        qw_strmap_free(&ev->olddup, NULL);
        qw_strmap_init(&ev->olddup);
        for (;;) {
            qw_run_result_t rr = run_partition(ev, &ev->runs[r]);
            if (rr == QW_RUN_HELD) {
                qw_log(QW_LOG_DEBUG, "batch.held", "partition %d held or stale: redo",
                       (int)ev->runs[r].part);
                /* The calendar job holds the partition for a moment: wait, stay ready. */
                if (qw_svc_stop && ++stop_wait > 300) break;
                usleep(50000);
                continue;
            }
            if (rr == QW_RUN_REDO) continue;
            if (rr != QW_RUN_RETRY) {
                set_redis_ready(ev, 1);
                break;
            }
            set_redis_ready(ev, 0);
            /* Do not consume further; retry the whole batch with backoff. On shutdown give it a
             * while, then leave it unwritten: the stored offset makes the next owner redo it. */
            if (qw_svc_stop && ++stop_wait > 50) break;
            int ms = ev->redis.backoff_ms ? ev->redis.backoff_ms : 100;
            for (int slept = 0; slept < ms; slept += 20)
                usleep(20000);
        }
    }
    batch_reset(ev);
    for (int i = 0; i < n; i++)
        rd_kafka_message_destroy(ev->msgs[i]);
    ev->nmsgs = 0;
    qw_metric_observe_us(ev->m_batch, (qw_clock_mono_ns() - t0) / 1000);
}

static int setup_consumer(ev_t *ev, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ev->o->brokers, "qw-evaluator", ev->cfg, err, errlen);
    if (!conf) return QW_ERR;
    const char *kv[][2] = {
        {"group.id", ev->o->group},        {"isolation.level", "read_committed"},
        {"enable.auto.commit", "false"},   {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"}, {"partition.assignment.strategy", "range"},
        {"enable.partition.eof", "false"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        if (qw_kafka_conf_set(conf, kv[i][0], kv[i][1], err, errlen) != QW_OK) {
            rd_kafka_conf_destroy(conf);
            return QW_ERR;
        }
    /* The -X passthrough was applied first by qw_kafka_conf_new; the settings above are part
     * of the correctness argument and win. */
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, ev);
    char e[512];
    ev->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (!ev->rk) {
        rd_kafka_conf_destroy(conf);
        return qw_err_set(err, errlen, "consumer: %s", e);
    }
    rd_kafka_poll_set_consumer(ev->rk);
    qw_kafka_topic(ev->credits_topic, sizeof(ev->credits_topic), ev->o->prefix, "qw.credits.v1");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, ev->credits_topic, RD_KAFKA_PARTITION_UA);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(ev->rk, ev->credits_topic, NULL);
    if (!rd_kafka_metadata(ev->rk, 0, rkt, &md, 10000) && md->topic_cnt == 1 && !md->topics[0].err)
        ev->credits_nparts = md->topics[0].partition_cnt;
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_resp_err_t rc = rd_kafka_subscribe(ev->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (rc) return qw_err_set(err, errlen, "subscribe: %s", rd_kafka_err2str(rc));
    return QW_OK;
}

static int alloc_batch(ev_t *ev)
{
    int c = ev->cap = (int)ev->o->batch_size;
    ev->msgs = calloc((size_t)c, sizeof(*ev->msgs));
    ev->mpart = calloc((size_t)c, sizeof(*ev->mpart));
    ev->moff = calloc((size_t)c, sizeof(*ev->moff));
    ev->idx = calloc((size_t)c, sizeof(*ev->idx));
    ev->runs = calloc((size_t)c, sizeof(*ev->runs));
    ev->credits = calloc((size_t)c, sizeof(*ev->credits));
    ev->rep_of = calloc((size_t)c, sizeof(*ev->rep_of));
    ev->period_of = calloc((size_t)c, sizeof(*ev->period_of));
    ev->xrep = calloc((size_t)c, sizeof(int));
    ev->xstart = calloc((size_t)c + 1, sizeof(int));
    ev->xfill = calloc((size_t)c + 1, sizeof(int));
    ev->xorder = calloc((size_t)c, sizeof(int));
    ev->xcheck = calloc((size_t)c + 1, 1);
    ev->state = calloc((size_t)c, 1);
    ev->dlq_reason = calloc((size_t)c, sizeof(*ev->dlq_reason));
    ev->dlq_msg = calloc((size_t)c, sizeof(*ev->dlq_msg));
    return ev->msgs && ev->mpart && ev->moff && ev->idx && ev->runs && ev->credits && ev->rep_of &&
                   ev->period_of && ev->xrep && ev->xstart && ev->xfill && ev->xorder &&
                   ev->xcheck && ev->state && ev->dlq_reason && ev->dlq_msg
               ? QW_OK
               : QW_ERR;
}

static void free_all(ev_t *ev)
{
    qw_owners_free(&ev->own);
    free(ev->pumping);
    batch_reset(ev);
    qw_strmap_free(&ev->work, NULL);
    qw_strmap_free(&ev->seen, NULL);
    qw_strmap_free(&ev->widx, NULL);
    qw_strmap_free(&ev->olddup, NULL);
    qw_strmap_free(&ev->type_metrics, NULL);
    qw_commit_free(&ev->commit);
    qw_redis_args_free(&ev->wm_args);
    free(ev->msgs), free(ev->mpart), free(ev->moff), free(ev->idx), free(ev->runs);
    free(ev->credits), free(ev->rep_of), free(ev->period_of), free(ev->state);
    free(ev->dlq_reason), free(ev->dlq_msg);
    free(ev->xrep), free(ev->xstart), free(ev->xfill), free(ev->xorder), free(ev->xcheck);
    qw_emit_free(&ev->em);
}

/* ---- start, loop, stop ------------------------------------------------------------------ */

static void register_metrics(ev_t *ev)
{
    ev->m_applied = qw_metrics_counter("qw_evaluator_credits_applied_total",
                                       "Credit entries applied to rep states", NULL);
    ev->m_dups = qw_metrics_counter("qw_evaluator_duplicates_dropped_total",
                                    "Credit entries dropped because their id was applied", NULL);
    ev->m_dups_exact =
        qw_metrics_counter("qw_evaluator_duplicates_exact_total",
                           "Of those, ids older than the window, found in the rep's id set", NULL);
    ev->m_invalid = qw_metrics_counter("qw_evaluator_credits_invalid_total",
                                       "Records of the credits topic that do not decode", NULL);
    ev->m_rejected = qw_metrics_counter("qw_evaluator_credits_rejected_total",
                                        "Credit entries the engine refused (logged)", NULL);
    ev->m_batch = qw_metrics_histogram("qw_evaluator_batch_seconds",
                                       "Time to process one polled batch", NULL);
    ev->m_outbox = qw_metrics_gauge("qw_evaluator_outbox_length",
                                    "Decisions waiting in owned partitions' outboxes", NULL);
    ev->m_mismatch = qw_metrics_counter(
        "qw_evaluator_partitioner_mismatch_total",
        "Credits whose partition is not murmur2(rep id): the producer's partitioner differs", NULL);
    ev->m_fenced = qw_metrics_counter("qw_evaluator_fenced_total",
                                      "Batches refused because another owner took over", NULL);
    ev->m_redis_err = qw_metrics_counter("qw_evaluator_redis_errors_total",
                                         "Batch steps that failed on Redis and were retried", NULL);
    ev->m_held = qw_metrics_counter("qw_evaluator_batches_redone_total",
                                    "Partition batches redone because of the calendar job",
                                    "reason=\"held\"");
    ev->m_stale = qw_metrics_counter("qw_evaluator_batches_redone_total",
                                     "Partition batches redone because of the calendar job",
                                     "reason=\"stale\"");
}

/* Clock, policy, quotas and roster: 0, or 2 (bad configuration, named in the log). */
static int load_config(ev_t *ev)
{
    const qw_ev_opts_t *o = ev->o;
    char err[QW_ERRSTR_MAX];
    if (qw_evclock_init(&ev->evclock, o->fake_now, o->clock_offset_ms, o->clock_file, err,
                        sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "config.invalid", "%s", err);
        return 2;
    }
    ev->clock = qw_evclock_clock(&ev->evclock);
    if (qw_policy_load_or_default(&ev->policy, o->policy, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "policy.invalid", "%s", err);
        return 2;
    }
    qw_engine_init(&ev->engine, &ev->policy, on_decision, ev);
    /* Quotas from the CSV and the topic must fit the policy's period kind and rates. */
    qw_refdata_set_policy(&ev->ref, &ev->policy);
    if (o->quotas_csv && *o->quotas_csv &&
        qw_refdata_load_quotas_csv(&ev->ref, o->quotas_csv, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "quotas.invalid", "%s", err);
        return 2;
    }
    if (o->roster_csv && *o->roster_csv &&
        qw_refdata_load_roster_csv(&ev->ref, o->roster_csv, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "roster.invalid", "%s", err);
        return 2;
    }
    return 0;
}

static int start_http(ev_t *ev)
{
    const qw_ev_opts_t *o = ev->o;
    char err[QW_ERRSTR_MAX];
    ev->http = qw_http_start_addr(o->http_bind, (int)o->http_port, err, sizeof(err));
    if (!ev->http) {
        qw_log(QW_LOG_ERROR, "http.failed", "%s", err);
        return QW_ERR;
    }
    qw_log_fields(QW_LOG_INFO, "http.listening", json_pack("{s:i}", "port", qw_http_port(ev->http)),
                  "health and metrics on port %d", qw_http_port(ev->http));
    qw_http_set_ready(ev->http, "redis", 0);
    qw_http_set_ready(ev->http, "refdata", 0);
    qw_http_set_ready(ev->http, "kafka", 0);
    qw_kafka_health_attach(ev->http);
    return QW_OK;
}

/* Redis, the reference data (read to its end), the relay, the consumer and the calendar job:
 * each waits while its server is unreachable; QW_ERR on what a retry will not fix, and
 * CONNECT_REFUSED for a Redis that would lose state (quotawatch/redis.h). */
#define CONNECT_REFUSED 1
static int connect_all(ev_t *ev)
{
    const qw_ev_opts_t *o = ev->o;
    char err[QW_ERRSTR_MAX];
    if (qw_redis_init(&ev->redis, o->redis_url, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "config.invalid", "%s", err);
        return QW_ERR;
    }
    qw_store_init(&ev->store, &ev->redis, o->prefix);
    qw_redis_require_durable(!o->redis_allow_volatile);
    while (qw_redis_connect(&ev->redis) != QW_OK && !qw_svc_stop) {
        if (ev->redis.refused) {
            qw_log(QW_LOG_ERROR, "redis.refused", "%s", ev->redis.errstr);
            return CONNECT_REFUSED;
        }
        qw_log(QW_LOG_WARN, "redis.unavailable", "%s", ev->redis.errstr);
        qw_svc_sleep_ms(ev->redis.backoff_ms ? ev->redis.backoff_ms : 200);
    }
    set_redis_ready(ev, 1);

    if (qw_refdata_follow(&ev->ref, o->brokers, o->prefix, ev->cfg, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "refdata.failed", "%s", err);
        return QW_ERR;
    }
    /* Decisions need quotas and profiles: read both topics to their end before any credit. */
    while (!ev->ref.caught_up && !qw_svc_stop)
        qw_refdata_poll(&ev->ref, 200);
    qw_http_set_ready(ev->http, "refdata", 1);

    if (qw_relay_init(&ev->relay, o->brokers, o->prefix, ev->cfg, &ev->store, err, sizeof(err)) !=
        QW_OK) {
        qw_log(QW_LOG_ERROR, "relay.failed", "%s", err);
        return QW_ERR;
    }
    if (setup_consumer(ev, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "kafka.failed", "%s", err);
        return QW_ERR;
    }
    qw_complete_opts_t copts = {.sources = o->sources,
                                .prefix = o->prefix,
                                .simulated = qw_evclock_simulated(&ev->evclock),
                                .max_lead_ms = o->max_clock_lead_ms,
                                .alert_ms = o->data_delay_alert_ms};
    if (o->calendar &&
        qw_calthread_start(&ev->cal, o->redis_url, o->prefix, &ev->ref, &ev->ref_lock, &ev->policy,
                           ev->credits_topic, ev->rk, o->calendar_interval_ms, &ev->evclock, &copts,
                           err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "calendar.failed", "%s", err);
        return QW_ERR;
    }
    qw_kafka_mark_ok();
    return QW_OK;
}

/* SIGHUP: the policy file again, checked in full before anything changes; later decisions
 * carry its version. What would re-cut history is refused (the old policy stays): another
 * period kind, base currency or time zone needs a planned restart with rebuilt state. The
 * write lock waits for a running calendar step, which reads the policy under the read lock;
 * the engine runs on this thread, between batches here. */
static void reload_policy(ev_t *ev)
{
    const char *path = ev->o->policy;
    if (!path || !*path) {
        qw_log(QW_LOG_INFO, "config.reload_ignored",
               "SIGHUP: no --policy file, the built-in defaults stay");
        return;
    }
    char err[QW_ERRSTR_MAX];
    qw_policy_t *np = malloc(sizeof(*np));
    if (!np) return;
    if (qw_policy_load_or_default(np, path, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "config.reload_refused", "policy %s refused, version %s stays: %s",
               path, ev->policy.version, err);
    } else if (np->period != ev->policy.period || strcmp(np->rates.base, ev->policy.rates.base) ||
               strcmp(np->timezone, ev->policy.timezone)) {
        qw_log(QW_LOG_ERROR, "config.reload_refused",
               "policy %s changes the period kind, base currency or time zone, which re-cuts "
               "every period already judged: restart with rebuilt state instead "
               "(docs/operations.md, \"Rebuilding state\"); version %s stays",
               path, ev->policy.version);
    } else {
        char was[QW_VERSION_MAX];
        snprintf(was, sizeof(was), "%s", ev->policy.version);
        pthread_rwlock_wrlock(&ev->ref_lock);
        ev->policy = *np;
        pthread_rwlock_unlock(&ev->ref_lock);
        qw_log(QW_LOG_INFO, "config.reloaded", "policy %s reloaded: version %s (was %s)", path,
               ev->policy.version, was);
    }
    free(np);
}

static void run_loop(ev_t *ev)
{
    int64_t last_sweep = 0;
    while (!qw_svc_stop) {
        if (qw_svc_reload_requested()) reload_policy(ev);
        /* Roster and quota updates wait while a calendar step reads them: never the credits. */
        if (pthread_rwlock_trywrlock(&ev->ref_lock) == 0) {
            qw_refdata_poll(&ev->ref, 0);
            pthread_rwlock_unlock(&ev->ref_lock);
        }
        if (collect(ev)) process(ev);
        int64_t t = qw_clock_mono_ns();
        int sweep = t - last_sweep > 2000000000LL; /* pick up outbox entries the job appended */
        pump(ev, sweep, 0);
        if (sweep) {
            last_sweep = t;
            /* Idle or not, readiness follows the connection (the sweep touched Redis). */
            set_redis_ready(ev, qw_redis_connected(&ev->redis));
        }
    }
}

static void shut_down(ev_t *ev)
{
    qw_calthread_stop(&ev->cal);
    if (ev->rk) {
        rd_kafka_consumer_close(ev->rk);
        rd_kafka_destroy(ev->rk);
    }
    if (ev->relay.rk) qw_relay_free(&ev->relay);
    qw_refdata_free(&ev->ref);
    qw_redis_close(&ev->redis);
    qw_http_stop(ev->http);
    free_all(ev);
    pthread_rwlock_destroy(&ev->ref_lock);
}

int qw_ev_run(const qw_ev_opts_t *o, const qw_config_t *cfg)
{
    static ev_t ev_storage; /* large: keep it off the stack */
    ev_t *ev = &ev_storage;
    memset(ev, 0, sizeof(*ev));
    ev->o = o;
    ev->cfg = cfg;
    qw_strmap_init(&ev->work);
    qw_strmap_init(&ev->seen);
    qw_strmap_init(&ev->widx);
    qw_strmap_init(&ev->olddup);
    qw_owners_init(&ev->own, (size_t)o->id_window);
    qw_strmap_init(&ev->type_metrics);
    qw_commit_init(&ev->commit);
    qw_redis_args_init(&ev->wm_args);
    qw_refdata_init(&ev->ref);
    pthread_rwlock_init(&ev->ref_lock, NULL);
    register_metrics(ev);
    int rc = load_config(ev);
    if (rc != 0) return rc;
    if (alloc_batch(ev) != QW_OK || start_http(ev) != QW_OK) return 1;
    rc = connect_all(ev);
    if (rc == CONNECT_REFUSED) {
        rc = 2; /* configuration: a retry will not fix it */
    } else if (rc == QW_OK) {
        run_loop(ev);
        qw_log(QW_LOG_INFO, "shutdown", "stopping: last batch written, draining the outbox");
        pump(ev, 0, 1);
        rc = 0;
    } else {
        rc = 1;
    }
    shut_down(ev);
    return rc;
}
