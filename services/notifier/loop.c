/* The notifier's clients and its loop: Redis, the HTTP health endpoint, the three Kafka
 * clients (decisions consumer, roster follower, DLQ producer), then consume → batch → retry
 * queue until a stop. Every function returns an exit code (app.h). */
#include "app.h"

#include "quotawatch/consume.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void qw_ntf_dlq_conf(rd_kafka_conf_t *conf);

static rd_kafka_t *new_client(qw_ntf_t *a, rd_kafka_type_t type, const char *client_id,
                              const char *const *props)
{
    char err[QW_ERRSTR_MAX];
    rd_kafka_conf_t *conf = qw_kafka_conf_new(a->o.brokers, client_id, &a->cfg, err, sizeof(err));
    if (!conf) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return NULL;
    }
    /* Ours first, then the operator's -X again so that an override always wins. */
    for (const char *const *p = props; p && *p; p += 2)
        if (qw_kafka_conf_set(conf, p[0], p[1], err, sizeof(err)) != QW_OK) goto bad;
    for (int i = 0; i < a->cfg.nkafka; i++)
        if (qw_kafka_conf_set(conf, a->cfg.kafka[2 * i], a->cfg.kafka[2 * i + 1], err,
                              sizeof(err)) != QW_OK)
            goto bad;
    if (type == RD_KAFKA_PRODUCER) qw_ntf_dlq_conf(conf);
    char e2[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, e2, sizeof(e2));
    if (!rk) {
        fprintf(stderr, "qw-notifier: %s\n", e2);
        return NULL;
    }
    return rk;
