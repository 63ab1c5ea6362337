/* qwctl, the operator's command line: one file per command. */
#ifndef QW_QWCTL_H
#define QW_QWCTL_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "quotawatch/config.h"

typedef struct qwctl_s {
    qw_config_t cfg;
    const char *brokers;
    const char *topic_prefix;
    const char *key;
    const char *key_field;
    const char *policy; /* publish: the policy quotas are checked against ("" = unchecked) */
    int dry_run;        /* publish: validate only */
    int until_eof;
    int uncommitted;
    int marks; /* tail credits: show completeness watermark records too */
    int64_t timeout_ms;
    int json;              /* topics check: one JSON object instead of the table */
    int strict;            /* topics check: warnings fail too */
    const char *templates; /* preview-template: the template directory */
    const char *audience;  /* preview-template: render for this audience only */
    const char *web_url, *web_as, *web_header, *period; /* rep|team|decision|health */
    /* dlq list|show|redrive */
    const char *dlq_reason, *dlq_source, *dlq_channel, *dlq_offsets, *dlq_since, *dlq_until;
    int64_t dlq_partition;
    const char *retract_by; /* retract: who (default: the login name) */
    /* rebuild evaluator */
    const char *redis_url, *group;
    int accept_retention, yes;
} qwctl_t;

int qwctl_tail(qwctl_t *ctl, int argc, char **argv);
int qwctl_produce(qwctl_t *ctl, int argc, char **argv);
int qwctl_publish(qwctl_t *ctl, int argc, char **argv);
int qwctl_resync(qwctl_t *ctl, int argc, char **argv);
int qwctl_topics(qwctl_t *ctl, int argc, char **argv);
int qwctl_preview(qwctl_t *ctl, int argc, char **argv);
/* One record as qwctl tail prints it: topic, partition, offset, key, headers (old dead-letter
 * names also under the current ones) and the value, decoded with desc when given. */
json_t *qwctl_record_json(const rd_kafka_message_t *m, const ProtobufCMessageDescriptor *desc);

/* A consumer that reads without a group (assign), read_committed unless --uncommitted. NULL
 * with the reason in errbuf. */
rd_kafka_t *qwctl_consumer_new(qwctl_t *ctl, char *errbuf, size_t errlen);

/* qwctl_consumer_new assigned to topic: every partition from the beginning, or only partition
 * part (>= 0) from offset from (< 0: its beginning). *nassigned is the number of partitions read
 * (EOFs to wait for). NULL with the reason in errbuf and the exit code in *exit_code: 2 when no
 * client can be made or there is no such partition, 1 when the topic cannot be read (0 on
 * success). */
rd_kafka_t *qwctl_reader_open(qwctl_t *ctl, const char *topic, int32_t part, int64_t from,
                              int *nassigned, int *exit_code, char *errbuf, size_t errlen);

int qwctl_dlq(qwctl_t *ctl, int argc, char **argv);
int qwctl_rebuild(qwctl_t *ctl, int argc, char **argv);
int qwctl_retract(qwctl_t *ctl, int argc, char **argv);
int qwctl_view(qwctl_t *ctl, const char *kind, int argc, char **argv);

#endif
