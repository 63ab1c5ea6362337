/* Dead letters: a notification that failed for good goes to qw.notify-dlq.v1 with the decision
 * (protobuf, as received) and the qw.error.* headers of quotawatch/dlq.h naming the reason,
 * the channel and the attempts (docs/formats/dead-letters.md). */
#include "app.h"

#include "quotawatch/dlq_kafka.h"
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
    qw_dlq_headers_t hs;
    qw_dlq_error_t e = QW_DLQ_ERROR_INIT;
    e.reason = job->reason;
    e.message = detail ? detail : "";
    e.channel = job->channel;
    e.attempts = job->attempts;
    qw_dlq_headers_init(&hs);
    qw_dlq_headers_build(&hs, &e);
    qw_dlq_headers_add(&hs, "ce_id", job->decision_id, (size_t)-1);
    qw_dlq_headers_add(&hs, "content-type", "application/protobuf", (size_t)-1);
    int64_t seq = ++qw_dlq_seq;
    rd_kafka_resp_err_t err =
        qw_dlq_kafka_produce(a->producer, a->topic_dlq, job->decision_id, strlen(job->decision_id),
                             job->dec, job->dec_len, &hs, (void *)(intptr_t)seq);
    if (err) {
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
