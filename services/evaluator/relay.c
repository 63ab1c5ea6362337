#include "relay.h"

#include <stdio.h>
#include <string.h>

#include "ce_kafka.h"
#include "outbox.h"
#include "quotawatch/clock.h"
#include "quotawatch/dlq_kafka.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

/* Each message's opaque is its partition's index in the pump + 1; a report arriving after its
 * pump gave up (shutdown) finds cur NULL and only counts. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    qw_relay_t *r = opaque;
    r->inflight--;
    if (!m->err) return;
    intptr_t i = (intptr_t)m->_private - 1;
    if (r->cur && i >= 0 && i < r->ncur) r->cur[i].failed++;
    qw_log(QW_LOG_WARN, "relay.delivery_failed", "decision not delivered: %s",
           rd_kafka_err2str(m->err));
}

int qw_relay_init(qw_relay_t *r, const char *brokers, const char *prefix, const qw_config_t *cfg,
                  qw_store_t *store, char *errbuf, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    r->store = store;
    qw_kafka_topic(r->topic, sizeof(r->topic), prefix, "qw.decisions.v1");
    qw_kafka_topic(r->dlq_topic, sizeof(r->dlq_topic), prefix, "qw.dlq.v1");
    rd_kafka_conf_t *conf = qw_kafka_conf_new(brokers, "qw-evaluator-relay", cfg, errbuf, errlen);
    if (!conf) return QW_ERR;
    /* Idempotent: librdkafka's own retries never duplicate or reorder; murmur2 partitions by key
     * as the Java clients do, so every rep's decisions stay in order on one partition. */
    if (qw_kafka_conf_set(conf, "enable.idempotence", "true", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "linger.ms", "5", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "partitioner", "murmur2_random", errbuf, errlen) != QW_OK) {
        rd_kafka_conf_destroy(conf);
        return QW_ERR;
    }
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    char err[512];
    r->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!r->rk) {
        rd_kafka_conf_destroy(conf);
        return qw_err_set(errbuf, errlen, "relay producer: %s", err);
    }
    r->published = qw_metrics_counter("qw_evaluator_decisions_published_total",
                                      "Outbox entries acknowledged by Kafka and trimmed", NULL);
    r->dead_letters = qw_metrics_counter("qw_evaluator_dead_letters_total",
                                         "Credit entries published to qw.dlq.v1", NULL);
    r->errors = qw_metrics_counter("qw_evaluator_relay_errors_total",
                                   "Relay pumps that failed (Redis or Kafka) and will retry", NULL);
    return QW_OK;
}

void qw_relay_free(qw_relay_t *r)
{
    if (r->rk) {
        rd_kafka_flush(r->rk, 10000);
        rd_kafka_destroy(r->rk);
    }
    r->rk = NULL;
}

static int produce_dlq(qw_relay_t *r, qw_relay_part_t *p, intptr_t idx, const redisReply *e)
{
    qw_dlq_t d;
    if (qw_dlq_decode(&d, (const uint8_t *)e->str, e->len) != QW_OK)
        return qw_err_set(p->errstr, sizeof(p->errstr), "malformed dead letter in the outbox");
    qw_dlq_headers_t hs;
    qw_dlq_headers_init(&hs);
    qw_dlq_headers_add(&hs, QW_DLQ_REASON, d.reason, d.reason_len);
    qw_dlq_headers_add(&hs, QW_DLQ_MESSAGE, d.message, d.message_len);
    qw_dlq_headers_add(&hs, QW_DLQ_SOURCE_TOPIC, d.topic, d.topic_len);
    qw_dlq_headers_add_int(&hs, QW_DLQ_SOURCE_PARTITION, d.partition);
    qw_dlq_headers_add_int(&hs, QW_DLQ_SOURCE_OFFSET, d.offset);
    rd_kafka_resp_err_t rc = qw_dlq_kafka_produce(r->rk, r->dlq_topic, d.key, d.key_len, d.value,
                                                  d.value_len, &hs, (void *)(idx + 1));
    if (rc) {
        return qw_err_set(p->errstr, sizeof(p->errstr), "produce dead letter: %s",
                          rd_kafka_err2str(rc));
    }
    r->inflight++;
    qw_metric_add(r->dead_letters, 1);
    return QW_OK;
}

