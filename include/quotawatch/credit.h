/* What a credit entry is, shared by the ledger that writes them and the engine that reads them
 * (the wire form is CreditEntry in proto/quotawatch/v1/credit_entry.proto). */
#ifndef QW_CREDIT_H
#define QW_CREDIT_H

#include "quotawatch/common.h"

/* Mirrors the protobuf CreditKind. */
typedef enum {
    QW_CREDIT_KIND_UNSPECIFIED = 0,
    QW_CREDIT_KIND_CREDIT = 1,     /* the deal became credited (won) */
    QW_CREDIT_KIND_CLAWBACK = 2,   /* the deal stopped being credited (reopened, lost, ...) */
    QW_CREDIT_KIND_ADJUSTMENT = 3, /* a credited deal changed (amount, owner, split, date) */
} qw_credit_kind_t;

/* "<deal>:<version>:<rep>[:<YYYY-MM-DD>][:s<k>|:f<mask>]", NUL included. */
#define QW_CREDIT_ID_MAX (2 * QW_ID_MAX + 64)

#endif
