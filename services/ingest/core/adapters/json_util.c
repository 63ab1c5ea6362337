/* JSON field readers for the adapters: tolerant of the types vendors really send (ids as
 * numbers or strings, amounts as numbers or decimal strings), strict about values. */
#include "adapters/adapt.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/id.h"
#include "quotawatch/money.h"

int qw_actx_fail(qw_actx_t *a, qw_adapter_reason_t r, const char *fmt, ...)
{
    a->err->reason = r;
    a->err->index = a->index;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err->errstr, sizeof(a->err->errstr), fmt, ap);
    va_end(ap);
    return QW_ERR;
}

int qw_actx_put(qw_actx_t *a, const qw_deal_change_t *dc)
{
    a->count++;
    if (a->pass == 0) {
        if (a->count == 1) a->first = *dc;
        return QW_OK;
    }
    if (a->emit(a->opaque, dc) != QW_OK)
        return qw_actx_fail(a, QW_AERR_SINK, "the sink refused patch %d", a->count);
    return QW_OK;
}

void qw_dc_init(qw_deal_change_t *dc, qw_source_t src)
{
    /* Only the scalar head is cleared: string arrays are NUL-terminated where present. */
    dc->source[0] = '\0';
    snprintf(dc->source, sizeof(dc->source), "%s", qw_source_name(src));
    dc->deal_id[0] = '\0';
    dc->version = 0;
    dc->event_time_ms = 0;
    dc->present = 0;
    dc->status = QW_DEAL_UNSPECIFIED;
    dc->amount_minor = 0;
    dc->currency[0] = '\0';
    dc->owner_id[0] = '\0';
    dc->close_date = QW_DATE_NONE;
    dc->nsplits = 0;
    dc->discount_bp = 0;
    dc->stage[0] = '\0';
    dc->pipeline[0] = '\0';
    dc->flags = 0;
}

json_t *qw_j_get(const json_t *obj, const char *key)
{
    if (!json_is_object(obj)) return NULL;
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

int qw_j_str(const json_t *v, const char **s, size_t *len)
{
    if (!json_is_string(v)) return -1;
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (memchr(*s, '\0', *len)) return -1; /* JSON_ALLOW_NUL lets "\u0000" through */
    return 0;
}

static int digits_to_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len && (s[0] == '-' || s[0] == '+')) neg = s[i++] == '-';
    if (i == len || len - i > 18) return -1;
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

int qw_j_i64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > -9007199254740992.0 && d < 9007199254740992.0) || d != (double)(int64_t)d)
            return -1;
        *out = (int64_t)d;
        return 0;
    }
    const char *s;
    size_t len;
    if (qw_j_str(v, &s, &len) == 0) return digits_to_i64(s, len, out);
    return -1;
}

int qw_j_bool(const json_t *v, int *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    const char *s;
    size_t len;
    if (qw_j_str(v, &s, &len) == 0) {
        if (len == 4 && strncasecmp(s, "true", 4) == 0) return *out = 1, 0;
        if (len == 5 && strncasecmp(s, "false", 5) == 0) return *out = 0, 0;
    }
    return -1;
}

/* The text of a string or integer id; 1 = missing/empty/wrong type, 0 = ok. */
static int id_text(const json_t *v, char *buf, size_t buflen, const char **s, size_t *len)
{
    int64_t n;
    if (json_is_string(v)) {
        if (qw_j_str(v, s, len) != 0 || *len == 0) return 1;
        return 0;
    }
    if ((json_is_integer(v) || json_is_real(v)) && qw_j_i64(v, &n) == 0) {
        *len = (size_t)snprintf(buf, buflen, "%" PRId64, n);
        *s = buf;
        return 0;
    }
    return 1;
}