static int produce_one(qw_relay_t *r, qw_relay_part_t *p, intptr_t idx, const redisReply *e)
{
    if (qw_outbox_is_dlq((const uint8_t *)e->str, e->len)) return produce_dlq(r, p, idx, e);
    qw_ce_t ce;
    char err[QW_ERRSTR_MAX];
    if (qw_ce_decode(&ce, (const uint8_t *)e->str, e->len, err, sizeof(err)) != QW_OK) {
        /* Only this program writes the outbox, so this is a bug: keep the entry (never lose a
         * decision) but say so loudly. */
        qw_err_set(p->errstr, sizeof(p->errstr), "undecodable outbox entry: %s", err);
        return QW_ERR;
    }
    rd_kafka_headers_t *h = qw_ce_kafka_headers(&ce, 0);
    rd_kafka_resp_err_t rc;
    for (;;) {
        rc = rd_kafka_producev(
            r->rk, RD_KAFKA_V_TOPIC(r->topic), RD_KAFKA_V_KEY(ce.subject, strlen(ce.subject)),
            RD_KAFKA_V_VALUE(e->str, e->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE((void *)(idx + 1)), RD_KAFKA_V_END);
        if (rc != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(r->rk, 50);
    }
    qw_ce_free(&ce);
    if (rc) {
        rd_kafka_headers_destroy(h);
        qw_err_set(p->errstr, sizeof(p->errstr), "produce: %s", rd_kafka_err2str(rc));
        return QW_ERR;
    }
    r->inflight++;
    return QW_OK;
}

/* A partition's pump ends: its outcome is final for this call. */
static void part_end(qw_relay_t *r, qw_relay_part_t *p, int rc)
{
    p->active = 0;
    p->rc = rc;
    if (rc != QW_OK) qw_metric_add(r->errors, 1);
}

/* Read the partition's next chunk and produce it; 0 when there was nothing to produce. */
static int produce_chunk(qw_relay_t *r, qw_relay_part_t *p, intptr_t idx)
{
    void *rv = NULL;
    p->n = p->produced = 0;
    p->failed = 0;
    if (qw_store_outbox_read(r->store, p->part, QW_RELAY_CHUNK, &rv) != QW_OK) {
        qw_err_set(p->errstr, sizeof(p->errstr), "%s", r->store->errstr);
        part_end(r, p, QW_ERR);
        return 0;
    }
    redisReply *rep = rv;
    p->n = rep->elements;
    p->produce_rc = QW_OK;
    for (size_t i = 0; i < p->n && p->produce_rc == QW_OK; i++) {
        p->produce_rc = produce_one(r, p, idx, rep->element[i]);
        if (p->produce_rc == QW_OK) p->produced++;
    }
    freeReplyObject(rep);
    if (p->n == 0) part_end(r, p, QW_OK);
    return p->n > 0;
}

/* After the delivery reports: trim what Kafka acknowledged. */
static void trim_chunk(qw_relay_t *r, qw_relay_part_t *p)
{
    if (p->produce_rc != QW_OK || p->failed) {
        if (p->failed)
            qw_err_set(p->errstr, sizeof(p->errstr), "%d of %zu decisions not delivered", p->failed,
                       p->produced);
        /* Entries before the first failure were acknowledged, but the whole chunk is published
         * again on the next pump (same ids): simpler than a partial trim, and never a loss. */
        part_end(r, p, QW_ERR);
        return;
    }
    if (qw_store_outbox_trim(r->store, p->part, p->epoch, (int64_t)p->n, &p->fenced) != QW_OK) {
        qw_err_set(p->errstr, sizeof(p->errstr), "%s", r->store->errstr);
        part_end(r, p, QW_ERR);
        return;
    }
    if (p->fenced) {
        part_end(r, p, QW_OK);
        return;
    }
    p->published += (int64_t)p->n;
    qw_metric_add(r->published, (int64_t)p->n);
    /* A short chunk was the whole outbox when it was read; anything appended since (by the
     * calendar job) is picked up by the next sweep: save the round trip of an empty read. */
    if (p->n < QW_RELAY_CHUNK) part_end(r, p, QW_OK);
}

int qw_relay_pump(qw_relay_t *r, qw_relay_part_t *parts, int n, int max_rounds)
{
    for (int i = 0; i < n; i++) {
        parts[i].rc = QW_OK;
        parts[i].more = 0;
        parts[i].fenced = 0;
        parts[i].published = 0;
        parts[i].errstr[0] = '\0';
        parts[i].active = 1;
    }
    r->cur = parts;
    r->ncur = n;
    int rc = QW_OK;
    for (int round = 0;; round++) {
        if (max_rounds > 0 && round == max_rounds) {
            for (int i = 0; i < n; i++)
                if (parts[i].active) {
                    parts[i].more = 1;
                    part_end(r, &parts[i], QW_OK);
                }
            break;
        }
        int produced = 0;
        for (int i = 0; i < n; i++)
            if (parts[i].active) produced += produce_chunk(r, &parts[i], i);
        if (!produced) break;
        /* Wait for every delivery report of this round: only acknowledged entries are trimmed.
         * The idempotent producer keeps retrying until message.timeout.ms. rd_kafka_flush, not
         * rd_kafka_poll: it sends at once instead of lingering (linger.ms) for more. */
        int64_t t0 = qw_clock_mono_ns();
        while (r->inflight > 0 && rc == QW_OK) {
            rd_kafka_flush(r->rk, 100);
            /* On shutdown give Kafka a bounded time; unacknowledged entries stay in the outbox. */
            if (r->inflight > 0 && qw_svc_stop && qw_clock_mono_ns() - t0 > 10000000000LL)
                rc = QW_ERR;
        }
        for (int i = 0; i < n; i++) {
            if (!parts[i].active || parts[i].n == 0) continue;
            if (rc != QW_OK) {
                qw_err_set(parts[i].errstr, QW_ERRSTR_MAX, "stopping with deliveries pending");
                part_end(r, &parts[i], QW_ERR);
            } else {
                trim_chunk(r, &parts[i]);
            }
        }
    }
    r->cur = NULL;
    r->ncur = 0;
    for (int i = 0; i < n; i++)
        if (parts[i].rc != QW_OK) rc = QW_ERR;
    return rc;
}
