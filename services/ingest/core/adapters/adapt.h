/* Internals shared by the source adapters: the two-pass emit context and JSON field readers.
 * Not part of the adapter API (that is adapter.h). */
#ifndef QW_ADAPT_H
#define QW_ADAPT_H

#include <jansson.h>

#include "adapter.h"
#include "quotawatch/date.h"

/* One parse. Pass 0 validates and counts; the first patch is kept so that the common
 * single-patch message needs no second pass. Pass 1 (only for multi-patch messages) re-runs
 * the deterministic adapter and emits. Nothing is emitted unless the whole message is good. */
typedef struct qw_actx_s {
    const qw_adapter_cfg_t *cfg;
    qw_adapter_err_t *err;
    qw_adapter_sink_fn emit;
    void *opaque;
    int pass;  /* 0 = validate, 1 = emit */
    int count; /* patches produced in this pass */
    int index; /* current event inside a multi-event message, or -1 */
    qw_deal_change_t first;
} qw_actx_t;

typedef int (*qw_adapt_fn)(qw_actx_t *a, json_t *root);

int qw_adapt_salesforce(qw_actx_t *a, json_t *root);
int qw_adapt_hubspot(qw_actx_t *a, json_t *root);
int qw_adapt_pipedrive(qw_actx_t *a, json_t *root);
int qw_adapt_canonical(qw_actx_t *a, json_t *root);

/* jansson's allocations on this thread between the two come from a reusable block, and its
 * frees are free (json_arena.c); end empties the block: no tree may outlive it. */
void qw_json_arena_begin(void);
void qw_json_arena_end(void);

/* The tree json_loadb(buf, len, JSON_ALLOW_NUL | JSON_DECODE_ANY) would load, built with yajl's
 * lexer; NULL when it is not sure (then json_loadb decides, errors included). json_fast.c. */
json_t *qw_json_fast_load(const char *buf, size_t len);

/* Record the reason (and the current event index); returns QW_ERR. */
int qw_actx_fail(qw_actx_t *a, qw_adapter_reason_t r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hand over one finished patch: counted in pass 0, emitted in pass 1. */
int qw_actx_put(qw_actx_t *a, const qw_deal_change_t *dc);

/* A fresh patch of a source: nothing present, no date. */
void qw_dc_init(qw_deal_change_t *dc, qw_source_t src);

/* ---- JSON field readers. Each accepts every type a vendor is known to use for a field. */

/* obj[key] when obj is an object, else NULL. JSON null reads as NULL too. */
json_t *qw_j_get(const json_t *obj, const char *key);

/* A string's bytes (no NUL inside). Returns 0, or -1 when v is not such a string. */
int qw_j_str(const json_t *v, const char **s, size_t *len);

/* An integer from a JSON integer, an integral real (|v| < 2^53) or a decimal digit string.
 * Returns 0 or -1. */
int qw_j_i64(const json_t *v, int64_t *out);

/* A boolean from true/false or the strings "true"/"false". Returns 0 or -1. */
int qw_j_bool(const json_t *v, int *out);

/* "<prefix><id>" into dc->deal_id; the id may be a string or an integer. Fails with
 * no_deal_id, id_too_long or bad_id (qw_id_valid). */
int qw_adapt_deal_id(qw_actx_t *a, qw_deal_change_t *dc, const char *prefix, const json_t *v);

/* Copy a string or integer id (owner, rep) into out; "" for JSON null. Fails with bad_field
 * id_too_long or bad_id naming `what`. */
int qw_adapt_id(qw_actx_t *a, const json_t *v, char *out, size_t outlen, const char *what);

/* A currency code (case-insensitive, ISO 4217) into out. Fails with unknown_currency. */
int qw_adapt_currency(qw_actx_t *a, const json_t *v, char out[4]);

/* Amount (decimal string or JSON number; "" or null = 0) in minor units of `currency`.
 * Fails with bad_amount, negative_amount or unknown_currency. */
int qw_adapt_amount(qw_actx_t *a, const json_t *v, const char *currency, int64_t *minor);

/* Set amount and currency on a patch. cur may be NULL or JSON null: the source's default
 * currency is then assumed (QW_DC_CURRENCY stays unset). */
int qw_adapt_set_amount(qw_actx_t *a, qw_deal_change_t *dc, qw_source_t src, const json_t *amount,
                        const json_t *cur);

/* How a bare integer date is read, by magnitude alone (docs/formats/crm-sources.md, "Dates"):
 * |n| < 100000 days since the epoch (Kafka Connect's Date), 1e9 <= n < 1e10 epoch seconds,
 * 1e12 <= n < 1e13 epoch milliseconds; anything else fits no reading or several: refused. */
#define QW_DATE_DAYS_LIMIT 100000
typedef enum {
    QW_INT_DATE_DAYS,
    QW_INT_DATE_SECONDS,
    QW_INT_DATE_MS,
    QW_INT_DATE_AMBIGUOUS,
} qw_int_date_kind_t;
qw_int_date_kind_t qw_int_date_kind(int64_t n);

/* A civil date: "YYYY-MM-DD" or a longer ISO 8601 timestamp (its UTC date), or an integer (a
 * JSON integer or a digit string) read by qw_int_date_kind. "" or null = QW_DATE_NONE. Fails
 * with bad_date, naming the ranges for an ambiguous integer. */
int qw_adapt_date(qw_actx_t *a, const json_t *v, int32_t *days);

/* An instant: integer/digit-string epoch ms, or ISO 8601. Fails with bad_date. */
int qw_adapt_time_ms(qw_actx_t *a, const json_t *v, int64_t *ms);

/* Copy a short text (stage, pipeline) into out; string or integer; fails with bad_field. */
int qw_adapt_text(qw_actx_t *a, const json_t *v, char *out, size_t outlen, const char *what);

#endif
