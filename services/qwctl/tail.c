/* qwctl tail: read a quotawatch topic and print each record as one JSON line, decoding the
 * protobuf payloads, so operators (and tests) can see exactly what flowed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "qwctl.h"
#include "quotawatch/consume.h"
#include "quotawatch/dlq.h"
#include "quotawatch/kafka.h"
#include "quotawatch/svc.h"
#include "quotawatch/utf8.h"
#include "quotawatch/watermark.h"
#include "quotawatch/v1/credit_entry.pb-c.h"
#include "quotawatch/v1/decision.pb-c.h"
#include "quotawatch/v1/deal_change.pb-c.h"
#include "quotawatch/v1/roster.pb-c.h"
#include "quotawatch/v1/watermark.pb-c.h"

static const struct {
    const char *name, *topic;
    const ProtobufCMessageDescriptor *desc; /* NULL: raw bytes */
} qw_tail_topics[] = {
    {"credits", "qw.credits.v1", &quotawatch__v1__credit_entry__descriptor},
    {"decisions", "qw.decisions.v1", &quotawatch__v1__decision__descriptor},
    {"roster", "qw.roster.v1", &quotawatch__v1__rep_profile__descriptor},
    {"quotas", "qw.quotas.v1", &quotawatch__v1__quota_assignment__descriptor},
    {"dlq", "qw.dlq.v1", NULL},
    {"notify-dlq", "qw.notify-dlq.v1", NULL},
    /* The raw CRM topics, as qw-gateway and the producers wrote them (bytes unchanged). */
    {"crm.salesforce", "qw.crm.salesforce", NULL},
    {"crm.hubspot", "qw.crm.hubspot", NULL},
    {"crm.pipedrive", "qw.crm.pipedrive", NULL},
    {"crm.canonical", "qw.crm.canonical", NULL},
};

/* Keys, headers and raw payloads as text, bytes that are not UTF-8 shown as U+FFFD: an
 * operator sees the rest of the value rather than nothing. */
static json_t *bytes_json(const void *p, size_t len)
{
    return qw_utf8_json_lossy(p, len);
}

json_t *qwctl_record_json(const rd_kafka_message_t *m, const ProtobufCMessageDescriptor *desc)
{
    json_t *o = json_object();
    json_object_set_new(o, "topic", json_string(rd_kafka_topic_name(m->rkt)));
    json_object_set_new(o, "partition", json_integer(m->partition));
    json_object_set_new(o, "offset", json_integer(m->offset));
    json_object_set_new(o, "key", m->key ? bytes_json(m->key, m->key_len) : json_null());
    rd_kafka_headers_t *hdrs;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        json_t *h = json_object();
        const char *name;
        const void *val;
        size_t len;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &len); i++) {
            json_object_set_new(h, name, val ? bytes_json(val, len) : json_null());
            /* Dead letters the notifier wrote before the qw.error.* scheme also show under the
             * current name, until QW_DLQ_LEGACY_UNTIL (docs/formats/dead-letters.md). */
            const char *now = qw_dlq_legacy_name(name);
            if (now && !json_object_get(h, now))
                json_object_set_new(h, now, val ? bytes_json(val, len) : json_null());
        }
        json_object_set_new(o, "headers", h);
    }
    if (desc) {
        ProtobufCMessage *pm = protobuf_c_message_unpack(desc, NULL, m->len, m->payload);
        json_object_set_new(o, "value",
                            pm ? qw_pbjson_from_message(pm) : json_string("<undecodable>"));
        if (pm) protobuf_c_message_free_unpacked(pm, NULL);
    } else {
        json_object_set_new(o, "value", bytes_json(m->payload, m->len));
    }
    return o;
}

