/* qw-test-decisions: dump qw.decisions.v1 as JSON lines (read_committed), from the beginning up
 * to the end offsets seen at start, then exit. One line per record:
 *   {"partition","offset","key","id","type","rep_id","team_id","period","attainment_bp",
 *    "credited_minor","quota_minor","currency","quota_version","policy_version","withdraws",
 *    "audience":[...],"evidence":{key:{"value","text"}},"headers":{...}}
 * Usage: qw-test-decisions --brokers B --topic T [--timeout-ms N] */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quotawatch/v1/decision.pb-c.h"

int main(int argc, char **argv)
{
    const char *brokers = getenv("QW_KAFKA_BOOTSTRAP"), *topic = NULL;
    int timeout_ms = 30000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--brokers"))
            brokers = argv[i + 1];
        else if (!strcmp(argv[i], "--topic"))
            topic = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout-ms"))
            timeout_ms = atoi(argv[i + 1]);
    }
    if (!brokers || !topic) {
        fprintf(stderr, "usage: qw-test-decisions --brokers B --topic T [--timeout-ms N]\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err)) ||
        /* librdkafka 2.0 wants a group.id for assign(); never joined, never committed. */
        rd_kafka_conf_set(conf, "group.id", "qw-test-decisions", err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topics[0].err) {
        fprintf(stderr, "no metadata for %s\n", topic);
        return 1;
    }
    rd_kafka_topic_destroy(rkt);
    int np = md->topics[0].partition_cnt;
    int64_t *end = calloc((size_t)np, sizeof(*end));
    int remaining = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(np);
    for (int p = 0; p < np; p++) {
        int64_t lo, hi;
        int32_t id = md->topics[0].partitions[p].id;
        /* read_committed consumers see up to the last stable offset; the high watermark is an
         * upper bound that transaction markers may never let us "reach", so use position. */
        if (rd_kafka_query_watermark_offsets(rk, topic, id, &lo, &hi, 10000)) return 1;
        end[id] = hi;
        if (hi > lo) remaining++;
        rd_kafka_topic_partition_list_add(l, topic, id)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    int *done = calloc((size_t)np, sizeof(*done));
    for (int p = 0; p < np; p++)
        done[p] = end[p] == 0;
    time_t deadline = time(NULL) + (timeout_ms + 999) / 1000;
    while (remaining > 0 && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) {
            /* Positions move past transaction markers without a message. */
            rd_kafka_topic_partition_list_t *pl = rd_kafka_topic_partition_list_new(np);
            for (int p = 0; p < np; p++)
                rd_kafka_topic_partition_list_add(pl, topic, p);
            rd_kafka_position(rk, pl);
            for (int p = 0; p < np; p++)
                if (!done[p] && pl->elems[p].offset >= end[p]) {
                    done[p] = 1;
                    remaining--;
                }
            rd_kafka_topic_partition_list_destroy(pl);
            continue;
        }
        if (m->err) {
            fprintf(stderr, "qw-test-decisions: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(NULL, m->len, m->payload);
        json_t *o = json_object();
        json_object_set_new(o, "partition", json_integer(m->partition));
        json_object_set_new(o, "offset", json_integer(m->offset));
        json_object_set_new(o, "key", json_stringn(m->key ? m->key : "", m->key_len));
        if (d) {
            json_object_set_new(o, "id", json_string(d->id));
            json_object_set_new(o, "type", json_string(d->type));
            json_object_set_new(o, "rep_id", json_string(d->rep_id));
            json_object_set_new(o, "team_id", json_string(d->team_id));
            json_object_set_new(o, "period", json_string(d->period));
            json_object_set_new(o, "time_ms", json_integer(d->time_ms));
            json_object_set_new(o, "attainment_bp", json_integer(d->attainment_bp));
            json_object_set_new(o, "credited_minor", json_integer(d->credited_minor));
            json_object_set_new(o, "quota_minor", json_integer(d->quota_minor));
            json_object_set_new(o, "currency", json_string(d->currency));
            json_object_set_new(o, "quota_version", json_string(d->quota_version));
            json_object_set_new(o, "policy_version", json_string(d->policy_version));
            json_object_set_new(o, "withdraws", json_string(d->withdraws));
            json_t *aud = json_array();
            for (size_t i = 0; i < d->n_audience; i++)
                json_array_append_new(aud, json_string(d->audience[i]));
            json_object_set_new(o, "audience", aud);
            json_t *ev = json_object();
            for (size_t i = 0; i < d->n_evidence; i++)
                json_object_set_new(ev, d->evidence[i]->key,
                                    json_pack("{s:I,s:s}", "value",
                                              (json_int_t)d->evidence[i]->value, "text",
                                              d->evidence[i]->text ? d->evidence[i]->text : ""));
            json_object_set_new(o, "evidence", ev);
            quotawatch__v1__decision__free_unpacked(d, NULL);
        } else {
            json_object_set_new(o, "error", json_string("not a Decision"));
        }
        rd_kafka_headers_t *h = NULL;
        json_t *hj = json_object();
        if (!rd_kafka_message_headers(m, &h)) {
            const char *name;
            const void *val;
            size_t sz;
            for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &sz); i++)
                json_object_set_new(hj, name, json_stringn(val ? val : "", sz));
        }
        json_object_set_new(o, "headers", hj);
        char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        puts(s);
        free(s);
        json_decref(o);
        if (!done[m->partition] && m->offset + 1 >= end[m->partition]) {
            done[m->partition] = 1;
            remaining--;
        }
        rd_kafka_message_destroy(m);
    }
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(end);
    free(done);
    if (remaining > 0) {
        fprintf(stderr, "qw-test-decisions: timed out with %d partitions unread\n", remaining);
        return 1;
    }
    return 0;
}
