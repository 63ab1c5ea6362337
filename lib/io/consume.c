/* The consume-error handling every consumer used to copy (issue 9). */
#include "quotawatch/consume.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "lag.h"

void qw_consume_init(qw_consume_t *c, const char *event)
{
    memset(c, 0, sizeof(*c));
    c->event = event;
    c->eof_partition = -1;
}

qw_consume_kind_t qw_consume_classify(rd_kafka_resp_err_t err)
{
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return QW_CONSUME_RECORD;
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return QW_CONSUME_EOF;
    /* Only librdkafka's own verdict is fatal: broker-down, unknown-topic and authorization
     * errors clear up when the cluster or its ACLs are fixed, and the client retries. */
    if (err == RD_KAFKA_RESP_ERR__FATAL) return QW_CONSUME_FATAL;
    return QW_CONSUME_ERROR;
}

qw_consume_kind_t qw_consume_note(qw_consume_t *c, rd_kafka_t *rk, const rd_kafka_message_t *m)
{
    if (!m) return QW_CONSUME_NONE;
    qw_consume_kind_t k = qw_consume_classify(m->err);
    switch (k) {
    case QW_CONSUME_RECORD:
        c->records++;
        qw_kafka_mark_ok();
        qw_lag_seen(m);
        break;
    case QW_CONSUME_EOF:
        c->eofs++;
        snprintf(c->eof_topic, sizeof(c->eof_topic), "%s",
                 m->rkt ? rd_kafka_topic_name(m->rkt) : "");
        c->eof_partition = m->partition;
        c->eof_offset = m->offset;
        break;
    case QW_CONSUME_FATAL: {
        c->errors++;
        c->fatal = 1;
        char why[512] = "";
        rd_kafka_resp_err_t orig = rk ? rd_kafka_fatal_error(rk, why, sizeof(why)) : 0;
        snprintf(c->errstr, sizeof(c->errstr), "fatal Kafka error: %s (%s)",
                 why[0] ? why : rd_kafka_err2str(m->err), rd_kafka_err2name(orig ? orig : m->err));
        if (c->event) qw_log(QW_LOG_ERROR, c->event, "%s", c->errstr);
        break;
    }
    default:
        c->errors++;
        snprintf(c->errstr, sizeof(c->errstr), "%s", rd_kafka_message_errstr(m));
        if (c->event) qw_log(QW_LOG_WARN, c->event, "%s", c->errstr);
        break;
    }
    return k;
}

qw_consume_kind_t qw_consume_poll(qw_consume_t *c, rd_kafka_t *rk, int timeout_ms,
                                  rd_kafka_message_t **out)
{
    *out = NULL;
    qw_lag_update(rk); /* at most once a second */
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, timeout_ms);
    if (!m) return QW_CONSUME_NONE;
    qw_consume_kind_t k = qw_consume_note(c, rk, m);
    if (k == QW_CONSUME_RECORD)
        *out = m;
    else
        rd_kafka_message_destroy(m);
    return k;
}

void qw_consume_assigned(const rd_kafka_topic_partition_list_t *parts)
{
    qw_lag_starts(parts);
}