int qw_adapt_deal_id(qw_actx_t *a, qw_deal_change_t *dc, const char *prefix, const json_t *v)
{
    char num[24];
    const char *s;
    size_t len;
    if (id_text(v, num, sizeof(num), &s, &len) != 0)
        return qw_actx_fail(a, QW_AERR_NO_DEAL_ID, "no deal id");
    size_t plen = strlen(prefix);
    if (plen + len >= sizeof(dc->deal_id))
        return qw_actx_fail(a, QW_AERR_ID_TOO_LONG, "deal id of %zu bytes", len);
    char why[96];
    if (qw_id_valid(s, len, why, sizeof(why)) != QW_OK)
        return qw_actx_fail(a, QW_AERR_BAD_ID, "deal id: %s", why);
    memcpy(dc->deal_id, prefix, plen);
    memcpy(dc->deal_id + plen, s, len);
    dc->deal_id[plen + len] = '\0';
    return QW_OK;
}

int qw_adapt_id(qw_actx_t *a, const json_t *v, char *out, size_t outlen, const char *what)
{
    char num[24];
    const char *s;
    size_t len;
    if (!v) return out[0] = '\0', QW_OK;
    if (json_is_string(v) && json_string_length(v) == 0) return out[0] = '\0', QW_OK;
    if (id_text(v, num, sizeof(num), &s, &len) != 0)
        return qw_actx_fail(a, QW_AERR_BAD_FIELD, "%s is not a string or integer id", what);
    if (qw_strlcpy_checked(out, outlen, s, len) != QW_OK)
        return qw_actx_fail(a, QW_AERR_ID_TOO_LONG, "%s of %zu bytes", what, len);
    /* Ids become Redis keys, decision ids and header values downstream: refuse syntax here. */
    char why[96];
    if (qw_id_valid(s, len, why, sizeof(why)) != QW_OK) {
        out[0] = '\0';
        return qw_actx_fail(a, QW_AERR_BAD_ID, "%s: %s", what, why);
    }
    return QW_OK;
}

int qw_adapt_currency(qw_actx_t *a, const json_t *v, char out[4])
{
    const char *s;
    size_t len;
    if (qw_j_str(v, &s, &len) != 0 || len != 3)
        return qw_actx_fail(a, QW_AERR_UNKNOWN_CURRENCY, "currency is not a 3-letter code");
    char c[4];
    for (int i = 0; i < 3; i++)
        c[i] = (char)toupper((unsigned char)s[i]);
    c[3] = '\0';
    if (qw_money_exponent(c) < 0)
        return qw_actx_fail(a, QW_AERR_UNKNOWN_CURRENCY, "unknown currency \"%s\"", c);
    memcpy(out, c, 4);
    return QW_OK;
}

int qw_adapt_amount(qw_actx_t *a, const json_t *v, const char *currency, int64_t *minor)
{
    int exp = qw_money_exponent(currency);
    if (exp < 0) return qw_actx_fail(a, QW_AERR_UNKNOWN_CURRENCY, "no currency for the amount");
    int rc;
    const char *s;
    size_t len;
    if (!v) {
        *minor = 0; /* a cleared amount */
        return QW_OK;
    } else if (json_is_integer(v)) {
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)json_integer_value(v));
        rc = qw_money_parse_decimal(buf, (size_t)n, exp, minor);
    } else if (json_is_real(v)) {
        rc = qw_money_from_double(json_real_value(v), exp, minor);
    } else if (qw_j_str(v, &s, &len) == 0) {
        while (len && isspace((unsigned char)*s))
            s++, len--;
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len == 0) {
            *minor = 0;
            return QW_OK;
        }
        rc = qw_money_parse_decimal(s, len, exp, minor);
    } else {
        return qw_actx_fail(a, QW_AERR_BAD_AMOUNT, "amount is neither a number nor a string");
    }
    if (rc != 0) return qw_actx_fail(a, QW_AERR_BAD_AMOUNT, "amount is not a %s amount", currency);
    if (*minor < 0) return qw_actx_fail(a, QW_AERR_NEGATIVE_AMOUNT, "negative amount");
    return QW_OK;
}

int qw_adapt_set_amount(qw_actx_t *a, qw_deal_change_t *dc, qw_source_t src, const json_t *amount,
                        const json_t *cur)
{
    if (cur) {
        if (qw_adapt_currency(a, cur, dc->currency) != QW_OK) return QW_ERR;
        dc->present |= QW_DC_CURRENCY;
    } else if (!(dc->present & QW_DC_CURRENCY)) {
        const char *d = a->cfg->default_currency[src];
        if (!d[0])
            return qw_actx_fail(a, QW_AERR_UNKNOWN_CURRENCY,
                                "amount without currency and no default currency for %s",
                                qw_source_name(src));
        memcpy(dc->currency, d, 4);
    }
    if (qw_adapt_amount(a, amount, dc->currency, &dc->amount_minor) != QW_OK) return QW_ERR;
    dc->present |= QW_DC_AMOUNT;
    return QW_OK;
}

