#include "calendar.h"
#include "calendar_step.h"

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
    c->prewrite_rounds = QW_CALENDAR_PREWRITE_ROUNDS;
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
    int nparts = qw_calendar_partitions(c);
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
    int nparts = qw_calendar_partitions(c);
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
        if ((done & (1u << team_bit)) &&
            qw_calendar_step(c, &p, 1u << team_bit, NULL, now_ms) != QW_OK)
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
    qw_calendar_digest_t dg = {.at_ms = qw_schedule_digest_at(c->policy, now_ms)};
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
        if (qw_calendar_step(c, &periods[i], todos[i], NULL, now_ms) != QW_OK)
            return; /* retried next interval */
        c->steps++;
        redisReply *r = qw_redis_command(c->store->r, "HSET %s %s %u", c->done_key, periods[i].id,
                                         dones[i] | todos[i]);
        if (r) freeReplyObject(r);
    }
    /* After the steps (a close may have changed a state the digest reads). Only this week:
     * weeks missed while the job was down are not sent. */
    if (digest_due && qw_calendar_step(c, &dper, 0, &dg, now_ms) == QW_OK) {
        c->digests++;
        redisReply *r = qw_redis_command(c->store->r, "HSET %s %s %lld", c->digest_key, dg.week,
                                         (long long)dg.at_ms);
        if (r) freeReplyObject(r);
    }
}
