#include "render.h"

#include "quotawatch/audience.h"

#include "quotawatch/common.h"
#include "quotawatch/money.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

char *qw_render_percent_bp(int64_t bp, char *out, size_t outlen)
{
    /* Tenths of a percent, rounded half away from zero: 10425 bp -> 104.3%. */
    int neg = bp < 0;
    uint64_t a = neg ? (uint64_t)0 - (uint64_t)bp : (uint64_t)bp;
    uint64_t tenths = (a + 5) / 10;
    snprintf(out, outlen, "%s%" PRIu64 ".%" PRIu64 "%%", neg && tenths ? "-" : "", tenths / 10,
             tenths % 10);
    return out;
}

char *qw_render_money(int64_t minor, const char *currency, char *out, size_t outlen)
{
    int exp = qw_money_exponent(currency);
    char num[48];
    if (exp < 0) {
        /* An unknown currency is shown as what it is rather than guessed at. */
        snprintf(out, outlen, "%" PRId64 " (minor units) %s", minor, currency ? currency : "");
        return out;
    }
    qw_money_format(minor, exp, num, sizeof(num));
    snprintf(out, outlen, "%s %s", num, currency);
    return out;
}

char *qw_render_rfc3339(int64_t ms, char *out, size_t outlen)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)s * 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    /* The result is used so that GCC -O3 does not flag the (impossible for real years) cut. */
    int n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    if (n < 0 && outlen) out[0] = '\0';
    return out;
}

static void type_label(const char *type, char *out, size_t outlen)
{
    const char *dot = strchr(type, '.');
    const char *s = dot ? dot + 1 : type;
    size_t i = 0;
    for (; s[i] && i + 1 < outlen; i++)
        out[i] = s[i] == '_' ? ' ' : s[i];
    out[i] = '\0';
    if (i) out[0] = (char)toupper((unsigned char)out[0]);
}

void qw_render_ctx_init(qw_render_ctx_t *ctx, const Quotawatch__V1__Decision *d,
                        const qw_rep_profile_t *rep, const char *audience, const char *channel)
{
    ctx->d = d;
    ctx->rep = rep;
    ctx->audience = audience ? audience : "";
    ctx->channel = channel ? channel : "";
    qw_render_percent_bp(d->attainment_bp, ctx->attainment, sizeof(ctx->attainment));
    qw_render_money(d->credited_minor, d->currency, ctx->credited, sizeof(ctx->credited));
    qw_render_money(d->quota_minor, d->currency, ctx->quota, sizeof(ctx->quota));
    qw_render_rfc3339(d->time_ms, ctx->time, sizeof(ctx->time));
    type_label(d->type, ctx->type_label, sizeof(ctx->type_label));
}

/* ---- values ---- */

typedef enum { VAL_STR, VAL_INT, VAL_LIST } val_kind_t;

typedef struct {
    val_kind_t kind;
    const char *s;
    int64_t i;
    size_t n; /* list length */
} val_t;

/* The scope of a render: the context, plus the current evidence item inside a loop. */
typedef struct {
    const qw_render_ctx_t *ctx;
    const Quotawatch__V1__Evidence *ev;
    size_t ev_index, ev_count;
    qw_esc_t target;
    qw_buf_t *out;
    char *errbuf;
    size_t errlen;
    int depth;
} scope_t;

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int name_is(const char *name, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(name, lit, n) == 0;
}