static int all_digits(const char *s, size_t len)
{
    if (!len) return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

qw_int_date_kind_t qw_int_date_kind(int64_t n)
{
    /* Three ranges with decades between them: no value fits two readings. Days reach 2243,
     * seconds and ms cover 2001-09-09 .. 2286-11-20; anything between is refused. */
    if (n > -QW_DATE_DAYS_LIMIT && n < QW_DATE_DAYS_LIMIT) return QW_INT_DATE_DAYS;
    if (n >= 1000000000LL && n < 10000000000LL) return QW_INT_DATE_SECONDS;
    if (n >= 1000000000000LL && n < 10000000000000LL) return QW_INT_DATE_MS;
    return QW_INT_DATE_AMBIGUOUS;
}

static int int_date(qw_actx_t *a, int64_t n, int32_t *days)
{
    switch (qw_int_date_kind(n)) {
    case QW_INT_DATE_DAYS:
        *days = (int32_t)n;
        return QW_OK;
    case QW_INT_DATE_SECONDS:
        *days = qw_date_from_ms(n * 1000);
        return QW_OK;
    case QW_INT_DATE_MS:
        *days = qw_date_from_ms(n);
        return QW_OK;
    default:
        return qw_actx_fail(a, QW_AERR_BAD_DATE,
                            "ambiguous integer date %lld: day counts are below 100000, epoch "
                            "seconds 1e9..1e10, epoch ms 1e12..1e13",
                            (long long)n);
    }
}

int qw_adapt_date(qw_actx_t *a, const json_t *v, int32_t *days)
{
    const char *s;
    size_t len;
    int64_t n;
    if (!v) {
        *days = QW_DATE_NONE;
        return QW_OK;
    }
    if (qw_j_str(v, &s, &len) == 0) {
        if (len == 0) {
            *days = QW_DATE_NONE;
            return QW_OK;
        }
        /* A digit string is an integer date (HubSpot sends ms as text). */
        if (all_digits(s, len)) {
            if (len > 16 || digits_to_i64(s, len, &n) != 0)
                return qw_actx_fail(a, QW_AERR_BAD_DATE, "date out of range");
            return int_date(a, n, days);
        }
        if (len > 10) {
            int64_t ms;
            if (qw_time_parse_iso8601(s, len, &ms) == 0) {
                *days = qw_date_from_ms(ms);
                return QW_OK;
            }
        }
        if (qw_date_parse(s, len, days) == 0) return QW_OK;
        return qw_actx_fail(a, QW_AERR_BAD_DATE, "not a date: \"%.*s\"", (int)(len > 40 ? 40 : len),
                            s);
    }
    if (qw_j_i64(v, &n) == 0) return int_date(a, n, days);
    return qw_actx_fail(a, QW_AERR_BAD_DATE, "date is neither a string nor an integer");
}

int qw_adapt_time_ms(qw_actx_t *a, const json_t *v, int64_t *ms)
{
    const char *s;
    size_t len;
    if (qw_j_i64(v, ms) != 0 &&
        (qw_j_str(v, &s, &len) != 0 || qw_time_parse_iso8601(s, len, ms) != 0))
        return qw_actx_fail(a, QW_AERR_BAD_DATE, "not a timestamp");
    /* One range for both spellings, so callers can scale a time without overflow. */
    if (*ms < 0 || *ms > 100000000000000LL)
        return qw_actx_fail(a, QW_AERR_BAD_DATE, "timestamp out of range");
    return QW_OK;
}

int qw_adapt_text(qw_actx_t *a, const json_t *v, char *out, size_t outlen, const char *what)
{
    return qw_adapt_id(a, v, out, outlen, what) == QW_OK
               ? QW_OK
               : (a->err->reason = QW_AERR_BAD_FIELD, QW_ERR);
}
