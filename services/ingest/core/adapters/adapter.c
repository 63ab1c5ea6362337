/* Entry point of the adapters: size check, one JSON parse into the arena (json_arena.c; yajl's
 * fast path, json_fast.c, or jansson for what it leaves), two-pass all-or-nothing emit. */
#include "adapters/adapt.h"

#include <string.h>

static const char *const qw_reason_names[QW_AERR_COUNT] = {
    "none",       "not_json",        "unknown_shape",    "not_a_deal", "no_deal_id", "id_too_long",
    "bad_amount", "negative_amount", "unknown_currency", "bad_splits", "too_large",  "bad_date",
    "bad_field",  "bad_version",     "sink_failed",      "bad_id",
};

const char *qw_adapter_reason_name(qw_adapter_reason_t r)
{
    return (unsigned)r < QW_AERR_COUNT ? qw_reason_names[r] : "unknown";
}

static const qw_adapt_fn qw_adapters[QW_SRC_COUNT] = {
    qw_adapt_salesforce,
    qw_adapt_hubspot,
    qw_adapt_pipedrive,
    qw_adapt_canonical,
};

static int fail(qw_adapter_err_t *err, qw_adapter_reason_t r, const char *msg)
{
    err->reason = r;
    err->index = -1;
    snprintf(err->errstr, sizeof(err->errstr), "%s", msg);
    return QW_ERR;
}

int qw_adapter_parse(const qw_adapter_cfg_t *cfg, qw_source_t src, const char *buf, size_t len,
                     qw_adapter_sink_fn emit, void *opaque, qw_adapter_err_t *err)
{
    err->reason = QW_AERR_NONE;
    err->index = -1;
    err->errstr[0] = '\0';
    if ((unsigned)src >= QW_SRC_COUNT) return fail(err, QW_AERR_UNKNOWN_SHAPE, "unknown source");
    if (len > QW_ADAPTER_MAX_BYTES) {
        fail(err, QW_AERR_TOO_LARGE, "");
        snprintf(err->errstr, sizeof(err->errstr), "message of %zu bytes exceeds %d", len,
                 QW_ADAPTER_MAX_BYTES);
        return QW_ERR;
    }
    json_error_t jerr;
    qw_json_arena_begin();
    /* ALLOW_NUL: a "\u0000" in a field we ignore must not reject the message. The fast loader
     * takes the plain messages; json_loadb the rest, and says what is wrong with them. */
    json_t *root = qw_json_fast_load(buf, len);
    if (!root) root = json_loadb(buf, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
    if (!root && json_error_code(&jerr) == json_error_numeric_overflow)
        /* An integer beyond int64 in some vendor field: keep going with doubles. */
        root =
            json_loadb(buf, len, JSON_ALLOW_NUL | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root) {
        qw_json_arena_end();
        fail(err, QW_AERR_NOT_JSON, "");
        snprintf(err->errstr, sizeof(err->errstr), "not JSON: %s at byte %d", jerr.text,
                 jerr.position);
        return QW_ERR;
    }
    qw_actx_t a;
    a.cfg = cfg;
    a.err = err;
    a.emit = emit;
    a.opaque = opaque;
    a.pass = 0;
    a.count = 0;
    a.index = -1;
    int rc = qw_adapters[src](&a, root);
    if (rc == QW_OK && a.count == 1) {
        if (emit(opaque, &a.first) != QW_OK)
            rc = fail(err, QW_AERR_SINK, "the sink refused patch 1");
    } else if (rc == QW_OK && a.count > 1) {
        int n = a.count;
        a.pass = 1;
        a.count = 0;
        a.index = -1;
        rc = qw_adapters[src](&a, root);
        if (rc == QW_OK && a.count != n) /* cannot happen: the adapters are deterministic */
            rc = fail(err, QW_AERR_SINK, "adapter emitted a different number of patches");
    }
    json_decref(root);
    qw_json_arena_end();
    return rc == QW_OK ? a.count : QW_ERR;
}
