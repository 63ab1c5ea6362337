/* A credit entry: the one C form of CreditEntry (proto/quotawatch/v1/credit_entry.proto), which
 * the ingest ledger writes and the evaluator's engine reads. The codec is credit_entry.h. */
#ifndef QW_CREDIT_H
#define QW_CREDIT_H

#include <stdint.h>

#include "quotawatch/common.h"

/* Mirrors the protobuf CreditKind. */
typedef enum {
    QW_CREDIT_KIND_UNSPECIFIED = 0,
    QW_CREDIT_KIND_CREDIT = 1,     /* the deal became credited (won) */
    QW_CREDIT_KIND_CLAWBACK = 2,   /* the deal stopped being credited (reopened, lost, ...) */
    QW_CREDIT_KIND_ADJUSTMENT = 3, /* a credited deal changed (amount, owner, split, date) */
} qw_credit_kind_t;

/* Why the ledger emitted an entry; the wire carries the name (qw_credit_reason_name). */
typedef enum {
    QW_REASON_NONE = 0,
    QW_REASON_WON,
    QW_REASON_REOPENED,
    QW_REASON_LOST,
    QW_REASON_DELETED,
    QW_REASON_UNASSIGNED, /* still won, but no rep to credit any more */
    QW_REASON_AMOUNT_CHANGED,
    QW_REASON_CURRENCY_CHANGED,
    QW_REASON_OWNER_CHANGED,
    QW_REASON_SPLIT_CHANGED,
    QW_REASON_CLOSE_DATE_MOVED,
    QW_REASON_COUNT_
} qw_credit_reason_t;

/* "<deal>:<version>:<rep>[:<YYYY-MM-DD>][:s<k>|:f<mask>]", NUL included. */
#define QW_CREDIT_ID_MAX (2 * QW_ID_MAX + 64)
/* The longest reason text a decoder accepts, NUL included. */
#define QW_CREDIT_REASON_MAX 32

/* "no instant" (epoch milliseconds). */
#define QW_TIME_NONE INT64_MIN

/* One signed change to one rep's credit. Plain and fixed-size. */
typedef struct qw_credit_s {
    char id[QW_CREDIT_ID_MAX];
    char deal_id[QW_ID_MAX];
    int64_t deal_version;
    char rep_id[QW_ID_MAX];
    qw_credit_kind_t kind;
    qw_credit_reason_t reason; /* QW_REASON_NONE also for a reason this build does not know */
    int64_t amount_minor;      /* signed, in `currency` (normally the base currency) */
    char currency[4];
    int64_t original_minor; /* signed, deal currency */
    char original_currency[4];
    int32_t close_date;    /* local civil date of the close; selects the period; or QW_DATE_NONE */
    int64_t close_time_ms; /* QW_TIME_NONE, or the close instant: then its local date is used */
    int32_t won_date;      /* clawbacks: close date of the won state reversed, or QW_DATE_NONE */
    int64_t event_time_ms; /* when the change happened (reversal window) */
    int32_t discount_bp;
} qw_credit_t;

const char *qw_credit_reason_name(qw_credit_reason_t r); /* "won", "reopened", ...; "" */
/* The reason named name ("" is QW_REASON_NONE); QW_ERR when it is not known. */
int qw_credit_reason_parse(const char *name, qw_credit_reason_t *out);
const char *qw_credit_kind_name(qw_credit_kind_t k); /* "credit", "clawback", ...; "" */

#endif
