/* Outbox entries: what the batch script appends to qw:ev:{p<N>}:outbox and the relay publishes
 * to qw.decisions.v1. An entry is exactly the packed Decision protobuf (the Kafka value), so
 * the relay publishes the stored bytes unchanged; the CloudEvents headers and the key are
 * derived from the decoded message. */
#ifndef QW_OUTBOX_H
#define QW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/v1/decision.pb-c.h"

#define QW_CE_SOURCE       "/quotawatch/evaluator"
#define QW_CE_SPECVERSION  "1.0"
#define QW_CE_CONTENT_TYPE "application/protobuf"

/* The CloudEvents binary-mode attributes and the Kafka key of one outbox entry. */
typedef struct qw_ce_s {
    Quotawatch__V1__Decision *msg; /* decoded; the strings below point into it */
    const char *id;
    const char *type;
    const char *subject; /* the rep id, or "team:<id>" for a team decision */
    char subject_buf[QW_ID_MAX + 8];
    char time[25]; /* RFC 3339, UTC, milliseconds */
} qw_ce_t;

/* A dead letter rides in the outbox too, so it is written in the same atomic step as the batch
 * that refused the credit: an entry starting with QW_DLQ_MARK (never the first byte of a
 * protobuf: wire type 7 does not exist) followed by length-prefixed fields. The relay publishes
 * it to qw.dlq.v1 with the original key and bytes and qw.error.* / qw.source.* headers. */
#define QW_DLQ_MARK 0xFF

typedef struct qw_dlq_s {
    const char *reason, *message, *topic;
    int32_t partition;
    int64_t offset;
    const void *key, *value;
    size_t reason_len, message_len, topic_len, key_len, value_len;
} qw_dlq_t;

/* Encode into buf; returns the size, or 0 when cap is too small. */
size_t qw_dlq_encode(const qw_dlq_t *d, uint8_t *buf, size_t cap);
/* Decode (fields point into buf); QW_ERR when malformed. */
int qw_dlq_decode(qw_dlq_t *d, const uint8_t *buf, size_t len);
static inline int qw_outbox_is_dlq(const uint8_t *buf, size_t len)
{
    return len > 0 && buf[0] == QW_DLQ_MARK;
}

/* Decode an outbox entry. QW_ERR (errbuf) when it is not a Decision or has no id or type.
 * Free with qw_ce_free. The Kafka key is the subject. */
int qw_ce_decode(qw_ce_t *ce, const uint8_t *buf, size_t len, char *errbuf, size_t errlen);
void qw_ce_free(qw_ce_t *ce);

#endif
