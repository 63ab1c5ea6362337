#include "refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/roster_pb.h"
#include "quotawatch/csv.h"
#include "quotawatch/follow.h"
#include "quotawatch/id.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "quotawatch/money.h"
#include "quotawatch/svc.h"
#include "quotawatch/v1/roster.pb-c.h"

void qw_refdata_init(qw_refdata_t *d)
{
    memset(d, 0, sizeof(*d));
    qw_reftable_init(&d->t);
}

void qw_refdata_free(qw_refdata_t *d)
{
    if (d->follow) {
        qw_follow_free(d->follow);
        free(d->follow);
    }
    qw_reftable_free(&d->t);
    memset(d, 0, sizeof(*d));
}

int qw_refdata_put_profile(qw_refdata_t *d, const qw_rep_profile_t *p)
{
    return qw_reftable_put_profile(&d->t, p);
}

int qw_refdata_put_quota(qw_refdata_t *d, const qw_quota_t *q)
{
    return qw_reftable_put_quota(&d->t, q);
}

const qw_rep_profile_t *qw_refdata_profile(const qw_refdata_t *d, const char *rep_id)
{
    return qw_reftable_profile(&d->t, rep_id);
}

const qw_quota_t *qw_refdata_quota(const qw_refdata_t *d, const char *rep_id, const char *period)
{
    return qw_reftable_quota(&d->t, rep_id, period);
}

static int put_quota_cb(void *o, const qw_quota_t *q)
{
    return qw_refdata_put_quota(o, q);
}

static int put_profile_cb(void *o, const qw_rep_profile_t *p)
{
    return qw_refdata_put_profile(o, p);
}

void qw_refdata_set_policy(qw_refdata_t *d, const qw_policy_t *policy)
{
    d->policy = policy;
}

/* Every bad row is logged (an operator fixes them all at once); the caller reports the first. */
static void log_csv_error(void *o, const char *msg)
{
    qw_log(QW_LOG_ERROR, "refdata.csv_invalid", "%s: %s", (const char *)o, msg);
}

int qw_refdata_load_quotas_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen)
{
    qw_csv_opts_t o = {
        .policy = d->policy, .max_errors = 20, .on_error = log_csv_error, .error_opaque = "quotas"};
    return qw_csv_quota_load(path, &o, put_quota_cb, d, errbuf, errlen);
}

int qw_refdata_load_roster_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen)
{
    qw_csv_opts_t o = {.max_errors = 20, .on_error = log_csv_error, .error_opaque = "roster"};
    return qw_csv_roster_load(path, &o, put_profile_cb, d, errbuf, errlen);
}

/* ---- following the topics ------------------------------------------------------------------ */

static void apply(void *opaque, const qw_follow_rec_t *r);

int qw_refdata_follow(qw_refdata_t *d, const char *brokers, const char *prefix,
                      const qw_config_t *cfg, char *errbuf, size_t errlen)
{
    /* No group: assign() only, offsets never committed (quotawatch/follow.h). */
    rd_kafka_t *rk = qw_follow_consumer_new(brokers, "qw-evaluator-refdata", cfg, errbuf, errlen);
    if (!rk) return QW_ERR;
    char topics[2][256];
    qw_kafka_topic(topics[0], sizeof(topics[0]), prefix, "qw.roster.v1");
    qw_kafka_topic(topics[1], sizeof(topics[1]), prefix, "qw.quotas.v1");
    const char *names[2] = {topics[0], topics[1]};
    qw_follow_t *f = calloc(1, sizeof(*f));
    if (!f || qw_follow_init(f, rk, names, 2, apply, d, "refdata.error", errbuf, errlen) != QW_OK) {
        if (!f) qw_err_set(errbuf, errlen, "out of memory");
        free(f);
        rd_kafka_destroy(rk);
        return QW_ERR;
    }
    f->wait_event = "refdata.waiting";
    if (d->follow) qw_follow_free(d->follow);
    free(d->follow);
    d->follow = f;
    /* The README promises that the evaluator waits for its topics: retry with backoff until
     * they are usable or a stop is requested. */
    int rc = qw_follow_wait(f, 0, 200, 5000, &qw_svc_stop, errbuf, errlen);
    d->follow_attempts = f->attempts;
    d->npart = f->npart;
    return rc;
}

/* A refused record: logged with its key, counted per topic and reason, never applied. */
static void reject(qw_refdata_t *d, const rd_kafka_message_t *m, int is_roster, const char *reason,
                   const char *why)
{
    d->invalid++;
    char labels[96];
    snprintf(labels, sizeof(labels), "topic=\"%s\",reason=\"%s\"",
             is_roster ? "qw.roster.v1" : "qw.quotas.v1", reason);
    /* Rare by nature: the registry lookup (a lock) per refusal is fine. */
    qw_metric_add(qw_metrics_counter("qw_evaluator_refdata_rejected_total",
                                     "Roster and quota records refused (logged, not applied)",
                                     labels),
                  1);
    qw_log(QW_LOG_WARN, "refdata.rejected", "%s key \"%.*s\" offset %lld: %s (%s; not applied)",
           rd_kafka_topic_name(m->rkt), m->key ? (int)(m->key_len > 200 ? 200 : m->key_len) : 0,
           m->key ? (const char *)m->key : "", (long long)m->offset, why, reason);
}

