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

/* Decode an outbox entry. QW_ERR (errbuf) when it is not a Decision or has no id or type.
 * Free with qw_ce_free. The Kafka key is the subject. */
int qw_ce_decode(qw_ce_t *ce, const uint8_t *buf, size_t len, char *errbuf, size_t errlen);
void qw_ce_free(qw_ce_t *ce);

#endif