static int lookup(const scope_t *sc, const char *name, size_t n, val_t *v)
{
    const Quotawatch__V1__Decision *d = sc->ctx->d;
    const qw_rep_profile_t *rep = sc->ctx->rep;
    v->kind = VAL_STR;
    v->s = NULL;
    v->i = 0;
    if (sc->ev) {
        if (name_is(name, n, "key")) return v->s = nz(sc->ev->key), 0;
        if (name_is(name, n, "text")) return v->s = nz(sc->ev->text), 0;
        if (name_is(name, n, "value")) return v->kind = VAL_INT, v->i = sc->ev->value, 0;
        if (name_is(name, n, "display")) {
            if (sc->ev->text && *sc->ev->text) return v->s = sc->ev->text, 0;
            return v->kind = VAL_INT, v->i = sc->ev->value, 0;
        }
        if (name_is(name, n, "first")) return v->kind = VAL_INT, v->i = sc->ev_index == 0, 0;
        if (name_is(name, n, "last"))
            return v->kind = VAL_INT, v->i = sc->ev_index + 1 == sc->ev_count, 0;
    }
    static const struct {
        const char *name;
        size_t off;
    } dstr[] = {
        {"id", offsetof(Quotawatch__V1__Decision, id)},
        {"type", offsetof(Quotawatch__V1__Decision, type)},
        {"rep_id", offsetof(Quotawatch__V1__Decision, rep_id)},
        {"team_id", offsetof(Quotawatch__V1__Decision, team_id)},
        {"period", offsetof(Quotawatch__V1__Decision, period)},
        {"policy_version", offsetof(Quotawatch__V1__Decision, policy_version)},
        {"quota_version", offsetof(Quotawatch__V1__Decision, quota_version)},
        {"currency", offsetof(Quotawatch__V1__Decision, currency)},
        {"summary", offsetof(Quotawatch__V1__Decision, summary)},
        {"withdraws", offsetof(Quotawatch__V1__Decision, withdraws)},
    };
    for (size_t k = 0; k < sizeof(dstr) / sizeof(dstr[0]); k++)
        if (name_is(name, n, dstr[k].name))
            return v->s = nz(*(char *const *)((const char *)d + dstr[k].off)), 0;
    if (name_is(name, n, "time_ms")) return v->kind = VAL_INT, v->i = d->time_ms, 0;
    if (name_is(name, n, "attainment_bp")) return v->kind = VAL_INT, v->i = d->attainment_bp, 0;
    if (name_is(name, n, "credited_minor")) return v->kind = VAL_INT, v->i = d->credited_minor, 0;
    if (name_is(name, n, "quota_minor")) return v->kind = VAL_INT, v->i = d->quota_minor, 0;
    if (name_is(name, n, "attainment")) return v->s = sc->ctx->attainment, 0;
    if (name_is(name, n, "credited")) return v->s = sc->ctx->credited, 0;
    if (name_is(name, n, "quota")) return v->s = sc->ctx->quota, 0;
    if (name_is(name, n, "time")) return v->s = sc->ctx->time, 0;
    if (name_is(name, n, "type_label")) return v->s = sc->ctx->type_label, 0;
    if (name_is(name, n, "audience")) return v->s = sc->ctx->audience, 0;
    if (name_is(name, n, "channel")) return v->s = sc->ctx->channel, 0;
    if (name_is(name, n, "rep_name"))
        return v->s = rep && rep->name[0] ? rep->name : nz(d->rep_id), 0;
    if (name_is(name, n, "rep_email")) return v->s = rep ? nz(rep->email) : "", 0;
    if (name_is(name, n, "rep_slack_id")) return v->s = rep ? nz(rep->slack_user_id) : "", 0;
    if (name_is(name, n, "manager_id")) return v->s = rep ? nz(rep->manager_id) : "", 0;
    if (name_is(name, n, "evidence")) return v->kind = VAL_LIST, v->n = d->n_evidence, 0;
    if (n > 9 && memcmp(name, "evidence.", 9) == 0) {
        /* One entry by key: its text, or its value when it has none; empty when absent. */
        for (size_t k = 0; k < d->n_evidence; k++) {
            const Quotawatch__V1__Evidence *e = d->evidence[k];
            if (!e || !e->key || !name_is(name + 9, n - 9, e->key)) continue;
            if (e->text && *e->text) return v->s = e->text, 0;
            return v->kind = VAL_INT, v->i = e->value, 0;
        }
        return v->s = "", 0;
    }
    if (n > 3 && memcmp(name, "to_", 3) == 0)
        for (int k = 0; k < QW_AUD_COUNT; k++)
            if (name_is(name + 3, n - 3, qw_aud_name((qw_aud_t)k)))
                return v->kind = VAL_INT,
                       v->i = strcmp(sc->ctx->audience, qw_aud_name((qw_aud_t)k)) == 0, 0;
    return -1;
}

/* ---- the template walker ---- */

typedef struct {
    char kind; /* 0 variable, '#', '^', '/', '!' */
    const char *name;
    size_t name_len;
    const char *filter;
    size_t filter_len;
    size_t start, end; /* the tag's extent in the template, braces included */
} tag_t;

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Finds the next tag at or after pos; returns 1 found, 0 none, -1 malformed. */
static int next_tag(const char *t, size_t len, size_t pos, tag_t *tag)
{
    const char *open = NULL;
    for (size_t i = pos; i + 1 < len; i++)
        if (t[i] == '{' && t[i + 1] == '{') {
            open = t + i;
            break;
        }
    if (!open) return 0;
    size_t s = (size_t)(open - t) + 2, e = s;
    while (e + 1 < len && !(t[e] == '}' && t[e + 1] == '}'))
        e++;
    if (e + 1 >= len) return -1;
    tag->start = (size_t)(open - t);
    tag->end = e + 2;
    const char *body = t + s;
    size_t n = e - s;
    trim(&body, &n);
    tag->kind = 0;
    if (n && strchr("#^/!", body[0])) {
        tag->kind = body[0];
        body++, n--;
        trim(&body, &n);
    }
    tag->filter = NULL;
    tag->filter_len = 0;
    const char *bar = tag->kind == '!' ? NULL : memchr(body, '|', n);
    if (bar) {
        tag->filter = bar + 1;
        tag->filter_len = n - (size_t)(bar + 1 - body);
        n = (size_t)(bar - body);
        trim(&body, &n);
        trim(&tag->filter, &tag->filter_len);
    }
    tag->name = body;
    tag->name_len = n;
    if (tag->kind != '!' && n == 0) return -1;
    return 1;
}

static int render_range(scope_t *sc, const char *t, size_t from, size_t to);

