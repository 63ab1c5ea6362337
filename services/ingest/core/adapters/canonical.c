/* The project's canonical deal-change JSON (docs/formats/canonical-json.md): one object per
 * change, or an array of them (all or nothing). Money as exact decimal strings (numbers are
 * accepted), splits in percent that must sum to 100. */
#include "adapters/adapt.h"

#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/money.h"

/* A percentage (string or number, at most 2 decimals) as basis points. */
static int percent_bp(const json_t *v, int64_t *bp)
{
    const char *s;
    size_t len;
    if (json_is_integer(v) || json_is_real(v))
        return qw_money_from_double(json_number_value(v), 2, bp);
    if (qw_j_str(v, &s, &len) == 0) return qw_money_parse_decimal(s, len, 2, bp);
    return -1;
}

static int splits(qw_actx_t *a, const json_t *arr, qw_deal_change_t *dc)
{
    if (!json_is_array(arr)) return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "splits is not an array");
    size_t n = json_array_size(arr);
    if (n > QW_SPLITS_MAX)
        return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "%zu splits, at most %d", n, QW_SPLITS_MAX);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *sp = json_array_get(arr, i);
        qw_split_t *out = &dc->splits[i];
        const json_t *rep = qw_j_get(sp, "rep_id");
        int idrc = rep ? qw_adapt_id(a, rep, out->rep_id, sizeof(out->rep_id), "rep_id") : QW_ERR;
        if (idrc != QW_OK && rep && a->err->reason == QW_AERR_BAD_ID) return QW_ERR;
        if (idrc != QW_OK || !out->rep_id[0])
            return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "split %zu has no rep_id", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(dc->splits[j].rep_id, out->rep_id) == 0)
                return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "rep %s split twice", out->rep_id);
        int64_t bp;
        const json_t *p = qw_j_get(sp, "percent");
        const json_t *b = qw_j_get(sp, "basis_points");
        if (p ? percent_bp(p, &bp) != 0 : (!b || qw_j_i64(b, &bp) != 0))
            return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "split %zu: no usable percent", i);
        if (bp <= 0 || bp > 10000)
            return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "split %zu: percent out of (0, 100]", i);
        out->basis_points = (int32_t)bp;
        sum += bp;
    }
    if (n && sum != 10000)
        return qw_actx_fail(a, QW_AERR_BAD_SPLITS, "splits sum to %lld.%02lld%%, not 100%%",
                            (long long)(sum / 100), (long long)(sum % 100));
    dc->nsplits = (int)n;
    dc->present |= QW_DC_SPLITS;
    return QW_OK;
}

static int status_of(const char *s, qw_deal_status_t *st)
{
    static const char *const names[] = {"open", "won", "lost", "deleted"};
    static const qw_deal_status_t vals[] = {QW_DEAL_OPEN, QW_DEAL_WON, QW_DEAL_LOST,
                                            QW_DEAL_DELETED};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) return *st = vals[i], 0;
    return -1;
}

