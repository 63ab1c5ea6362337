/* The one consume-error loop body of every Kafka consumer: poll, skip partition EOF, count and
 * log transient errors, report fatal ones. Callers keep their own loop (timeouts and batching
 * differ) and switch on what one poll gave. */
#ifndef QW_CONSUME_H
#define QW_CONSUME_H
#ifdef QW_PURE
#error "quotawatch/consume.h is an I/O header (lib/io): pure targets may not include it"
/* Call with each new assignment, before rd_kafka_assign: the offsets each partition starts
 * from (RD_KAFKA_OFFSET_INVALID: the group's committed offset), so the lag metrics know the
 * backlog of a partition not read yet instead of leaving it out. */
void qw_consume_assigned(const rd_kafka_topic_partition_list_t *parts);

#endif

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "quotawatch/common.h"

typedef enum {
    QW_CONSUME_NONE = 0, /* nothing within the timeout */
    QW_CONSUME_RECORD,   /* a record: the caller owns *out and destroys it */
    QW_CONSUME_EOF,      /* the end of a partition (eof_topic, eof_partition, eof_offset) */
    QW_CONSUME_ERROR,    /* a transient error: counted, logged, errstr; poll again */
    QW_CONSUME_FATAL     /* the client is unusable (librdkafka fatal error): errstr; stop */
} qw_consume_kind_t;

typedef struct qw_consume_s {
    /* Log event of an error (warn for transient, error for fatal); NULL: not logged (a CLI
     * prints errstr itself). */
    const char *event;
    uint64_t records, eofs, errors;
    int fatal; /* set once a fatal error was seen; stays set */
    char errstr[512];
    char eof_topic[256];
    int32_t eof_partition;
    int64_t eof_offset;
} qw_consume_t;

void qw_consume_init(qw_consume_t *c, const char *event);

/* What an error code means to a consumer (pure: no I/O). */
qw_consume_kind_t qw_consume_classify(rd_kafka_resp_err_t err);

/* Account for one polled message: counts, fills errstr or the eof fields, logs an error, marks
 * Kafka ready on a record. rk (may be NULL) names the fatal error's cause. Does not destroy. */
qw_consume_kind_t qw_consume_note(qw_consume_t *c, rd_kafka_t *rk, const rd_kafka_message_t *m);

/* Poll rk once. A record comes back in *out; every other message is destroyed here. */
qw_consume_kind_t qw_consume_poll(qw_consume_t *c, rd_kafka_t *rk, int timeout_ms,
                                  rd_kafka_message_t **out);

/* Call with each new assignment, before rd_kafka_assign: the offsets each partition starts
 * from (RD_KAFKA_OFFSET_INVALID: the group's committed offset), so the lag metrics know the
 * backlog of a partition not read yet instead of leaving it out. */
void qw_consume_assigned(const rd_kafka_topic_partition_list_t *parts);

#endif
