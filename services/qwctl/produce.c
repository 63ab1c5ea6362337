/* qwctl produce: send raw documents (one JSON document per line) to a CRM topic, keyed by a
 * field of the document or a fixed key. Used to feed events by hand, in the demo and in tests. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qwctl.h"
#include "quotawatch/kafka.h"

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err) {
        fprintf(stderr, "qwctl: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*(int *)opaque)++;
    }
}

int qwctl_produce(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: qwctl produce TOPIC [--key K | --key-field FIELD] [FILE]\n"
                        "  TOPIC is a full name without the prefix, e.g. qw.crm.canonical\n");
        return 2;
    }
    char topic[256], e[QW_ERRSTR_MAX];
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix, argv[0]);
    FILE *in = argc > 1 && strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
    if (!in) {
        fprintf(stderr, "qwctl: cannot open %s\n", argv[1]);
        return 2;
    }
    int failed = 0;
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, sizeof(e));
    if (!conf || qw_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof(e))) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    /* A missing topic is said at once, not after 30 s of undelivered records. */
    if (qw_kafka_topic_partitions(rk, topic, 10000, e, sizeof(e)) < 0) {
        fprintf(stderr, "qwctl: %s; nothing was sent\n", e);
        rd_kafka_destroy(rk);
        if (in != stdin) fclose(in);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long count = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n) continue;
        const char *key = ctl->key;
        json_t *doc = NULL;
        if (!key && ctl->key_field) {
            doc = json_loadb(line, (size_t)n, 0, NULL);
            key = json_string_value(json_object_get(doc, ctl->key_field));
        }
        rd_kafka_resp_err_t err;
        while (
            (err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(line, (size_t)n),
                                     RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
            RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        json_decref(doc);
        if (err) {
            fprintf(stderr, "qwctl: produce to %s: %s\n", topic, rd_kafka_err2str(err));
            failed++;
            break;
        }
        count++;
        rd_kafka_poll(rk, 0);
    }
    free(line);
    if (in != stdin) fclose(in);
    if (rd_kafka_flush(rk, 30000)) {
        fprintf(stderr, "qwctl: not every record was delivered within 30 s\n");
        failed++;
    }
    rd_kafka_destroy(rk);
    if (!failed) fprintf(stderr, "qwctl: %ld records sent to %s\n", count, topic);
    return failed ? 1 : 0;
}
