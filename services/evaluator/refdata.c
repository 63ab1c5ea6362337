#include "refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_pb.h"
#include "quotawatch/csv.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/v1/roster.pb-c.h"

void qw_refdata_init(qw_refdata_t *d)
{
    memset(d, 0, sizeof(*d));
    qw_strmap_init(&d->roster);
    qw_strmap_init(&d->quotas);
}

void qw_refdata_free(qw_refdata_t *d)
{
    if (d->rk) {
        rd_kafka_consumer_close(d->rk);
        rd_kafka_destroy(d->rk);
    }
    qw_strmap_free(&d->roster, free);
    qw_strmap_free(&d->quotas, free);
    free(d->parts);
    memset(d, 0, sizeof(*d));
}

int qw_refdata_put_profile(qw_refdata_t *d, const qw_rep_profile_t *p)
{
    qw_rep_profile_t *c = malloc(sizeof(*c));
    if (!c) return QW_ERR;
    *c = *p;
    void *old;
    if (qw_strmap_put(&d->roster, c->rep_id, strlen(c->rep_id), c, &old) != 0) {
        free(c);
        return QW_ERR;
    }
    free(old);
    return QW_OK;
}

static size_t quota_key(char *out, size_t cap, const char *rep, const char *period)
{
    int n = snprintf(out, cap, "%s\x1f%s", rep, period);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int qw_refdata_put_quota(qw_refdata_t *d, const qw_quota_t *q)
{
    char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    size_t kl = quota_key(k, sizeof(k), q->rep_id, q->period);
    qw_quota_t *c = malloc(sizeof(*c));
    if (!c || !kl) {
        free(c);
        return QW_ERR;
    }
    *c = *q;
    void *old;
    if (qw_strmap_put(&d->quotas, k, kl, c, &old) != 0) {
        free(c);
        return QW_ERR;
    }
    free(old);
    return QW_OK;
}

const qw_rep_profile_t *qw_refdata_profile(const qw_refdata_t *d, const char *rep_id)
{
    return qw_strmap_get(&d->roster, rep_id, strlen(rep_id));
}

const qw_quota_t *qw_refdata_quota(const qw_refdata_t *d, const char *rep_id, const char *period)
{
    char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    size_t kl = quota_key(k, sizeof(k), rep_id, period);
    return kl ? qw_strmap_get(&d->quotas, k, kl) : NULL;
}

static int put_quota_cb(void *o, const qw_quota_t *q)
{
    return qw_refdata_put_quota(o, q);
}

static int put_profile_cb(void *o, const qw_rep_profile_t *p)
{
    return qw_refdata_put_profile(o, p);
}

int qw_refdata_load_quotas_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen)
{
    return qw_csv_quota_load_file(path, put_quota_cb, d, errbuf, errlen);
}

int qw_refdata_load_roster_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen)
{
    return qw_csv_roster_load_file(path, put_profile_cb, d, errbuf, errlen);
}

/* ---- following the topics ------------------------------------------------------------------ */

int qw_refdata_follow(qw_refdata_t *d, const char *brokers, const char *prefix,
                      const qw_config_t *cfg, char *errbuf, size_t errlen)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(brokers, "qw-evaluator-refdata", cfg, errbuf, errlen);
    if (!conf) return QW_ERR;
    /* No group: assign() only, offsets never committed. read_committed in case a producer of
     * roster or quotas uses transactions. */
    /* librdkafka 2.0 wants a group.id even for assign(); it is never joined nor committed to. */
    char gid[64];
    snprintf(gid, sizeof(gid), "qw-evaluator-refdata-%d", (int)getpid());
    if (qw_kafka_conf_set(conf, "group.id", gid, errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "enable.auto.commit", "false", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "isolation.level", "read_committed", errbuf, errlen) != QW_OK ||
        qw_kafka_conf_set(conf, "enable.partition.eof", "false", errbuf, errlen) != QW_OK) {
        rd_kafka_conf_destroy(conf);
        return QW_ERR;
    }
    char err[512];
    d->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!d->rk) {
        rd_kafka_conf_destroy(conf);
        return qw_err_set(errbuf, errlen, "refdata consumer: %s", err);
    }
    rd_kafka_poll_set_consumer(d->rk);
    char topics[2][256];
    qw_kafka_topic(topics[0], sizeof(topics[0]), prefix, "qw.roster.v1");
    qw_kafka_topic(topics[1], sizeof(topics[1]), prefix, "qw.quotas.v1");
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(16);
    for (int t = 0; t < 2; t++) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(d->rk, topics[t], NULL);
        rd_kafka_resp_err_t e = rd_kafka_metadata(d->rk, 0, rkt, &md, 10000);
        rd_kafka_topic_destroy(rkt);
        if (e || md->topic_cnt != 1 || md->topics[0].err) {
            int rc = qw_err_set(errbuf, errlen, "metadata of %s: %s", topics[t],
                                rd_kafka_err2str(e ? e : md->topics[0].err));
            if (md) rd_kafka_metadata_destroy(md);
            rd_kafka_topic_partition_list_destroy(list);
            return rc;
        }
        for (int p = 0; p < md->topics[0].partition_cnt; p++)
            rd_kafka_topic_partition_list_add(list, topics[t], md->topics[0].partitions[p].id)
                ->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_metadata_destroy(md);
    }
    d->npart = list->cnt;
    d->parts = calloc((size_t)list->cnt, sizeof(*d->parts));
    for (int i = 0; i < list->cnt && d->parts; i++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            d->rk, list->elems[i].topic, list->elems[i].partition, &lo, &hi, 10000);
        if (e) {
            rd_kafka_topic_partition_list_destroy(list);
            return qw_err_set(errbuf, errlen, "watermarks of %s: %s", list->elems[i].topic,
                              rd_kafka_err2str(e));
        }
        snprintf(d->parts[i].topic, sizeof(d->parts[i].topic), "%s", list->elems[i].topic);
        d->parts[i].partition = list->elems[i].partition;
        d->parts[i].high = hi;
        d->parts[i].pos = lo;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(d->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) return qw_err_set(errbuf, errlen, "assign refdata: %s", rd_kafka_err2str(e));
    return QW_OK;
}

