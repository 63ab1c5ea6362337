/* What the gateway reads in a body it lets through (pure): that it is JSON of the source's
 * top-level shape, and the record key that keeps one deal's requests in one partition, in the
 * order they arrived — the order the CRM sent them in, as far as the CRM keeps one. */
#ifndef QW_GW_BODY_H
#define QW_GW_BODY_H

#include <stddef.h>

#include "gw_verify.h"

#define QW_GW_KEY_MAX 128

/* QW_GW_OK or QW_GW_BAD_SHAPE: HubSpot an array of events, Pipedrive an object, canonical an
 * object or a non-empty array of them (the adapters judge the rest). key (QW_GW_KEY_MAX
 * bytes, may be NULL) gets the deal id — HubSpot: the first event's objectId; Pipedrive:
 * the deal id as qw-ingest's adapter finds it (meta.entity_id, data/current.id, ...); canonical:
 * deal_id (of the first change) — or "" when there is none or it is not 1..127 printable ASCII
 * bytes (then any partition will do: the key only places the record, qw-ingest reads every id from
 * the body). */
qw_gw_verdict_t qw_gw_body_inspect(qw_gw_source_t src, const char *body, size_t body_len,
                                   char *key);

#endif
