/* The gateway's producer: idempotent, acks=all, so a delivery report without error means the
 * record is on every in-sync replica and will not be written twice by librdkafka's retries.
 * A poller thread serves the reports; each one resumes the HTTP request that waits for it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
#include "quotawatch/clock.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    qw_gw_delivered(m->_private, m->err);
}

/* Readiness is probed, not inferred: a broker that hangs (stopped, partitioned, disk stalled)
 * keeps its TCP connection open, so no "all brokers down" ever comes. Every second a metadata
 * request for a topic the gateway writes must be answered within a second, or new requests
 * are answered 503 at once instead of each waiting out --produce-timeout-ms. Its own thread,
 * so that a hanging probe never delays the delivery reports that answer requests. */
static int probe_once(qw_gw_t *g)
{
    char err[QW_ERRSTR_MAX];
    int ok = qw_kafka_topic_partitions(g->rk, g->topic[g->probe_src], 1000, err, sizeof(err)) >= 0;
    int was = qw_kafka_is_ok();
    if (ok && !was) {
        qw_kafka_mark_ok();
        qw_log(QW_LOG_INFO, "gateway.kafka_ok", "Kafka answers and %s exists: accepting",
               g->topic[g->probe_src]);
    } else if (!ok && was) {
        qw_kafka_mark_down();
        qw_log(QW_LOG_WARN, "gateway.kafka_down", "%s: answering 503 until it answers", err);
    }
    return ok;
}

static void *probe_main(void *arg)
{
    qw_gw_t *g = arg;
    while (!atomic_load(&g->stopping)) {
        probe_once(g);
        for (int i = 0; i < 20 && !atomic_load(&g->stopping); i++)
            usleep(50000);
    }
    return NULL;
}

static void *poll_main(void *arg)
{
    qw_gw_t *g = arg;
    while (!atomic_load(&g->stopping) || rd_kafka_outq_len(g->rk) > 0) {
        rd_kafka_poll(g->rk, 100);
        char why[256];
        if (rd_kafka_fatal_error(g->rk, why, sizeof(why))) {
            /* A fenced or broken idempotent producer cannot promise anything any more: answer
             * what waits (its reports carry the error: 503) and let the supervisor restart us. */
            if (!atomic_exchange(&g->fatal, 1))
                qw_log(QW_LOG_ERROR, "gateway.kafka_fatal", "%s: exiting for a restart", why);
            qw_svc_stop = 1;
        }
    }
    return NULL;
}

int qw_gw_producer_start(qw_gw_t *g, char *errbuf, size_t errlen)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(g->o.brokers, "qw-gateway", &g->cfg, errbuf, errlen);
    if (!conf) return QW_ERR;
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%" PRId64, g->o.timeout_ms);
    /* What a 2xx rests on, set after -X so an operator cannot weaken it by accident. */
    if (qw_kafka_conf_set(conf, "enable.idempotence", "true", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "acks", "all", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "message.timeout.ms", tmo, errbuf, errlen) ||
        qw_kafka_conf_set(conf, "linger.ms", "1", errbuf, errlen)) {
        rd_kafka_conf_destroy(conf);
        return QW_ERR;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char err[512];
    g->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!g->rk) {
        rd_kafka_conf_destroy(conf);
        return qw_err_set(errbuf, errlen, "kafka producer: %s", err);
    }
    if (pthread_create(&g->poller, NULL, poll_main, g)) {
        rd_kafka_destroy(g->rk);
        g->rk = NULL;
        return qw_err_set(errbuf, errlen, "cannot start the delivery-report thread");
    }
    if (pthread_create(&g->prober, NULL, probe_main, g)) {
        atomic_store(&g->stopping, 1);
        pthread_join(g->poller, NULL);
        rd_kafka_destroy(g->rk);
        g->rk = NULL;
        return qw_err_set(errbuf, errlen, "cannot start the readiness thread");
    }
    return QW_OK;
}

void qw_gw_producer_stop(qw_gw_t *g)
{
    if (!g->rk) return;
    rd_kafka_flush(g->rk, (int)g->o.timeout_ms + 1000);
    atomic_store(&g->stopping, 1);
    pthread_join(g->prober, NULL);
    pthread_join(g->poller, NULL);
    rd_kafka_destroy(g->rk);
    g->rk = NULL;
}

rd_kafka_resp_err_t qw_gw_produce(qw_gw_t *g, const qw_gw_outcome_t *out, const char *body,
                                  size_t len, int64_t received_ms, void *opaque)
{
    char ts[24];
    int tn = snprintf(ts, sizeof(ts), "%" PRId64, received_ms);
    const char *sname = qw_gw_source_name(out->src);
    size_t kn = strlen(out->key);
    /* The body is not copied: it stays alive until the report, which frees the request. The
     * key (the deal id) keeps one deal's requests in one partition, in arrival order; without
     * one the partitioner spreads them. */
    return rd_kafka_producev(
        g->rk, RD_KAFKA_V_TOPIC(g->topic[out->src]), RD_KAFKA_V_VALUE((void *)body, len),
        RD_KAFKA_V_KEY(kn ? out->key : NULL, kn),
        RD_KAFKA_V_HEADER("qw.gateway.received_ms", ts, tn),
        RD_KAFKA_V_HEADER("qw.gateway.source", sname, (ssize_t)strlen(sname)),
        RD_KAFKA_V_HEADER("qw.gateway.principal", out->principal, (ssize_t)strlen(out->principal)),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}
