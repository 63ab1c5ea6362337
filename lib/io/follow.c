/* The compacted-topic follower the evaluator (roster, quotas) and the notifier (roster) share
 * (issue 9: there used to be one per service). */
#include "quotawatch/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

int qw_follow_init(qw_follow_t *f, rd_kafka_t *rk, const char *const *topics, int ntopics,
                   qw_follow_fn fn, void *opaque, const char *log_event, char *errbuf,
                   size_t errlen)
{
    memset(f, 0, sizeof(*f));
    if (!rk) return qw_err_set(errbuf, errlen, "follow: no Kafka client");
    /* A follower that drops every record would look caught up and serve nothing. */
    if (!fn) return qw_err_set(errbuf, errlen, "follow: no record callback");
    if (ntopics <= 0 || ntopics > QW_FOLLOW_MAX_TOPICS)
        return qw_err_set(errbuf, errlen, "follow: %d topics (1 to %d)", ntopics,
                          QW_FOLLOW_MAX_TOPICS);
    for (int t = 0; t < ntopics; t++) {
        if (!topics[t] || !topics[t][0] || strlen(topics[t]) >= sizeof(f->topics[t]))
            return qw_err_set(errbuf, errlen, "follow: topic %d is empty or too long", t);
        snprintf(f->topics[t], sizeof(f->topics[t]), "%s", topics[t]);
    }
    f->ntopics = ntopics;
    f->rk = rk;
    f->fn = fn;
    f->opaque = opaque;
    qw_consume_init(&f->consume, log_event);
    f->wait_event = "follow.waiting";
    return QW_OK;
}

void qw_follow_free(qw_follow_t *f)
{
    if (f->rk) {
        rd_kafka_consumer_close(f->rk);
        rd_kafka_destroy(f->rk);
    }
    free(f->parts);
    memset(f, 0, sizeof(*f));
}

/* Every partition of one topic, each with a leader, added to list from the beginning. */
static int add_topic(qw_follow_t *f, const char *topic, rd_kafka_topic_partition_list_t *list,
                     char *errbuf, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(f->rk, topic, NULL);
    rd_kafka_resp_err_t e =
        rkt ? rd_kafka_metadata(f->rk, 0, rkt, &md, 5000) : rd_kafka_last_error();
    if (rkt) rd_kafka_topic_destroy(rkt);
    int rc = QW_OK;
    if (e) {
        rc = qw_err_set(errbuf, errlen, "metadata of %s: %s", topic, rd_kafka_err2str(e));
    } else if (md->topic_cnt != 1) {
        rc = qw_err_set(errbuf, errlen, "metadata of %s: %d topics in the answer", topic,
                        md->topic_cnt);
    } else if (md->topics[0].err) {
        rc = qw_err_set(errbuf, errlen, "metadata of %s: %s", topic,
                        rd_kafka_err2str(md->topics[0].err));
    } else if (md->topics[0].partition_cnt <= 0) {
        rc = qw_err_set(errbuf, errlen, "metadata of %s: no partitions yet", topic);
    } else {
        for (int p = 0; p < md->topics[0].partition_cnt && rc == QW_OK; p++) {
            const struct rd_kafka_metadata_partition *mp = &md->topics[0].partitions[p];
            if (mp->err || mp->leader < 0)
                rc = qw_err_set(errbuf, errlen, "%s [%d]: no leader yet (%s)", topic, (int)mp->id,
                                rd_kafka_err2str(mp->err));
            else
                rd_kafka_topic_partition_list_add(list, topic, mp->id)->offset =
                    RD_KAFKA_OFFSET_BEGINNING;
        }
    }
    if (md) rd_kafka_metadata_destroy(md);
    return rc;
}

int qw_follow_start(qw_follow_t *f, char *errbuf, size_t errlen)
{
    f->attempts++;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(16);
    int rc = QW_OK;
    for (int t = 0; t < f->ntopics && rc == QW_OK; t++)
        rc = add_topic(f, f->topics[t], list, errbuf, errlen);
    qw_follow_part_t *parts = NULL;
    if (rc == QW_OK && !(parts = calloc((size_t)list->cnt, sizeof(*parts))))
        rc = qw_err_set(errbuf, errlen, "out of memory");
    for (int i = 0; i < list->cnt && rc == QW_OK; i++) {
        const rd_kafka_topic_partition_t *tp = &list->elems[i];
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(f->rk, tp->topic, tp->partition, &lo, &hi, 5000);
        /* The message reads the list: format it before the list is freed below. */
        if (e) {
            rc = qw_err_set(errbuf, errlen, "watermarks of %s [%d]: %s", tp->topic,
                            (int)tp->partition, rd_kafka_err2str(e));
            break;
        }
        snprintf(parts[i].topic, sizeof(parts[i].topic), "%s", tp->topic);
        parts[i].partition = tp->partition;
        parts[i].high = hi;
        parts[i].pos = lo;
    }
    if (rc == QW_OK) {
        rd_kafka_resp_err_t e = rd_kafka_assign(f->rk, list);
        if (e) rc = qw_err_set(errbuf, errlen, "assign %s: %s", f->topics[0], rd_kafka_err2str(e));
    }
    if (rc == QW_OK) {
        free(f->parts);
        f->parts = parts;
        f->npart = list->cnt;
        f->caught_up = 0;
    } else {
        free(parts);
    }
    rd_kafka_topic_partition_list_destroy(list);
    return rc;
}

