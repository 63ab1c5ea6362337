/* Dead letters: a notification that failed for good goes to qw.notify-dlq.v1 with the decision
 * (protobuf, as received) and headers naming the channel, the reason and the attempts. */
#include "app.h"

#include "quotawatch/log.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Delivery reports name the dead letter by sequence number, never by a pointer: a report
 * that arrives after its publisher gave up waiting must not write into a dead stack frame. */
static int64_t qw_dlq_seq, qw_dlq_acked, qw_dlq_failed;

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    int64_t seq = (int64_t)(intptr_t)m->_private;
    if (m->err)
        qw_dlq_failed = seq;
    else if (seq > qw_dlq_acked)
        qw_dlq_acked = seq;
}

void qw_ntf_dlq_conf(rd_kafka_conf_t *conf);
void qw_ntf_dlq_conf(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
}

int qw_ntf_dlq_publish(qw_ntf_t *a, const qw_dlv_job_t *job, const char *detail)
{
    char att[16];
    snprintf(att, sizeof(att), "%d", job->attempts);
    rd_kafka_headers_t *h = rd_kafka_headers_new(8);
    rd_kafka_header_add(h, "qw_reason", -1, job->reason, -1);
    rd_kafka_header_add(h, "qw_channel", -1, job->channel, -1);
    rd_kafka_header_add(h, "qw_attempts", -1, att, -1);
    rd_kafka_header_add(h, "qw_detail", -1, detail ? detail : "", -1);
    rd_kafka_header_add(h, "ce_id", -1, job->decision_id, -1);
    rd_kafka_header_add(h, "content-type", -1, "application/protobuf", -1);
    int64_t seq = ++qw_dlq_seq;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        a->producer, RD_KAFKA_V_TOPIC(a->topic_dlq),
        RD_KAFKA_V_KEY(job->decision_id, strlen(job->decision_id)),
        RD_KAFKA_V_VALUE(job->dec, job->dec_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        qw_log(QW_LOG_ERROR, "dlq.produce", "cannot publish to %s: %s", a->topic_dlq,
               rd_kafka_err2str(err));
        return QW_ERR;
    }
    /* Wait for the acknowledgement: the "failed" record follows only a stored dead letter. */
    for (int i = 0; i < 300 && qw_dlq_acked < seq && qw_dlq_failed != seq; i++)
        rd_kafka_poll(a->producer, 100);
    if (qw_dlq_acked < seq) {
        qw_log(QW_LOG_ERROR, "dlq.produce", "dead letter for %s/%s not acknowledged",
               job->decision_id, job->channel);
        return QW_ERR;
    }
    return QW_OK;
}