static int one(qw_actx_t *a, const json_t *o)
{
    if (!json_is_object(o)) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "not a JSON object");
    qw_deal_change_t dc;
    qw_dc_init(&dc, QW_SRC_CANONICAL);

    const json_t *v = qw_j_get(o, "source");
    char prefix[QW_SOURCE_MAX + 1] = "canonical:";
    if (v) {
        const char *s;
        size_t len;
        if (qw_j_str(v, &s, &len) != 0 || len == 0 || len >= QW_SOURCE_MAX)
            return qw_actx_fail(a, QW_AERR_BAD_FIELD, "source must be 1-15 characters");
        for (size_t i = 0; i < len; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
                  s[i] == '-'))
                return qw_actx_fail(a, QW_AERR_BAD_FIELD, "source must be [a-z0-9_-]");
        memcpy(prefix, s, len);
        prefix[len] = ':';
        prefix[len + 1] = '\0';
    }
    if (qw_adapt_deal_id(a, &dc, prefix, qw_j_get(o, "deal_id")) != QW_OK) return QW_ERR;

    if ((v = qw_j_get(o, "event_time")) && qw_adapt_time_ms(a, v, &dc.event_time_ms) != QW_OK)
        return QW_ERR;
    if ((v = qw_j_get(o, "version"))) {
        if (qw_j_i64(v, &dc.version) != 0 || dc.version < 0)
            return qw_actx_fail(a, QW_AERR_BAD_VERSION, "version is not a non-negative integer");
    } else if (qw_j_get(o, "event_time")) {
        dc.version = dc.event_time_ms;
    } else {
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "neither version nor event_time");
    }

    if ((v = qw_j_get(o, "stage"))) {
        if (qw_adapt_text(a, v, dc.stage, sizeof(dc.stage), "stage") != QW_OK) return QW_ERR;
        dc.present |= QW_DC_STAGE;
    }
    if ((v = qw_j_get(o, "pipeline"))) {
        if (qw_adapt_text(a, v, dc.pipeline, sizeof(dc.pipeline), "pipeline") != QW_OK)
            return QW_ERR;
        dc.present |= QW_DC_PIPELINE;
    }
    if ((v = qw_j_get(o, "status"))) {
        if (status_of(json_string_value(v), &dc.status) != 0)
            return qw_actx_fail(a, QW_AERR_BAD_FIELD, "status must be open, won, lost or deleted");
        dc.present |= QW_DC_STATUS;
    } else if (dc.stage[0]) {
        dc.status = qw_stage_map_lookup(a->cfg, QW_SRC_CANONICAL,
                                        dc.pipeline[0] ? dc.pipeline : NULL, dc.stage);
        if (dc.status != QW_DEAL_UNSPECIFIED) dc.present |= QW_DC_STATUS;
    }
    const json_t *cur = qw_j_get(o, "currency");
    if (json_object_get(o, "amount")) {
        if (qw_adapt_set_amount(a, &dc, QW_SRC_CANONICAL, qw_j_get(o, "amount"), cur) != QW_OK)
            return QW_ERR;
    } else if (cur) {
        if (qw_adapt_currency(a, cur, dc.currency) != QW_OK) return QW_ERR;
        dc.present |= QW_DC_CURRENCY;
    }
    if (json_object_get(o, "owner_id")) {
        if (qw_adapt_id(a, qw_j_get(o, "owner_id"), dc.owner_id, sizeof(dc.owner_id), "owner_id") !=
            QW_OK)
            return QW_ERR;
        dc.present |= QW_DC_OWNER;
    }
    if (json_object_get(o, "close_date")) {
        if (qw_adapt_date(a, qw_j_get(o, "close_date"), &dc.close_date) != QW_OK) return QW_ERR;
        if (dc.close_date != QW_DATE_NONE) dc.present |= QW_DC_CLOSE_DATE;
    }
    if ((v = qw_j_get(o, "splits")) && splits(a, v, &dc) != QW_OK) return QW_ERR;
    if ((v = qw_j_get(o, "discount_percent"))) {
        int64_t bp;
        if (percent_bp(v, &bp) != 0 || bp < 0 || bp > 10000)
            return qw_actx_fail(a, QW_AERR_BAD_FIELD, "discount_percent must be 0-100");
        dc.discount_bp = (int32_t)bp;
        dc.present |= QW_DC_DISCOUNT;
    }
    if (json_is_true(qw_j_get(o, "resync"))) dc.flags |= QW_DCF_GAP;
    return qw_actx_put(a, &dc);
}

int qw_adapt_canonical(qw_actx_t *a, json_t *root)
{
    if (!json_is_array(root)) return one(a, root);
    if (json_array_size(root) == 0) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "empty array");
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o)
    {
        a->index = (int)i;
        if (one(a, o) != QW_OK) return QW_ERR;
    }
    a->index = -1;
    return QW_OK;
}
