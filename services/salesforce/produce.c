/* The transactional producer. One /meta/connect reply is one transaction: its events (and the
 * snapshots that repair its gaps) commit together or not at all, and the replay id advances
 * only once they have committed. After a crash the topic's last committed record says where
 * to resume: no range is skipped and none is written twice. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "salesforce.h"
#include "sf_snapshot.h"

static void fatal(const char *what, rd_kafka_error_t *error)
{
    qw_log(QW_LOG_ERROR, "salesforce.fatal",
           "%s: %s — fenced by another subscriber with the same --transactional-id, or a broker "
           "error; restart this instance",
           what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    exit(3);
}

int qw_sf_producer_start(qw_sf_t *s)
{
    char e[QW_ERRSTR_MAX];
    rd_kafka_conf_t *c = qw_kafka_conf_new(s->o.brokers, "qw-salesforce", &s->cfg, e, sizeof(e));
    if (!c || qw_kafka_conf_set(c, "transactional.id", s->o.txn_id, e, sizeof(e)) ||
        qw_kafka_conf_set(c, "linger.ms", "5", e, sizeof(e)))
        return qw_err_set(s->errstr, sizeof(s->errstr), "%s", e);
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof(e));
    if (!s->rk) return qw_err_set(s->errstr, sizeof(s->errstr), "producer: %s", e);
    int backoff = 500;
    while (!qw_svc_stop) {
        /* Also fences a previous instance and aborts what it left open. */
        rd_kafka_error_t *error = rd_kafka_init_transactions(s->rk, 5000);
        if (!error) {
            qw_kafka_mark_ok();
            return QW_OK;
        }
        if (rd_kafka_error_is_fatal(error)) fatal("init_transactions", error);
        qw_log(QW_LOG_WARN, "salesforce.waiting", "init_transactions: %s; retrying in %d ms",
               rd_kafka_error_string(error), backoff);
        rd_kafka_error_destroy(error);
        qw_svc_sleep_ms(backoff);
        if (backoff < 5000) backoff *= 2;
    }
    return qw_err_set(s->errstr, sizeof(s->errstr), "stopped before Kafka answered");
}

static int produce(qw_sf_t *s, const char *key, const char *val, size_t len, const char *replay,
                   const char *resync_of)
{
    char rx[24];
    int rn = snprintf(rx, sizeof(rx), "%" PRId64, qw_clock_now(&qw_clock_system));
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            s->rk, RD_KAFKA_V_TOPIC(s->topic), RD_KAFKA_V_VALUE((void *)val, len),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADER(replay ? QW_SF_HDR_REPLAY_ID : QW_SF_HDR_RESYNC,
                              replay ? replay : resync_of, -1),
            RD_KAFKA_V_HEADER(QW_SF_HDR_RECEIVED_MS, rx, rn),
            RD_KAFKA_V_HEADER(QW_SF_HDR_CHANNEL, s->o.channel, -1), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (err) qw_err_set(s->errstr, sizeof(s->errstr), "produce: %s", rd_kafka_err2str(err));
            return err ? QW_ERR : QW_OK;
        }
        rd_kafka_poll(s->rk, 100);
    }
}

/* GET the record; an expired token is renewed once. */
static int fetch(qw_sf_t *s, const char *id, qw_sf_resp_t *r, char *e, size_t elen)
{
    if (qw_sf_fetch_opportunity(s->curl, &s->tok, s->o.api_version, id, r, e, elen) == QW_OK)
        return QW_OK;
    if (!strstr(e, "answered 401")) return QW_ERR;
    qw_log(QW_LOG_INFO, "salesforce.token_expired", "REST read answered 401: logging in again");
    if (qw_sf_login(s->curl, &s->auth, &s->tok, e, elen)) return QW_ERR;
    return qw_sf_fetch_opportunity(s->curl, &s->tok, s->o.api_version, id, r, e, elen);
}

/* Re-read each record of a gap and produce its snapshot behind it. A failed read leaves the
 * gap event as it is: qw-ingest dead-letters it as a resync request (qwctl resync). */
