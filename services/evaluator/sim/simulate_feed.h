/* The ingest half of `simulate`: raw CRM messages of any source (Salesforce CDC, HubSpot
 * webhook arrays, Pipedrive webhooks, canonical JSON) through the real adapters and deal ledger
 * (services/ingest), in memory, out as packed CreditEntry protobufs -- the bytes qw-ingest would
 * publish. Kept apart from the engine half because ledger.h and engine.h each define their own
 * credit-kind type. */
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

/* QW_OK when `name` is a source adapter's name (salesforce, hubspot, pipedrive, canonical). */
int qw_sim_feed_source_ok(const char *name);

/* Stage-map text over the vendor defaults, as qw-ingest --stage-map. QW_ERR with errbuf. */
int qw_sim_feed_stage_map(qw_sim_feed_t *f, const char *text, size_t len, char *errbuf,
                          size_t errlen);

/* Parse one message of `source` (a line of the file); *event_ms gets the latest event time of
 * its patches (INT64_MIN when none has one). QW_ERR with errbuf (the DLQ reason) for an
 * unusable message. */
int qw_sim_feed_parse(qw_sim_feed_t *f, const char *source, const char *line, size_t len,
                      int64_t *event_ms, char *errbuf, size_t errlen);

/* Apply the parsed patches to the deal ledger and emit the credit entries they imply. Returns
 * the number of entries, or QW_ERR (errbuf) when the ledger refused a patch. */
int qw_sim_feed_apply(qw_sim_feed_t *f, qw_sim_credit_fn fn, void *opaque, char *errbuf,
                      size_t errlen);

#endif