bad:
    fprintf(stderr, "qw-notifier: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* A client librdkafka refuses is a configuration error (an -X property): exit 2. */
static int setup_kafka(qw_ntf_t *a)
{
    qw_kafka_topic(a->topic_decisions, sizeof(a->topic_decisions), a->o.topic_prefix,
                   "qw.decisions.v1");
    qw_kafka_topic(a->topic_roster, sizeof(a->topic_roster), a->o.topic_prefix, "qw.roster.v1");
    qw_kafka_topic(a->topic_dlq, sizeof(a->topic_dlq), a->o.topic_prefix, "qw.notify-dlq.v1");
    char roster_group[300];
    snprintf(roster_group, sizeof(roster_group), "%s-roster-%d", a->o.group, (int)getpid());
    const char *cprops[] = {"group.id",
                            a->o.group,
                            "enable.auto.commit",
                            "false",
                            "enable.auto.offset.store",
                            "false",
                            "auto.offset.reset",
                            "earliest",
                            "isolation.level",
                            "read_committed",
                            "partition.assignment.strategy",
                            "range",
                            NULL};
    const char *rprops[] = {"group.id",
                            roster_group,
                            "enable.auto.commit",
                            "false",
                            "auto.offset.reset",
                            "earliest",
                            "enable.partition.eof",
                            "true",
                            NULL};
    const char *pprops[] = {"enable.idempotence", "true", "acks", "all", NULL};
    a->consumer = new_client(a, RD_KAFKA_CONSUMER, "qw-notifier", cprops);
    rd_kafka_t *roster_rk = new_client(a, RD_KAFKA_CONSUMER, "qw-notifier-roster", rprops);
    a->producer = new_client(a, RD_KAFKA_PRODUCER, "qw-notifier-dlq", pprops);
    if (!a->consumer || !roster_rk || !a->producer) {
        if (roster_rk) rd_kafka_destroy(roster_rk);
        return QW_NTF_EXIT_CONFIG;
    }
    rd_kafka_poll_set_consumer(a->consumer);
    char err[QW_ERRSTR_MAX];
    if (qw_ntf_roster_open(a, roster_rk, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        rd_kafka_destroy(roster_rk);
        return QW_NTF_EXIT_CONFIG;
    }
    return QW_NTF_EXIT_OK;
}

int qw_ntf_setup(qw_ntf_t *a)
{
    char err[QW_ERRSTR_MAX];
    if (qw_redis_init(&a->redis, a->o.redis_url, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return QW_NTF_EXIT_CONFIG;
    }
    /* As qw-ingest: refused at start when Redis is up; a later reconnect keeps it unready. */
    qw_redis_require_durable(!a->o.redis_allow_volatile);
    if (qw_redis_connect(&a->redis) != QW_OK && a->redis.refused) {
        fprintf(stderr, "qw-notifier: %s\n", a->redis.errstr);
        return QW_NTF_EXIT_CONFIG;
    }
    qw_svc_signals();
    a->clock = &qw_clock_system;
    a->rng = (uint64_t)qw_clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
    a->buf_cap = 256 * 1024;
    a->buf_a = malloc(a->buf_cap * 4);
    a->endpoints = calloc(QW_NTF_MAX_ENDPOINTS, sizeof(*a->endpoints));
    if (!a->buf_a || !a->endpoints) {
        fprintf(stderr, "qw-notifier: out of memory\n");
        return QW_NTF_EXIT_RUNTIME;
    }
    a->buf_b = a->buf_a + a->buf_cap;
    a->buf_c = a->buf_b + a->buf_cap;
    a->buf_d = a->buf_c + a->buf_cap;
    qw_roster_cache_init(&a->roster);
    char redis_prefix[64];
    snprintf(redis_prefix, sizeof(redis_prefix), "%s", a->o.topic_prefix);
    qw_dlv_init(&a->dlv, &a->redis, redis_prefix);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a->curl = curl_easy_init();

    a->http = qw_http_start_addr(a->o.http_bind, (int)a->o.http_port, err, sizeof(err));
    if (!a->http) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return QW_NTF_EXIT_RUNTIME;
    }
    qw_ntf_metrics_declare();
    qw_http_set_ready(a->http, "redis", 0);
    qw_http_set_ready(a->http, "roster", 0);
    qw_kafka_health_attach(a->http);
    qw_log(QW_LOG_INFO, "start", "qw-notifier: %zu routes, %zu templates, http port %d",
           a->routes.n_routes, a->tmpl->n, qw_http_port(a->http));
    return setup_kafka(a);
}

/* Readiness comes back with a metadata answer, not only with the next message: an idle
 * notifier must not stay unready after the brokers return. */
static void tick(qw_ntf_t *a, qw_metric_t *backlog)
{
    if (!qw_kafka_is_ok()) {
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(a->consumer, 0, NULL, &md, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_metadata_destroy(md);
            qw_kafka_mark_ok();
        }
    }
    int64_t b = qw_dlv_backlog(&a->dlv);
    if (b >= 0) qw_metric_set(backlog, b);
}

/* Fills msgs with up to cap decisions. QW_ERR on a fatal client error (logged). */
static int collect(qw_ntf_t *a, qw_consume_t *cs, rd_kafka_message_t **msgs, size_t cap, size_t *n)
{
    *n = 0;
    int timeout;
    while ((timeout = qw_ntf_batch_timeout(a->redis_ok, *n, cap, 100)) >= 0) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(cs, a->consumer, timeout, &m);
        if (k == QW_CONSUME_NONE) break;
        if (k == QW_CONSUME_FATAL) return QW_ERR;
        if (k == QW_CONSUME_RECORD) msgs[(*n)++] = m;
    }
    return QW_OK;
}

static int subscribe(qw_ntf_t *a)
{
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, a->topic_decisions, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(a->consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (!e) return QW_OK;
    fprintf(stderr,
            "qw-notifier: cannot subscribe to %s (%s): check --topic-prefix and that group %s "
            "may read the topic; exiting with 1 so the supervisor restarts it\n",
            a->topic_decisions, rd_kafka_err2str(e), a->o.group);
    qw_log(QW_LOG_ERROR, "kafka.subscribe", "subscribe %s: %s", a->topic_decisions,
           rd_kafka_err2str(e));
    return QW_ERR;
}

int qw_ntf_run(qw_ntf_t *a)
{
    char err[QW_ERRSTR_MAX];
    /* A stop while waiting for Kafka or the roster is a clean stop. */
    if (qw_kafka_wait_ready(a->consumer, &qw_svc_stop) != QW_OK) return QW_NTF_EXIT_OK;
    if (qw_ntf_roster_load(a, err, sizeof(err)) != QW_OK) {
        if (qw_svc_stop) return QW_NTF_EXIT_OK;
        fprintf(stderr,
                "qw-notifier: %s: check --topic-prefix and the brokers; exiting with 1 so the "
                "supervisor restarts it\n",
                err);
        qw_log(QW_LOG_ERROR, "roster.failed", "%s", err);
        return QW_NTF_EXIT_RUNTIME;
    }
    qw_http_set_ready(a->http, "roster", 1);
    if (subscribe(a) != QW_OK) return QW_NTF_EXIT_RUNTIME;
    qw_ntf_set_redis_ready(a, qw_redis_connect(&a->redis) == QW_OK);

    size_t cap = (size_t)(a->o.batch > 0 ? a->o.batch : 1);
    rd_kafka_message_t **msgs = calloc(cap, sizeof(*msgs));
    if (!msgs) return QW_NTF_EXIT_RUNTIME;
    int64_t last_tick = 0;
    qw_metric_t *backlog = qw_metrics_gauge("qw_notifier_retry_backlog",
                                            "Notifications waiting in the retry queue", NULL);
    qw_consume_t cs;
    qw_consume_init(&cs, "kafka.consume");
    int rc = QW_NTF_EXIT_OK;
    while (!qw_svc_stop) {
        /* Between batches: no notification is half rendered with the old templates. */
        if (qw_svc_reload_requested()) qw_ntf_reload(a);
        if (qw_ntf_roster_poll(a, err, sizeof(err)) != QW_OK) {
            qw_log(QW_LOG_ERROR, "roster.failed", "%s", err);
            rc = QW_NTF_EXIT_RUNTIME;
            break;
        }
        size_t n = 0;
        int crc = collect(a, &cs, msgs, cap, &n);
        /* A fatal error after records came: those are not processed (nor committed). */
        if (crc == QW_OK && n) qw_ntf_process_batch(a, msgs, n);
        for (size_t i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
        if (crc != QW_OK) {
            fprintf(stderr, "qw-notifier: %s; exiting with 1 so the supervisor restarts it\n",
                    cs.errstr);
            rc = QW_NTF_EXIT_RUNTIME;
            break;
        }
        int r = qw_ntf_retry_due(a, 50);
        qw_ntf_set_redis_ready(a, r != QW_ERR);
        if (r == QW_ERR) {
            qw_svc_sleep_ms(500);
            rd_kafka_poll(a->consumer, 0);
        }
        rd_kafka_poll(a->producer, 0);
        int64_t now = qw_clock_now(a->clock);
        if (now - last_tick >= 1000) {
            last_tick = now;
            tick(a, backlog);
        }
    }
    free(msgs);
    return rc;
}

void qw_ntf_teardown(qw_ntf_t *a)
{
    qw_log(QW_LOG_INFO, "stop", "stopping");
    if (a->consumer) {
        rd_kafka_consumer_close(a->consumer);
        rd_kafka_destroy(a->consumer);
    }
    qw_follow_free(&a->roster_follow);
    if (a->producer) {
        rd_kafka_flush(a->producer, 5000);
        rd_kafka_destroy(a->producer);
    }
    qw_http_stop(a->http);
    if (a->curl) curl_easy_cleanup(a->curl);
    curl_global_cleanup();
    qw_redis_close(&a->redis);
    qw_roster_cache_free(&a->roster);
    qw_route_cfg_free(&a->routes);
    if (a->tmpl) qw_tmpl_free(a->tmpl);
    free(a->tmpl);
    qw_ntf_unclaimed_free(a);
    free(a->buf_a);
    free(a->endpoints);
}
