/* qw-test-salesforce-tail TOPIC: every committed record of TOPIC (read_committed, all
 * partitions, from the start to the end), one JSON line each: partition, offset, key, headers,
 * value (as text). For the salesforce_* integration tests. Brokers from QW_KAFKA_BOOTSTRAP. */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *text(const void *p, size_t n)
{
    return p ? json_stringn_nocheck(p, n) : json_null();
}

static void print(const rd_kafka_message_t *m)
{
    json_t *o = json_object(), *h = json_object();
    rd_kafka_headers_t *hdrs;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t n;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &v, &n); i++)
            json_object_set_new(h, name, text(v, n));
    }
    json_object_set_new(o, "partition", json_integer(m->partition));
    json_object_set_new(o, "offset", json_integer(m->offset));
    json_object_set_new(o, "key", text(m->key, m->key_len));
    json_object_set_new(o, "headers", h);
    json_object_set_new(o, "value", text(m->payload, m->len));
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    puts(s);
    free(s);
    json_decref(o);
}

int main(int argc, char **argv)
{
    const char *brokers = getenv("QW_KAFKA_BOOTSTRAP");
    if (argc != 2 || !brokers) {
        fprintf(stderr, "usage: QW_KAFKA_BOOTSTRAP=... qw-test-salesforce-tail TOPIC\n");
        return 2;
    }
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, e, sizeof(e)) ||
        rd_kafka_conf_set(c, "group.id", "qw-test-salesforce-tail", e, sizeof(e)) ||
        rd_kafka_conf_set(c, "isolation.level", "read_committed", e, sizeof(e)) ||
        rd_kafka_conf_set(c, "enable.partition.eof", "true", e, sizeof(e)) ||
        rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof(e))) {
        fprintf(stderr, "%s\n", e);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof(e));
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, argv[1], NULL);
    if (rd_kafka_metadata(rk, 0, t, &md, 10000) || md->topic_cnt != 1 || md->topics[0].err) {
        fprintf(stderr, "no topic %s\n", argv[1]);
        return 1;
    }
    int n = md->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, argv[1], md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    int eofs = 0, idle = 0;
    while (eofs < n && idle < 300) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            idle++;
            continue;
        }
        idle = 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (m->err)
            fprintf(stderr, "%s\n", rd_kafka_message_errstr(m));
        else
            print(m);
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return eofs == n ? 0 : 1;
}
