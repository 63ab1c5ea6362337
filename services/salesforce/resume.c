/* Where the subscriber resumes: the largest replay id among the committed records of the topic.
 * Each partition is read (read_committed) from a window below its end, widened until a record
 * with the replay-id header of this channel is found or the partition's start is reached. Called
 * after init_transactions, which aborted whatever a previous instance left open, so the end of
 * every partition is stable. */
#include <inttypes.h>
#include <string.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "salesforce.h"

#define QW_SF_SCAN_WINDOW 64

static rd_kafka_t *consumer(qw_sf_t *s)
{
    char e[QW_ERRSTR_MAX];
    rd_kafka_conf_t *c = qw_kafka_conf_new(s->o.brokers, "qw-salesforce", &s->cfg, e, sizeof(e));
    if (!c || qw_kafka_conf_set(c, "group.id", "qw-salesforce-resume", e, sizeof(e)) ||
        qw_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof(e)) ||
        qw_kafka_conf_set(c, "isolation.level", "read_committed", e, sizeof(e)) ||
        qw_kafka_conf_set(c, "enable.partition.eof", "true", e, sizeof(e))) {
        qw_err_set(s->errstr, sizeof(s->errstr), "%s", e);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof(e));
    if (!rk) qw_err_set(s->errstr, sizeof(s->errstr), "consumer: %s", e);
    return rk;
}

/* Read [from, end of partition) of p; found and max get the largest replay id seen. */
static int scan(qw_sf_t *s, rd_kafka_t *rk, int32_t p, int64_t from, int *found, int64_t *max)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, s->topic, p)->offset = from;
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) return qw_err_set(s->errstr, sizeof(s->errstr), "assign: %s", rd_kafka_err2str(err));
    int rc = QW_ERR;
    for (int idle = 0; idle < 300 && !qw_svc_stop;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            idle++;
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            rc = QW_OK;
            break;
        }
        if (m->err) {
            qw_log(QW_LOG_WARN, "salesforce.resume_read", "%s", rd_kafka_message_errstr(m));
        } else {
            size_t len, clen;
            const void *v = qw_kafka_header(m, QW_SF_HDR_REPLAY_ID, &len);
            const char *ch = qw_kafka_header(m, QW_SF_HDR_CHANNEL, &clen);
            /* Replay ids are per channel: another channel's records say nothing about ours. */
            int ours = ch && clen == strlen(s->o.channel) && !memcmp(ch, s->o.channel, clen);
            int64_t id;
            if (v && ours && qw_sf_replay_parse(v, len, &id) == QW_OK && (!*found || id > *max)) {
                *found = 1;
                *max = id;
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(rk, NULL);
    if (rc) qw_err_set(s->errstr, sizeof(s->errstr), "partition %d: no end reached in 30 s", p);
    return rc;
}

static int partition(qw_sf_t *s, rd_kafka_t *rk, int32_t p, int *found, int64_t *max)
{
    int64_t lo, hi;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, s->topic, p, &lo, &hi, 10000);
    if (err)
        return qw_err_set(s->errstr, sizeof(s->errstr), "watermarks of %s/%d: %s", s->topic, p,
                          rd_kafka_err2str(err));
    int64_t window = QW_SF_SCAN_WINDOW;
    for (int64_t from = hi; from > lo;) {
        from = hi - window > lo ? hi - window : lo;
        int f = 0;
        int64_t m = 0;
        if (scan(s, rk, p, from, &f, &m)) return QW_ERR;
        if (f) {
            if (!*found || m > *max) *max = m;
            *found = 1;
            return QW_OK;
        }
        window *= 4;
    }
    return QW_OK;
}

int qw_sf_resume(qw_sf_t *s, int *found, int64_t *last)
{
    *found = 0;
    *last = 0;
    rd_kafka_t *rk = consumer(s);
    if (!rk) return QW_ERR;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, s->topic, NULL);
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, 10000);
    int rc = QW_ERR;
    if (err) {
        qw_err_set(s->errstr, sizeof(s->errstr), "metadata: %s", rd_kafka_err2str(err));
    } else if (md->topic_cnt != 1 || md->topics[0].err) {
        qw_err_set(s->errstr, sizeof(s->errstr), "topic %s: %s", s->topic,
                   rd_kafka_err2str(md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN));
    } else {
        rc = QW_OK;
        for (int i = 0; rc == QW_OK && i < md->topics[0].partition_cnt; i++)
            rc = partition(s, rk, md->topics[0].partitions[i].id, found, last);
    }
    if (md) rd_kafka_metadata_destroy(md);
    if (t) rd_kafka_topic_destroy(t);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
