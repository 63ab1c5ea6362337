/* Dead letters: the one header scheme of both dead-letter topics (qw.dlq.v1 and
 * qw.notify-dlq.v1), and a pure builder of the header list; quotawatch/dlq_kafka.h turns it
 * into librdkafka headers. Format: docs/formats/dead-letters.md. */
#ifndef QW_DLQ_H
#define QW_DLQ_H

#include <stddef.h>
#include <stdint.h>

/* Why the record is dead (a stable name operators filter on) and the human detail. */
#define QW_DLQ_REASON    "qw.error.reason"
#define QW_DLQ_MESSAGE   "qw.error.message"
#define QW_DLQ_CHANNEL   "qw.error.channel"   /* notifier: "<audience>.<kind>" */
#define QW_DLQ_ATTEMPTS  "qw.error.attempts"  /* notifier: deliveries tried */
#define QW_DLQ_INDEX     "qw.error.index"     /* ingest: the event of a multi-event message */
#define QW_DLQ_TRUNCATED "qw.error.truncated" /* ingest: the full length of a cut value */
/* Where the original record was. */
#define QW_DLQ_SOURCE_TOPIC     "qw.source.topic"
#define QW_DLQ_SOURCE_PARTITION "qw.source.partition"
#define QW_DLQ_SOURCE_OFFSET    "qw.source.offset"

/* On a record qwctl dlq redrive put back: the dead letter it came from ("<topic>/<p>/<o>"), and
 * for a decision from qw.notify-dlq.v1 the one channel to deliver it to again. */
#define QW_DLQ_REDRIVE_FROM    "qw.redrive.from"
#define QW_DLQ_REDRIVE_CHANNEL "qw.redrive.channel"

/* Readers (qwctl tail) also accept the notifier's names before this scheme, until this date;
 * qw_dlq_legacy_name maps them. */
#define QW_DLQ_LEGACY_UNTIL "2027-06-30"

#define QW_DLQ_HEADERS_MAX 16

typedef struct qw_dlq_header_s {
    const char *name;
    const char *value; /* not copied, except numbers (kept in the list) */
    size_t len;
} qw_dlq_header_t;

typedef struct qw_dlq_headers_s {
    qw_dlq_header_t h[QW_DLQ_HEADERS_MAX];
    size_t n;
    char num[QW_DLQ_HEADERS_MAX][24]; /* the text of numeric values */
    int overflow;                     /* an add did not fit: the list is incomplete */
} qw_dlq_headers_t;

/* What a dead letter says. NULL strings and negative numbers are left out; reason is
 * required. */
typedef struct qw_dlq_error_s {
    const char *reason;
    const char *message;
    const char *channel;
    int attempts;
    int index;
    int64_t truncated;
    const char *source_topic;
    int32_t source_partition; /* with source_topic */
    int64_t source_offset;    /* with source_topic */
} qw_dlq_error_t;

/* An error with every optional field absent. */
#define QW_DLQ_ERROR_INIT                                                                          \
    {                                                                                              \
        NULL, NULL, NULL, -1, -1, -1, NULL, -1, -1                                                 \
    }

void qw_dlq_headers_init(qw_dlq_headers_t *hs);
/* Appends name: value (len bytes; (size_t)-1: a C string). Returns 0, or -1 when full. */
int qw_dlq_headers_add(qw_dlq_headers_t *hs, const char *name, const char *value, size_t len);
int qw_dlq_headers_add_int(qw_dlq_headers_t *hs, const char *name, int64_t value);

/* The headers of e, in a fixed order (reason first), appended to hs. Returns 0, or -1 when
 * reason is missing or the list is full. */
int qw_dlq_headers_build(qw_dlq_headers_t *hs, const qw_dlq_error_t *e);

/* The header named name in hs, or NULL. */
const qw_dlq_header_t *qw_dlq_headers_get(const qw_dlq_headers_t *hs, const char *name);

/* The current name of a header the notifier wrote before this scheme ("qw_reason" ->
 * QW_DLQ_REASON, "qw_detail" -> QW_DLQ_MESSAGE, "qw_channel", "qw_attempts"), or NULL. */
const char *qw_dlq_legacy_name(const char *name);

#endif