static void check_caught_up(qw_refdata_t *d)
{
    if (d->caught_up) return;
    for (int i = 0; i < d->npart; i++) {
        if (d->parts[i].pos >= d->parts[i].high) continue;
        /* Transaction markers and compacted-away records leave gaps: ask where we stand. */
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, d->parts[i].topic, d->parts[i].partition);
        if (!rd_kafka_position(d->rk, l) && l->elems[0].offset >= 0)
            if (l->elems[0].offset > d->parts[i].pos) d->parts[i].pos = l->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(l);
        if (d->parts[i].pos < d->parts[i].high) return;
    }
    d->caught_up = 1;
    qw_log(QW_LOG_INFO, "refdata.caught_up", "roster and quotas loaded: %zu reps, %zu quotas",
           d->roster.n, d->quotas.n);
}

static void apply(qw_refdata_t *d, const rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    size_t tl = strlen(topic);
    int is_roster = tl >= 12 && !strcmp(topic + tl - 12, "qw.roster.v1");
    char err[QW_ERRSTR_MAX];
    for (int i = 0; i < d->npart; i++)
        if (d->parts[i].partition == m->partition && !strcmp(d->parts[i].topic, topic))
            d->parts[i].pos = m->offset + 1;
    d->records++;
    if (!m->payload) {
        /* A tombstone: the key is gone. */
        if (is_roster && m->key) {
            free(qw_strmap_del(&d->roster, m->key, m->key_len));
        } else if (m->key) {
            char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
            const char *key = m->key, *colon = NULL;
            for (size_t i = m->key_len; i > 0 && !colon; i--)
                if (key[i - 1] == ':') colon = key + i - 1;
            if (colon && m->key_len < sizeof(k)) {
                size_t rl = (size_t)(colon - key);
                memcpy(k, m->key, m->key_len);
                k[rl] = '\x1f';
                free(qw_strmap_del(&d->quotas, k, m->key_len));
            }
        }
        return;
    }
    if (is_roster) {
        Quotawatch__V1__RepProfile *pb =
            quotawatch__v1__rep_profile__unpack(NULL, m->len, m->payload);
        qw_rep_profile_t p;
        if (pb && qw_engine_profile_from_pb(pb, &p, err, sizeof(err)) == QW_OK) {
            qw_refdata_put_profile(d, &p);
        } else {
            d->invalid++;
            qw_log(QW_LOG_WARN, "refdata.invalid", "%s offset %lld: %s", topic,
                   (long long)m->offset, pb ? err : "not a RepProfile");
        }
        if (pb) quotawatch__v1__rep_profile__free_unpacked(pb, NULL);
    } else {
        Quotawatch__V1__QuotaAssignment *pb =
            quotawatch__v1__quota_assignment__unpack(NULL, m->len, m->payload);
        qw_quota_t q;
        if (pb && qw_engine_quota_from_pb(pb, &q, err, sizeof(err)) == QW_OK) {
            qw_refdata_put_quota(d, &q);
        } else {
            d->invalid++;
            qw_log(QW_LOG_WARN, "refdata.invalid", "%s offset %lld: %s", topic,
                   (long long)m->offset, pb ? err : "not a QuotaAssignment");
        }
        if (pb) quotawatch__v1__quota_assignment__free_unpacked(pb, NULL);
    }
}

int qw_refdata_poll(qw_refdata_t *d, int timeout_ms)
{
    if (!d->rk) return 0;
    int n = 0;
    for (;;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->rk, n ? 0 : timeout_ms);
        if (!m) break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                qw_log(QW_LOG_WARN, "refdata.error", "%s", rd_kafka_message_errstr(m));
        } else {
            apply(d, m);
            n++;
        }
        rd_kafka_message_destroy(m);
        if (n >= 10000) break;
    }
    check_caught_up(d);
    return n;
}
