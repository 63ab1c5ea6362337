/* qw_credit_t -> the CreditEntry protobuf of qw.credits.v1, for the ingest shell. */
#ifndef QW_CREDIT_PB_H
#define QW_CREDIT_PB_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "quotawatch/v1/credit_entry.pb-c.h"

/* The message and the little it needs beside the credit: its strings point into the credit,
 * so the credit must outlive the message. No allocation. */
typedef struct qw_credit_pb_s {
    Quotawatch__V1__CreditEntry msg;
    Quotawatch__V1__Money original;
    char close_date[11];
    char won_date[11];
} qw_credit_pb_t;

void qw_credit_pb_fill(qw_credit_pb_t *pb, const qw_credit_t *c);

/* Serialise a credit; returns the length, or 0 when cap is too small. */
size_t qw_credit_pb_pack(const qw_credit_t *c, uint8_t *buf, size_t cap);

#endif
