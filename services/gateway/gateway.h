/* qw-gateway's shell: options, the webhook server (libmicrohttpd, one suspended connection per
 * request waiting for its delivery report) and the idempotent producer. Decisions about a
 * request are made by the pure core (core/gw_request.h). */
#ifndef QW_GATEWAY_H
#define QW_GATEWAY_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "gw_rate.h"
#include "gw_request.h"
#include "quotawatch/config.h"
#include "quotawatch/http.h"
#include "quotawatch/metrics.h"

typedef struct {
    const char *brokers, *topic_prefix, *bind, *public_url, *log_level, *http_bind;
    const char *secret_file[QW_GW_SOURCES]; /* hubspot, pipedrive, canonical */
    const char *secret_env[QW_GW_SOURCES];  /* the same contents, from the environment */
    int hubspot_legacy;
    const char *tls_cert_file, *tls_key_file;
    int64_t port, http_port, max_body, timeout_ms, rate, burst, retry_after_s, max_conns;
} qw_gw_opts_t;

/* The reasons a request is counted under (qw_gateway_requests_total{source,reason}). */
enum {
    QW_GW_R_ACCEPTED,
    QW_GW_R_BAD_SIGNATURE,
    QW_GW_R_STALE,
    QW_GW_R_MISSING,
    QW_GW_R_BAD_SHAPE,
    QW_GW_R_TOO_LARGE,
    QW_GW_R_RATE_LIMITED,
    QW_GW_R_METHOD,
    QW_GW_R_NOT_FOUND,
    QW_GW_R_KAFKA,
    QW_GW_R_SHUTTING_DOWN,
    QW_GW_R_SENDER_GONE,        /* hung up before anything was stored */
    QW_GW_R_STORED_SENDER_GONE, /* stored, but hung up before the 2xx: its retry duplicates */
    QW_GW_R_COUNT
};

typedef struct qw_gw_s {
    qw_gw_opts_t o;
    qw_config_t cfg;
    qw_gw_auth_t auth;
    char topic[QW_GW_SOURCES][256];
    int probe_src; /* a configured source: its topic is what readiness checks */
    rd_kafka_t *rk;
    pthread_t poller, prober;
    struct MHD_Daemon *d;
    qw_http_t *admin;
    pthread_mutex_t rate_lock;
    qw_gw_rate_t rate[QW_GW_SOURCES];
    atomic_int inflight; /* requests produced and not answered yet */
    atomic_int stopping; /* the poller may exit once the queue is empty */
    atomic_int draining; /* SIGTERM: new requests get 503, started ones finish */
    atomic_int fatal;    /* the producer cannot go on: exit 1 for a restart */
    qw_metric_t *req[QW_GW_SOURCES + 1][QW_GW_R_COUNT]; /* [3] = no source (404) */
    qw_metric_t *latency[QW_GW_SOURCES], *inflight_g, *bytes[QW_GW_SOURCES];
} qw_gw_t;

/* Parse and check every option and secret file: QW_OK, QW_CONFIG_HELP, or QW_ERR (exit 2). */
int qw_gw_options(qw_gw_t *g, int argc, char **argv, char *errbuf, size_t errlen);

/* The producer and its delivery-report poller. */
int qw_gw_producer_start(qw_gw_t *g, char *errbuf, size_t errlen);
void qw_gw_producer_stop(qw_gw_t *g);

/* Produce one accepted request's body (not copied: it lives until the report) with the
 * gateway's headers; the report calls qw_gw_delivered(opaque, err). */
rd_kafka_resp_err_t qw_gw_produce(qw_gw_t *g, const qw_gw_outcome_t *out, const char *body,
                                  size_t len, int64_t received_ms, void *opaque);
void qw_gw_delivered(void *opaque, rd_kafka_resp_err_t err);

/* The webhook listener. */
int qw_gw_server_start(qw_gw_t *g, char *errbuf, size_t errlen);
/* Stop accepting; answer what is in flight; then close. */
void qw_gw_server_stop(qw_gw_t *g);

void qw_gw_metrics_init(qw_gw_t *g);
void qw_gw_count(qw_gw_t *g, int src, const char *reason);

#endif
