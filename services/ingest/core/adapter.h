/* Source adapters: one raw CRM message in, zero or more DealChange patches out.
 * Pure functions: no I/O, no clock, no allocation that outlives a call.
 * Formats and semantics: docs/formats/crm-sources.md and docs/formats/canonical-json.md. */
#ifndef QW_ADAPTER_H
#define QW_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/deal.h"
#include "quotawatch/source.h"

/* Messages larger than this are rejected (too_large) before any parsing. */
#define QW_ADAPTER_MAX_BYTES (1024 * 1024)

/* Stage-map entries per configuration. */
#define QW_STAGE_MAP_MAX 256

/* Why a message went to the DLQ. The names are stable: the shell writes them into the
 * qw.error.reason header, and operators filter on them. Never renumber or rename. */
typedef enum {
    QW_AERR_NONE = 0,
    QW_AERR_NOT_JSON,         /* not_json: not a JSON document */
    QW_AERR_UNKNOWN_SHAPE,    /* unknown_shape: JSON, but not this source's message shape */
    QW_AERR_NOT_A_DEAL,       /* not_a_deal: a valid message about another object type */
    QW_AERR_NO_DEAL_ID,       /* no_deal_id: the deal id is missing or empty */
    QW_AERR_ID_TOO_LONG,      /* id_too_long: an id longer than QW_ID_MAX - 1 with its prefix */
    QW_AERR_BAD_AMOUNT,       /* bad_amount: not a number, too precise or too large */
    QW_AERR_NEGATIVE_AMOUNT,  /* negative_amount */
    QW_AERR_UNKNOWN_CURRENCY, /* unknown_currency: not an ISO 4217 code, or none to assume */
    QW_AERR_BAD_SPLITS,       /* bad_splits: splits that do not sum to 100%, or malformed */
    QW_AERR_TOO_LARGE,        /* too_large: message over QW_ADAPTER_MAX_BYTES */
    QW_AERR_BAD_DATE,         /* bad_date: a date or timestamp that does not parse */
    QW_AERR_BAD_FIELD,        /* bad_field: a known field with an unusable type or value */
    QW_AERR_BAD_VERSION,      /* bad_version: no usable version (ordering) information */
    QW_AERR_SINK,             /* sink_failed: the emit callback refused a patch */
    QW_AERR_BAD_ID,           /* bad_id: an id that is not printable UTF-8 (qw_id_valid) */
} qw_adapter_reason_t;
#define QW_AERR_COUNT 16

const char *qw_adapter_reason_name(qw_adapter_reason_t r);

/* Detail of a rejected message. index is the position of the offending event inside a
 * multi-event message (HubSpot array, canonical array), or -1. */
typedef struct qw_adapter_err_s {
    qw_adapter_reason_t reason;
    int index;
    char errstr[QW_ERRSTR_MAX];
} qw_adapter_err_t;

/* Stage -> status mapping and per-source defaults. Built-in vendor defaults are loaded by
 * qw_adapter_cfg_init; qw_stage_map_load adds or overrides entries (format in
 * docs/formats/crm-sources.md: "<source> <pipeline|*> <stage>=<open|won|lost>" and
 * "currency <source> <CODE>"). Later entries win over earlier ones. */
typedef struct qw_stage_rule_s {
    uint8_t source;              /* qw_source_t */
    uint8_t status;              /* qw_deal_status_t */
    char pipeline[QW_STAGE_MAX]; /* "*" = any pipeline */
    char stage[QW_STAGE_MAX];
} qw_stage_rule_t;

typedef struct qw_adapter_cfg_s {
    int nrules;
    qw_stage_rule_t rules[QW_STAGE_MAP_MAX];
    /* Currency assumed when a source sends an amount without one (a single-currency org,
     * or a HubSpot amount event); "" = none, such amounts are unknown_currency. */
    char default_currency[QW_SRC_COUNT][4];
} qw_adapter_cfg_t;

/* Vendor defaults: Salesforce "Closed Won"/"Closed Lost", HubSpot closedwon/closedlost,
 * no default currency except USD for Salesforce/HubSpot/Pipedrive amounts without one. */
void qw_adapter_cfg_init(qw_adapter_cfg_t *cfg);

/* Parse stage-map text (len bytes). Returns QW_OK, or QW_ERR with "line N: ..." in errbuf
 * (the configuration is left as far as it got; callers discard it on error). */
int qw_stage_map_load(qw_adapter_cfg_t *cfg, const char *text, size_t len, char *errbuf,
                      size_t errlen);

/* Status for a stage: the last rule for (source, pipeline, stage), then (source, *, stage);
 * when pipeline is NULL (unknown) any rule of the source for that stage. Returns
 * QW_DEAL_UNSPECIFIED when no rule matches. */
qw_deal_status_t qw_stage_map_lookup(const qw_adapter_cfg_t *cfg, qw_source_t src,
                                     const char *pipeline, const char *stage);

/* Receives each patch. The patch is only valid during the call. Return QW_OK, or QW_ERR to
 * stop (the parse then fails with QW_AERR_SINK). */
typedef int (*qw_adapter_sink_fn)(void *opaque, const qw_deal_change_t *dc);

/* Parse one raw message of a source and emit its patches.
 * All or nothing: every event of the message is validated before the first emit, so a bad
 * event rejects the whole message (to the DLQ, with err->index naming the event) and a good
 * message is emitted completely; replaying either gives the same result.
 * Returns the number of patches emitted (>= 0), or QW_ERR with err filled in. */
int qw_adapter_parse(const qw_adapter_cfg_t *cfg, qw_source_t src, const char *buf, size_t len,
                     qw_adapter_sink_fn emit, void *opaque, qw_adapter_err_t *err);

#endif
