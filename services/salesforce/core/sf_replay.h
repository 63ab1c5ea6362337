/* Replay ids: the header every produced record carries (qw.salesforce.replay_id, decimal
 * text) and where a subscription starts from. */
#ifndef QW_SF_REPLAY_H
#define QW_SF_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define QW_SF_HDR_REPLAY_ID   "qw.salesforce.replay_id"
#define QW_SF_HDR_RECEIVED_MS "qw.salesforce.received_ms"
#define QW_SF_HDR_CHANNEL     "qw.salesforce.channel"
#define QW_SF_HDR_RESYNC      "qw.resync.of" /* a snapshot: what it repairs */

typedef enum { QW_SF_FROM_EARLIEST, QW_SF_FROM_LATEST } qw_sf_from_t;

/* "earliest" / "latest"; QW_OK or QW_ERR. */
int qw_sf_from_parse(const char *s, qw_sf_from_t *out);
/* -2 (every retained event) for earliest, -1 (new events only) for latest. */
int64_t qw_sf_from_replay(qw_sf_from_t f);

/* A header value: decimal digits only, 1..18 of them. QW_OK or QW_ERR. */
int qw_sf_replay_parse(const void *v, size_t len, int64_t *id);

/* Where to subscribe from: the last committed replay id when there is one (Salesforce sends
 * what follows it), else the initial position. */
int64_t qw_sf_replay_start(int have_last, int64_t last, qw_sf_from_t initial);

#endif