int qw_follow_wait(qw_follow_t *f, int max_tries, int first_ms, int max_ms, volatile int *stop,
                   char *errbuf, size_t errlen)
{
    int backoff_ms = first_ms > 0 ? first_ms : 1;
    for (int tries = 1;; tries++) {
        if (qw_follow_start(f, errbuf, errlen) == QW_OK) return QW_OK;
        if ((stop && *stop) || (max_tries > 0 && tries >= max_tries)) return QW_ERR;
        qw_log(QW_LOG_WARN, f->wait_event ? f->wait_event : "follow.waiting",
               "%s; retrying in %d ms", errbuf, backoff_ms);
        qw_svc_sleep_ms(backoff_ms);
        if (stop && *stop) return QW_ERR;
        backoff_ms = backoff_ms * 2 > max_ms ? max_ms : backoff_ms * 2;
    }
}

int qw_follow_subscribe(qw_follow_t *f, char *errbuf, size_t errlen)
{
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(f->ntopics);
    for (int t = 0; t < f->ntopics; t++)
        rd_kafka_topic_partition_list_add(sub, f->topics[t], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(f->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) return qw_err_set(errbuf, errlen, "subscribe %s: %s", f->topics[0], rd_kafka_err2str(e));
    f->subscribed = 1;
    f->caught_up = 1; /* nothing existed to catch up with */
    return QW_OK;
}

void qw_follow_track(qw_follow_part_t *parts, int n, const char *topic, int32_t partition,
                     int64_t next)
{
    for (int i = 0; i < n; i++)
        if (parts[i].partition == partition && !strcmp(parts[i].topic, topic) &&
            next > parts[i].pos)
            parts[i].pos = next;
}

int qw_follow_parts_done(const qw_follow_part_t *parts, int n)
{
    for (int i = 0; i < n; i++)
        if (parts[i].pos < parts[i].high) return 0;
    return 1;
}

void qw_follow_deliver(qw_follow_t *f, const rd_kafka_message_t *m)
{
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    qw_follow_track(f->parts, f->npart, topic, m->partition, m->offset + 1);
    f->records++;
    qw_follow_rec_t r = {.topic = topic,
                         .partition = m->partition,
                         .offset = m->offset,
                         .key = m->key,
                         .key_len = m->key ? m->key_len : 0,
                         .value = m->payload,
                         .value_len = m->payload ? m->len : 0,
                         .tombstone = m->payload == NULL,
                         .msg = m};
    if (f->fn) f->fn(f->opaque, &r);
}

static void check_caught_up(qw_follow_t *f)
{
    if (f->caught_up) return;
    for (int i = 0; i < f->npart; i++) {
        if (f->parts[i].pos >= f->parts[i].high) continue;
        /* Transaction markers and compacted-away records leave gaps: ask where we stand. */
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, f->parts[i].topic, f->parts[i].partition);
        if (!rd_kafka_position(f->rk, l) && l->elems[0].offset > f->parts[i].pos)
            f->parts[i].pos = l->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(l);
        if (f->parts[i].pos < f->parts[i].high) return;
    }
    f->caught_up = 1;
}

int qw_follow_poll(qw_follow_t *f, int timeout_ms, int max)
{
    if (!f->rk) return 0;
    int n = 0;
    while (n < max) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(&f->consume, f->rk, n ? 0 : timeout_ms, &m);
        if (k == QW_CONSUME_NONE) break;
        if (k == QW_CONSUME_FATAL) {
            snprintf(f->errstr, sizeof(f->errstr), "%s", f->consume.errstr);
            return QW_ERR;
        }
        if (k == QW_CONSUME_EOF) {
            /* The end of a partition as it is now: at or past the end seen at start. */
            for (int i = 0; i < f->npart; i++)
                if (f->parts[i].partition == f->consume.eof_partition &&
                    !strcmp(f->parts[i].topic, f->consume.eof_topic) &&
                    f->parts[i].pos < f->parts[i].high)
                    f->parts[i].pos = f->parts[i].high;
        }
        if (k != QW_CONSUME_RECORD) continue;
        qw_follow_deliver(f, m);
        rd_kafka_message_destroy(m);
        n++;
    }
    check_caught_up(f);
    return n;
}

rd_kafka_t *qw_follow_consumer_new(const char *brokers, const char *client_id,
                                   const qw_config_t *cfg, char *errbuf, size_t errlen)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(brokers, client_id, cfg, errbuf, errlen);
    if (!conf) return NULL;
    char gid[128];
    snprintf(gid, sizeof(gid), "%s-%d", client_id, (int)getpid());
    if (qw_kafka_conf_set(conf, "group.id", gid, errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "enable.auto.commit", "false", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "isolation.level", "read_committed", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "enable.partition.eof", "false", errbuf, errlen) != QW_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        qw_err_set(errbuf, errlen, "%s consumer: %s", client_id, err);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}