static void resync_gap(qw_sf_t *s, const qw_sf_event_t *ev, const char *replay)
{
    qw_metric_add(s->m.gaps, 1);
    int64_t min_version = ev->commit_ms * 100000 + ev->sequence + 1;
    for (size_t i = 0; s->o.resync && i < ev->nrecord_ids; i++) {
        const char *id = ev->record_ids[i];
        char e[QW_ERRSTR_MAX];
        qw_sf_resp_t r;
        char *snap = NULL;
        int64_t version = 0;
        int rc = QW_ERR;
        if (!qw_sf_record_id_valid(id)) {
            qw_err_set(e, sizeof(e),
                       "record id is not a Salesforce id (a '*' gap needs a full "
                       "resync)");
        } else if (fetch(s, id, &r, e, sizeof(e)) == QW_OK) {
            if (r.status == 404) {
                int64_t now = qw_clock_now(&qw_clock_system) * 100000 + 99999;
                version = now > min_version ? now : min_version;
                snap = qw_sf_snapshot_opportunity_deleted(id, version);
                rc = snap ? QW_OK : qw_err_set(e, sizeof(e), "out of memory");
            } else {
                rc = qw_sf_snapshot_opportunity(r.body, r.len, min_version, &snap, &version, e,
                                                sizeof(e));
            }
            qw_sf_resp_free(&r);
        }
        if (rc == QW_OK && produce(s, id, snap, strlen(snap), NULL, replay) == QW_OK) {
            qw_metric_add(s->m.resync_ok, 1);
            qw_log(QW_LOG_INFO, "salesforce.resync",
                   "%s of %s at replay %s: snapshot version %" PRId64, ev->change_type, id, replay,
                   version);
        } else {
            qw_metric_add(s->m.resync_fail, 1);
            qw_log(QW_LOG_WARN, "salesforce.resync_failed",
                   "%s of %.32s at replay %s: %s (left to qw-ingest's DLQ and qwctl resync)",
                   ev->change_type, id, replay, rc == QW_OK ? s->errstr : e);
        }
        free(snap);
    }
}

static int produce_all(qw_sf_t *s, const qw_sf_reply_t *r, int64_t *last, int *n)
{
    *last = s->replay;
    *n = 0;
    for (size_t i = 0; i < r->nevents; i++) {
        const qw_sf_event_t *ev = &r->events[i];
        if (ev->replay_id <= *last && *last >= 0) { /* delivered again: already on the topic */
            qw_metric_add(s->m.dups, 1);
            continue;
        }
        char replay[24];
        snprintf(replay, sizeof(replay), "%" PRId64, ev->replay_id);
        const char *key = ev->nrecord_ids ? ev->record_ids[0] : NULL;
        if (produce(s, key, ev->payload, ev->payload_len, replay, NULL)) return QW_ERR;
        if (ev->gap) resync_gap(s, ev, replay);
        *last = ev->replay_id;
        (*n)++;
    }
    return QW_OK;
}

int qw_sf_produce_batch(qw_sf_t *s, const qw_sf_reply_t *r)
{
    if (!r->nevents) return QW_OK;
    rd_kafka_error_t *error = rd_kafka_begin_transaction(s->rk);
    if (error) fatal("begin_transaction", error);
    int64_t last;
    int n;
    if (produce_all(s, r, &last, &n) != QW_OK) {
        error = rd_kafka_abort_transaction(s->rk, -1);
        if (error) fatal("abort_transaction", error);
        qw_metric_add(s->m.aborts, 1);
        return QW_ERR;
    }
    for (;;) {
        error = rd_kafka_commit_transaction(s->rk, -1);
        if (!error) break;
        char why[512];
        snprintf(why, sizeof(why), "%s", rd_kafka_error_string(error));
        if (rd_kafka_error_txn_requires_abort(error)) {
            rd_kafka_error_destroy(error);
            error = rd_kafka_abort_transaction(s->rk, -1);
            if (error) fatal("abort_transaction", error);
            qw_metric_add(s->m.aborts, 1);
            qw_kafka_mark_ok();
            return qw_err_set(s->errstr, sizeof(s->errstr), "transaction aborted: %s", why);
        }
        if (!rd_kafka_error_is_retriable(error)) fatal("commit_transaction", error);
        rd_kafka_error_destroy(error);
        qw_log(QW_LOG_WARN, "salesforce.txn_retry", "commit will be retried: %s", why);
    }
    qw_kafka_mark_ok();
    qw_metric_add(s->m.txns, 1);
    qw_metric_add(s->m.events, n);
    s->replay = last;
    qw_metric_set(s->m.last_replay, last);
    qw_log(QW_LOG_DEBUG, "salesforce.committed", "%d events, replay id now %" PRId64, n, last);
    return QW_OK;
}
