/* The ingest half of `simulate`: canonical deal-change JSON lines through the real adapter and
 * deal ledger (services/ingest), in memory, out as packed CreditEntry protobufs -- the bytes
 * qw-ingest would publish. Kept apart from the engine half because ledger.h and engine.h each
 * define their own credit-kind type. */
#ifndef QW_SIMULATE_FEED_H
#define QW_SIMULATE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/rates.h"

typedef struct qw_sim_feed_s qw_sim_feed_t;

/* Receives each credit entry: its rep (the Kafka key) and the packed CreditEntry. */
typedef int (*qw_sim_credit_fn)(void *opaque, const char *rep_id, const uint8_t *pb, size_t len);

qw_sim_feed_t *qw_sim_feed_new(const qw_rates_t *rates);
void qw_sim_feed_free(qw_sim_feed_t *f);

/* Parse one line (one change or an array of them); *event_ms gets the latest event time of
 * its patches. QW_ERR with errbuf (the DLQ reason) for an unusable line. */
int qw_sim_feed_parse(qw_sim_feed_t *f, const char *line, size_t len, int64_t *event_ms,
                      char *errbuf, size_t errlen);

/* Apply the parsed patches to the deal ledger and emit the credit entries they imply. Returns
 * the number of entries, or QW_ERR (errbuf) when the ledger refused a patch. */
int qw_sim_feed_apply(qw_sim_feed_t *f, qw_sim_credit_fn fn, void *opaque, char *errbuf,
                      size_t errlen);

#endif