static int key_is(const rd_kafka_message_t *m, const char *want)
{
    size_t n = strlen(want);
    return m->key && m->key_len == n && !memcmp(m->key, want, n);
}

static void apply_roster(qw_refdata_t *d, const rd_kafka_message_t *m)
{
    char err[QW_ERRSTR_MAX];
    Quotawatch__V1__RepProfile *pb = quotawatch__v1__rep_profile__unpack(NULL, m->len, m->payload);
    if (!pb) {
        reject(d, m, 1, "not_protobuf", "not a RepProfile");
        return;
    }
    qw_rep_profile_t p;
    if (qw_roster_profile_from_pb(pb, &p, err, sizeof(err)) != QW_OK) {
        reject(d, m, 1, "invalid", err);
    } else if (!p.rep_id[0]) {
        reject(d, m, 1, "invalid", "empty rep_id");
    } else if (qw_roster_ids_check(&p, err, sizeof(err)) != QW_OK) {
        reject(d, m, 1, "bad_id", err);
    } else if (!key_is(m, p.rep_id)) {
        /* Compaction keeps one record per key: a profile under another rep's key would never
         * be replaced nor deleted by that rep's own records. */
        snprintf(err, sizeof(err), "the key is not the rep_id \"%s\"", p.rep_id);
        reject(d, m, 1, "key_mismatch", err);
    } else if (qw_refdata_put_profile(d, &p) != QW_OK) {
        reject(d, m, 1, "out_of_memory", "out of memory");
    }
    quotawatch__v1__rep_profile__free_unpacked(pb, NULL);
}

static void apply_quota(qw_refdata_t *d, const rd_kafka_message_t *m)
{
    char err[QW_ERRSTR_MAX], key[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    Quotawatch__V1__QuotaAssignment *pb =
        quotawatch__v1__quota_assignment__unpack(NULL, m->len, m->payload);
    if (!pb) {
        reject(d, m, 0, "not_protobuf", "not a QuotaAssignment");
        return;
    }
    qw_quota_t q;
    const char *reason = NULL;
    if (qw_roster_quota_from_pb(pb, &q, err, sizeof(err)) != QW_OK) {
        reject(d, m, 0, "invalid", err);
    } else if (!q.rep_id[0] || !q.version[0] || qw_money_exponent(q.currency) < 0) {
        reject(d, m, 0, "invalid", "rep_id, version and an ISO 4217 currency are required");
    } else if (qw_id_valid(q.rep_id, strlen(q.rep_id), err, sizeof(err)) != QW_OK) {
        reject(d, m, 0, "bad_id", err);
    } else if (snprintf(key, sizeof(key), "%s:%s", q.rep_id, q.period), !key_is(m, key)) {
        snprintf(err, sizeof(err), "the key is not rep_id:period \"%s\"", key);
        reject(d, m, 0, "key_mismatch", err);
    } else if (d->policy && qw_csv_quota_check(&q, d->policy, &reason, err, sizeof(err)) != QW_OK) {
        reject(d, m, 0, reason, err);
    } else if (qw_refdata_put_quota(d, &q) != QW_OK) {
        reject(d, m, 0, "out_of_memory", "out of memory");
    }
    quotawatch__v1__quota_assignment__free_unpacked(pb, NULL);
}

static void apply(void *opaque, const qw_follow_rec_t *r)
{
    qw_refdata_t *d = opaque;
    const rd_kafka_message_t *m = r->msg;
    size_t tl = strlen(r->topic);
    int is_roster = tl >= 12 && !strcmp(r->topic + tl - 12, "qw.roster.v1");
    d->records++;
    if (r->tombstone) {
        /* A tombstone: the key is gone. */
        if (!r->key) {
            reject(d, m, is_roster, "no_key", "a tombstone without a key");
        } else if (is_roster) {
            free(qw_strmap_del(&d->t.roster, r->key, r->key_len));
        } else {
            char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
            const char *key = r->key, *colon = NULL;
            for (size_t i = r->key_len; i > 0 && !colon; i--)
                if (key[i - 1] == ':') colon = key + i - 1;
            if (colon && r->key_len < sizeof(k)) {
                size_t rl = (size_t)(colon - key);
                memcpy(k, r->key, r->key_len);
                k[rl] = '\x1f';
                free(qw_strmap_del(&d->t.quotas, k, r->key_len));
            } else {
                reject(d, m, 0, "key_mismatch", "a tombstone whose key is not rep_id:period");
            }
        }
        return;
    }
    if (is_roster)
        apply_roster(d, m);
    else
        apply_quota(d, m);
}

int qw_refdata_poll(qw_refdata_t *d, int timeout_ms)
{
    if (!d->follow) return 0;
    int was = d->caught_up;
    int n = qw_follow_poll(d->follow, timeout_ms, 10000);
    /* A fatal client error: nothing more arrives; the data in memory stays as it was. */
    if (n < 0) {
        qw_err_set(d->errstr, sizeof(d->errstr), "%s", d->follow->errstr);
        n = 0;
    }
    d->caught_up = d->follow->caught_up;
    if (d->caught_up && !was)
        qw_log(QW_LOG_INFO, "refdata.caught_up", "roster and quotas loaded: %zu reps, %zu quotas",
               d->t.roster.n, d->t.quotas.n);
    return n;
}
