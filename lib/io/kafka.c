#include "quotawatch/kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/file.h"
#include "quotawatch/log.h"
#include "quotawatch/watermark.h"

static qw_http_t *qw_kafka_h;
static volatile int qw_kafka_ok = 1;

void qw_kafka_topic(char *out, size_t outlen, const char *prefix, const char *base)
{
    snprintf(out, outlen, "%s%s", prefix ? prefix : "", base);
}

void qw_kafka_health_attach(qw_http_t *h)
{
    qw_kafka_h = h;
    qw_http_set_ready(h, "kafka", 0);
    qw_kafka_ok = 0;
}

void qw_kafka_mark_ok(void)
{
    if (!qw_kafka_ok) {
        qw_kafka_ok = 1;
        qw_http_set_ready(qw_kafka_h, "kafka", 1);
    }
}

void qw_kafka_mark_down(void)
{
    if (qw_kafka_ok) {
        qw_kafka_ok = 0;
        qw_http_set_ready(qw_kafka_h, "kafka", 0);
    }
}

int qw_kafka_is_ok(void)
{
    return qw_kafka_ok;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
        err == RD_KAFKA_RESP_ERR__RESOLVE) {
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && qw_kafka_ok) {
            qw_kafka_ok = 0;
            qw_http_set_ready(qw_kafka_h, "kafka", 0);
        }
        qw_log(QW_LOG_WARN, "kafka.unreachable", "%s: %s (retrying)", rd_kafka_err2name(err),
               reason);
        return;
    }
    qw_log(QW_LOG_ERROR, "kafka.error", "%s: %s", rd_kafka_err2name(err), reason);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* librdkafka logs every failed connection attempt at LOG_ERR (3); error_cb already reports
     * an unreachable cluster, so those are warnings here. The handle's name tells a service's
     * clients apart (qw-ingest has a consumer and three transactional producers). */
    qw_log(level <= 2   ? QW_LOG_ERROR
           : level <= 4 ? QW_LOG_WARN
                        : QW_LOG_DEBUG,
           "kafka.log", "%s %s: %s", rd_kafka_name(rk), fac, buf);
}

int qw_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *errbuf,
                      size_t errlen)
{
    char e[256];
    if (rd_kafka_conf_set(conf, key, val, e, sizeof(e)) != RD_KAFKA_CONF_OK)
        return qw_err_set(errbuf, errlen, "Kafka property %s: %s", key, e);
    return QW_OK;
}

/* -X key=@FILE takes the value from FILE's first line, so that secrets (sasl.password,
 * ssl.key.password) stay off the command line where `ps` shows them; "@@" starts a literal "@".
 * The value is never echoed: librdkafka's own message could quote it. */
static int conf_set_value(rd_kafka_conf_t *conf, const char *key, const char *val, char *errbuf,
                          size_t errlen)
{
    if (val[0] != '@' || val[1] == '@')
        return qw_kafka_conf_set(conf, key, val[0] == '@' ? val + 1 : val, errbuf, errlen);
    size_t len = 0;
    char e[QW_ERRSTR_MAX];
    char *text = qw_file_read(val + 1, 64 * 1024, &len, e, sizeof(e));
    if (!text) return qw_err_set(errbuf, errlen, "-X %s=@FILE: %s", key, e);
    text[strcspn(text, "\r\n")] = '\0';
    char ignored[256];
    int rc = rd_kafka_conf_set(conf, key, text, ignored, sizeof(ignored)) == RD_KAFKA_CONF_OK
                 ? QW_OK
                 : qw_err_set(errbuf, errlen,
                              "-X %s=@%s: librdkafka refused the value read from the file", key,
                              val + 1);
    memset(text, 0, len);
    free(text);
    return rc;
}

rd_kafka_conf_t *qw_kafka_conf_new(const char *brokers, const char *client_id,
                                   const qw_config_t *cfg, char *errbuf, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    if (qw_kafka_conf_set(conf, "bootstrap.servers", brokers, errbuf, errlen) ||
        qw_kafka_conf_set(conf, "client.id", client_id, errbuf, errlen))
        goto fail;
    for (int i = 0; cfg && i < cfg->nkafka; i++)
        if (conf_set_value(conf, cfg->kafka[2 * i], cfg->kafka[2 * i + 1], errbuf, errlen))
            goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

const void *qw_kafka_header(const rd_kafka_message_t *m, const char *name, size_t *len)
{
    rd_kafka_headers_t *hdrs;
    const void *val;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return NULL;
    if (rd_kafka_header_get_last(hdrs, name, &val, len) != RD_KAFKA_RESP_ERR_NO_ERROR) return NULL;
    return val;
}

int qw_kafka_wait_ready(rd_kafka_t *rk, volatile int *stop)
{
    int backoff_ms = 200;
    while (!*stop) {
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, 2000);
        if (!err) {
            rd_kafka_metadata_destroy(md);
            qw_kafka_mark_ok();
            return QW_OK;
        }
        qw_log(QW_LOG_WARN, "kafka.waiting", "Kafka not reachable yet (%s); retrying in %d ms",
               rd_kafka_err2str(err), backoff_ms);
        for (int slept = 0; slept < backoff_ms && !*stop; slept += 50)
            usleep(50 * 1000);
        if (backoff_ms < 5000) backoff_ms *= 2;
    }
    return QW_ERR;
}

int qw_kafka_is_watermark(const rd_kafka_message_t *m)
{
    if (m->key) return 0;
    size_t len = 0;
    const void *v = qw_kafka_header(m, QW_WM_HEADER, &len);
    return v && len == sizeof(QW_WM_KIND) - 1 && !memcmp(v, QW_WM_KIND, len);
}

int qw_kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errbuf,
                              size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (err)
        return qw_err_set(errbuf, errlen,
                          "no answer from the brokers about topic %s: %s (are "
                          "they up, is --brokers right?)",
                          topic, rd_kafka_err2str(err));
    int n = -1;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        qw_err_set(errbuf, errlen,
                   "topic %s does not exist (check --topic-prefix; docs/operations.md lists the "
                   "topics quotawatch needs)",
                   topic);
    else if (md->topic_cnt != 1 || md->topics[0].err)
        qw_err_set(
            errbuf, errlen, "topic %s is not available: %s", topic,
            rd_kafka_err2str(md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    else
        n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}