/* The end of the section opened by open: the matching {{/name}}, nesting included. */
static int find_close(scope_t *sc, const char *t, size_t to, const tag_t *open, tag_t *close)
{
    int depth = 0;
    size_t pos = open->end;
    for (;;) {
        tag_t tg;
        int r = next_tag(t, to, pos, &tg);
        if (r <= 0) break;
        pos = tg.end;
        int same = tg.name_len == open->name_len && memcmp(tg.name, open->name, tg.name_len) == 0;
        if (!same) continue;
        if (tg.kind == '#' || tg.kind == '^')
            depth++;
        else if (tg.kind == '/') {
            if (depth == 0) {
                *close = tg;
                return 0;
            }
            depth--;
        }
    }
    return qw_err_set(sc->errbuf, sc->errlen, "section '%.*s' is not closed", (int)open->name_len,
                      open->name);
}

static int put_value(scope_t *sc, const tag_t *tg, const val_t *v)
{
    qw_esc_t esc = sc->target;
    if (tg->filter) {
        if (tg->filter_len == 6 && memcmp(tg->filter, "mrkdwn", 6) == 0 &&
            sc->target == QW_ESC_JSON)
            esc = QW_ESC_MRKDWN;
        else
            return qw_err_set(sc->errbuf, sc->errlen, "filter '%.*s' is not allowed here",
                              (int)tg->filter_len, tg->filter);
    }
    if (v->kind == VAL_LIST)
        return qw_err_set(sc->errbuf, sc->errlen, "'%.*s' is a list: use a section",
                          (int)tg->name_len, tg->name);
    if (v->kind == VAL_INT) {
        char num[24];
        int k = snprintf(num, sizeof(num), "%" PRId64, v->i);
        qw_escape(sc->out, esc, num, (size_t)k);
    } else {
        qw_escape(sc->out, esc, v->s, strlen(v->s));
    }
    return QW_OK;
}

static int render_range(scope_t *sc, const char *t, size_t from, size_t to)
{
    size_t pos = from;
    /* Where skipped sections render to (nothing is kept): they are checked all the same. */
    qw_buf_t sink;
    char dummy[1];
    qw_buf_init(&sink, dummy, 0);
    if (++sc->depth > 16) return qw_err_set(sc->errbuf, sc->errlen, "sections nested too deep");
    for (;;) {
        tag_t tg;
        int r = next_tag(t, to, pos, &tg);
        if (r < 0) return qw_err_set(sc->errbuf, sc->errlen, "malformed tag after byte %zu", pos);
        if (r == 0) {
            qw_buf_put(sc->out, t + pos, to - pos);
            break;
        }
        qw_buf_put(sc->out, t + pos, tg.start - pos);
        pos = tg.end;
        if (tg.kind == '!') continue;
        if (tg.kind == '/')
            return qw_err_set(sc->errbuf, sc->errlen, "unexpected {{/%.*s}}", (int)tg.name_len,
                              tg.name);
        val_t v;
        if (lookup(sc, tg.name, tg.name_len, &v))
            return qw_err_set(sc->errbuf, sc->errlen, "unknown variable '%.*s'", (int)tg.name_len,
                              tg.name);
        if (tg.kind == 0) {
            if (put_value(sc, &tg, &v)) return QW_ERR;
            continue;
        }
        tag_t close;
        if (find_close(sc, t, to, &tg, &close)) return QW_ERR;
        pos = close.end;
        if (v.kind == VAL_LIST && tg.kind == '#') {
            const Quotawatch__V1__Decision *d = sc->ctx->d;
            scope_t inner = *sc;
            inner.ev_count = d->n_evidence;
            /* A template must be checked even when the list is empty. */
            Quotawatch__V1__Evidence probe = QUOTAWATCH__V1__EVIDENCE__INIT;
            if (d->n_evidence == 0) {
                inner.out = &sink;
                inner.ev = &probe;
                inner.ev_index = 0;
                inner.ev_count = 1;
                if (render_range(&inner, t, tg.end, close.start)) return QW_ERR;
                continue;
            }
            for (size_t k = 0; k < d->n_evidence; k++) {
                inner.ev = d->evidence[k];
                inner.ev_index = k;
                if (render_range(&inner, t, tg.end, close.start)) return QW_ERR;
            }
            continue;
        }
        int truthy = v.kind == VAL_LIST ? v.n > 0 : v.kind == VAL_INT ? v.i != 0 : *v.s != '\0';
        if (tg.kind == '^') truthy = !truthy;
        scope_t inner = *sc;
        if (!truthy) {
            inner.out = &sink;
        }
        if (render_range(&inner, t, tg.end, close.start)) return QW_ERR;
    }
    sc->depth--;
    return QW_OK;
}

int qw_render(const char *tmpl, size_t len, qw_esc_t target, const qw_render_ctx_t *ctx,
              qw_buf_t *out, char *errbuf, size_t errlen)
{
    scope_t sc = {.ctx = ctx, .target = target, .out = out, .errbuf = errbuf, .errlen = errlen};
    if (render_range(&sc, tmpl, 0, len)) return QW_ERR;
    if (out->overflow)
        return qw_err_set(errbuf, errlen, "rendered output exceeds %zu bytes", out->cap);
    qw_buf_str(out);
    return QW_OK;
}