rd_kafka_t *qwctl_consumer_new(qwctl_t *ctl, char *errbuf, size_t errlen)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, errbuf, errlen);
    if (!conf || qw_kafka_conf_set(conf, "group.id", "qwctl-tail", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "enable.auto.commit", "false", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "enable.partition.eof", "true", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "fetch.message.max.bytes", "4194304", errbuf, errlen) ||
        qw_kafka_conf_set(conf, "isolation.level",
                          ctl->uncommitted ? "read_uncommitted" : "read_committed", errbuf,
                          errlen)) {
        if (conf) rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errbuf, errlen);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

rd_kafka_t *qwctl_reader_open(qwctl_t *ctl, const char *topic, int32_t part, int64_t from,
                              int *nassigned, int *exit_code, char *errbuf, size_t errlen)
{
    *exit_code = 2;
    rd_kafka_t *rk = qwctl_consumer_new(ctl, errbuf, errlen);
    if (!rk) return NULL;
    int nparts = qw_kafka_topic_partitions(rk, topic, 10000, errbuf, errlen);
    if (nparts < 0) {
        *exit_code = 1;
        rd_kafka_destroy(rk);
        return NULL;
    }
    if (part >= nparts) {
        snprintf(errbuf, errlen, "%s has no partition %d (it has %d)", topic, (int)part, nparts);
        rd_kafka_destroy(rk);
        return NULL;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        if (part < 0 || p == part)
            rd_kafka_topic_partition_list_add(l, topic, p)->offset =
                part >= 0 && from >= 0 ? from : RD_KAFKA_OFFSET_BEGINNING;
    *nassigned = part >= 0 ? 1 : nparts;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    *exit_code = 0;
    return rk;
}

int qwctl_tail(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr,
                "usage: qwctl tail credits|decisions|dlq|notify-dlq|roster|quotas|crm.SOURCE\n"
                "  --until-eof to stop at the end; --uncommitted to see aborted records\n");
        return 2;
    }
    const ProtobufCMessageDescriptor *desc = NULL;
    const char *base = NULL;
    for (size_t i = 0; i < sizeof(qw_tail_topics) / sizeof(qw_tail_topics[0]); i++) {
        /* Short name or full base name (credits or qw.credits.v1). */
        if (!strcmp(argv[0], qw_tail_topics[i].name) || !strcmp(argv[0], qw_tail_topics[i].topic)) {
            base = qw_tail_topics[i].topic;
            desc = qw_tail_topics[i].desc;
        }
    }
    if (!base) {
        fprintf(stderr, "qwctl tail: unknown topic %s\n", argv[0]);
        return 2;
    }
    char topic[256], e[QW_ERRSTR_MAX];
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix, base);
    int nparts = 0, rc = 0;
    rd_kafka_t *rk = qwctl_reader_open(ctl, topic, -1, -1, &nparts, &rc, e, sizeof(e));
    if (!rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        return rc;
    }

    int eof = 0;
    int64_t idle_ms = 0;
    qw_consume_t cs;
    qw_consume_init(&cs, NULL); /* a CLI: errors go to stderr below, not to the JSON log */
    while (!qw_svc_stop && (!ctl->until_eof || eof < nparts)) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(&cs, rk, 200, &m);
        if (k == QW_CONSUME_NONE) {
            idle_ms += 200;
            if (ctl->timeout_ms && idle_ms >= ctl->timeout_ms) break;
            continue;
        }
        idle_ms = 0;
        if (k == QW_CONSUME_EOF) {
            eof++;
            continue;
        }
        if (k != QW_CONSUME_RECORD) {
            fprintf(stderr, "qwctl: %s\n", cs.errstr);
            rc = 1;
            continue;
        }
        if (desc == &quotawatch__v1__credit_entry__descriptor && qw_kafka_is_watermark(m)) {
            /* qw-ingest's completeness marks share the topic (docs/completeness.md). */
            if (ctl->marks) {
                json_t *o = qwctl_record_json(m, &quotawatch__v1__watermark__descriptor);
                char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (line) printf("%s\n", line);
                free(line);
                json_decref(o);
            }
        } else {
            json_t *o = qwctl_record_json(m, desc);
            char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (line) printf("%s\n", line);
            fflush(stdout);
            free(line);
            json_decref(o);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
