/* The one codec of CreditEntry (qw.credits.v1): qw_credit_t <-> protobuf. */
#ifndef QW_CREDIT_ENTRY_H
#define QW_CREDIT_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/credit.h"
#include "quotawatch/v1/credit_entry.pb-c.h"

/* The message and the little it needs beside the credit: its strings point into the credit,
 * so the credit must outlive the message. No allocation. */
typedef struct qw_credit_entry_pb_s {
    Quotawatch__V1__CreditEntry msg;
    Quotawatch__V1__Money original;
    char close_date[25]; /* "YYYY-MM-DD", or the close instant in RFC 3339 */
    char won_date[11];
} qw_credit_entry_pb_t;

/* close_date goes out as the civil date; as the instant only when there is no date but an
 * instant (close_time_ms). */
void qw_credit_entry_fill(qw_credit_entry_pb_t *pb, const qw_credit_t *c);

/* Serialise a credit; returns the length, or 0 when cap is too small. */
size_t qw_credit_entry_pack(const qw_credit_t *c, uint8_t *buf, size_t cap);

/* A CreditEntry from a topic (anyone who can produce to it writes one) into c. Ids keep the id
 * rule ("" = none: the caller decides whether the rep may be missing); strings that do not fit
 * are errors, never truncated; dates must parse. An unknown reason is QW_REASON_NONE (no rule
 * reads it). Returns QW_OK, or QW_ERR with the field in errbuf. */
int qw_credit_entry_from_pb(const Quotawatch__V1__CreditEntry *m, qw_credit_t *c, char *errbuf,
                            size_t errlen);

/* The same from the record's bytes. */
int qw_credit_entry_unpack(const uint8_t *buf, size_t len, qw_credit_t *c, char *errbuf,
                           size_t errlen);

#endif
