#include "quotawatch/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/file.h"
#include "quotawatch/id.h"
#include "quotawatch/money.h"
#include "quotawatch/period.h"
#include "quotawatch/rates.h"

void qw_csv_init(qw_csv_t *r, const char *buf, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->buf = buf;
    r->len = len;
}

void qw_csv_free(qw_csv_t *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scap = 0;
}

static int scratch_reserve(qw_csv_t *r, size_t need)
{
    if (need <= r->scap) return 0;
    size_t ncap = r->scap ? r->scap : 256;
    while (ncap < need)
        ncap *= 2;
    char *n = realloc(r->scratch, ncap);
    if (!n) return -1;
    r->scratch = n;
    r->scap = ncap;
    return 0;
}

/* Fields become C strings: an embedded NUL would cut an id short ("\0r1" reads as an empty
 * id that passed the emptiness check). UTF-16, as some spreadsheets export, is full of them. */
static int nul_byte(qw_csv_t *r)
{
    return qw_err_set(r->errstr, sizeof(r->errstr),
                      "NUL byte in a field (not UTF-8 text: a UTF-16 export?)");
}

int qw_csv_next(qw_csv_t *r)
{
    /* Skip blank lines (a trailing newline at the end of a file is the common case). */
    while (r->pos < r->len && (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r')) {
        if (r->buf[r->pos] == '\n') r->at_line++;
        r->pos++;
    }
    if (r->pos >= r->len) return 0;
    int start_line = r->at_line + 1;
    r->line = start_line;
    /* Unquoted text is never longer than the raw record: reserve the rest of the buffer's worth
     * lazily, one field at a time. */
    size_t out = 0;
    r->nfields = 0;
    size_t offs[QW_CSV_FIELDS_MAX];
    for (;;) {
        if (r->nfields == QW_CSV_FIELDS_MAX)
            return qw_err_set(r->errstr, sizeof(r->errstr), "more than %d fields",
                              QW_CSV_FIELDS_MAX);
        offs[r->nfields] = out;
        size_t fstart = out;
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return qw_err_set(r->errstr, sizeof(r->errstr), "unterminated quoted field");
                char c = r->buf[r->pos++];
                if (c == 0) return nul_byte(r);
                if (c == '"') {
                    if (r->pos < r->len && r->buf[r->pos] == '"') {
                        r->pos++;
                    } else {
                        break;
                    }
                } else if (c == '\n') {
                    r->at_line++;
                }
                if (scratch_reserve(r, out + 2) != 0)
                    return qw_err_set(r->errstr, sizeof(r->errstr), "out of memory");
                r->scratch[out++] = c;
            }
            if (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
                r->buf[r->pos] != '\r')
                return qw_err_set(r->errstr, sizeof(r->errstr), "text after a closing quote");
        } else {
            while (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
                   r->buf[r->pos] != '\r') {
                char c = r->buf[r->pos++];
                if (c == '"')
                    return qw_err_set(r->errstr, sizeof(r->errstr),
                                      "quote inside an unquoted field");
                if (c == 0) return nul_byte(r);
                if (scratch_reserve(r, out + 2) != 0)
                    return qw_err_set(r->errstr, sizeof(r->errstr), "out of memory");
                r->scratch[out++] = c;
            }
        }
        if (scratch_reserve(r, out + 1) != 0)
            return qw_err_set(r->errstr, sizeof(r->errstr), "out of memory");
        r->scratch[out++] = 0;
        r->flen[r->nfields] = out - 1 - fstart;
        r->nfields++;
        if (r->pos < r->len && r->buf[r->pos] == ',') {
            r->pos++;
            continue;
        }
        /* End of record: CRLF, LF, CR or the end of the buffer. */
        if (r->pos < r->len && r->buf[r->pos] == '\r') r->pos++;
        if (r->pos < r->len && r->buf[r->pos] == '\n') r->pos++;
        r->at_line++;
        break;
    }
    for (int i = 0; i < r->nfields; i++)
        r->field[i] = r->scratch + offs[i];
    return 1;
}

/* ---- roster and quota rows ------------------------------------------------------------- */

enum { MAXCOLS = 16, MSG_MAX = 512 };

typedef struct header_s {
    int idx[MAXCOLS]; /* column index per known name, -1 = absent */
    int n;            /* fields in the header: every row must have exactly as many */
} header_t;

/* Errors of one file: the first goes to errbuf, each (up to max) to the caller's callback. */
typedef struct report_s {
    const qw_csv_opts_t *o;
    const char *name;
    int nerr, max;
    char *errbuf;
    size_t errlen;
} report_t;

static void report_msg(report_t *rp, const char *msg)
{
    if (rp->nerr == 0) qw_err_set(rp->errbuf, rp->errlen, "%s", msg);
    rp->nerr++;
    if (rp->nerr <= rp->max && rp->o && rp->o->on_error) rp->o->on_error(rp->o->error_opaque, msg);
}

/* line 0: the message is about the file, not a line of it. */
static void report(report_t *rp, int line, const char *problem)
{
    char msg[MSG_MAX];
    if (line > 0)
        snprintf(msg, sizeof(msg), "%s:%d: %s", rp->name, line, problem);
    else
        snprintf(msg, sizeof(msg), "%s: %s", rp->name, problem);
    report_msg(rp, msg);
}

static int colerr(char *m, size_t ml, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* `column "<name>": <problem>`: every row error names its column. */
static int colerr(char *m, size_t ml, const char *column, const char *fmt, ...)
{
    int n = snprintf(m, ml, "column \"%s\": ", column);
    if (n < 0 || (size_t)n >= ml) return QW_ERR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + n, ml - (size_t)n, fmt, ap);
    va_end(ap);
    return QW_ERR;
}

static int map_header(qw_csv_t *r, const char *const *names, int nnames, header_t *h, report_t *rp)
{
    char m[MSG_MAX];
    for (int i = 0; i < nnames; i++)
        h->idx[i] = -1;
    h->n = 0;
    int rc = qw_csv_next(r);
    if (rc < 0) {
        report(rp, r->line, r->errstr);
        return QW_ERR;
    }
    if (rc == 0) {
        report(rp, 0, "empty file (no header line)");
        return QW_ERR;
    }
    h->n = r->nfields;
    for (int f = 0; f < r->nfields; f++) {
        const char *name = r->field[f];
        /* Tolerate a UTF-8 byte order mark, as spreadsheets write one. */
        if (f == 0 && !strncmp(name, "\xEF\xBB\xBF", 3)) name += 3;
        int k;
        for (k = 0; k < nnames; k++)
            if (!strcmp(name, names[k])) break;
        if (k == nnames) {
            snprintf(m, sizeof(m), "unknown column \"%.*s\"", 64, name);
            report(rp, r->line, m);
        } else if (h->idx[k] >= 0) {
            snprintf(m, sizeof(m), "column \"%s\" appears twice", name);
            report(rp, r->line, m);
        } else {
            h->idx[k] = f;
        }
    }
    return rp->nerr ? QW_ERR : QW_OK;
}

static const char *col(const qw_csv_t *r, const header_t *h, int k, size_t *len)
{
    int f = h->idx[k];
    if (f < 0 || f >= r->nfields) {
        *len = 0;
        return "";
    }
    *len = r->flen[f];
    return r->field[f];
}

static int copy_field(char *dst, size_t cap, const char *s, size_t len, const char *name, char *m,
                      size_t ml)
{
    if (qw_strlcpy_checked(dst, cap, s, len) != QW_OK)
        return colerr(m, ml, name, "\"%.40s...\" is too long (%zu bytes, max %zu)", s, len,
                      cap - 1);
    return QW_OK;
}

static int parse_bool(const char *s, int def, int *out)
{
    if (!*s) {
        *out = def;
    } else if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "TRUE")) {
        *out = 1;
    } else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "FALSE")) {
        *out = 0;
    } else {
        return -1;
    }
    return 0;
}

/* The keys seen so far (rep ids; rep, period and version of quotas) with their first line:
 * a repeated key is an error, never a silent replacement. Open addressing, FNV-1a. */
typedef struct keyset_s {
    struct {
        char *key;
        size_t len;
        int line;
    } * slot;
    size_t cap, n;
} keyset_t;

static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void keyset_free(keyset_t *k)
{
    for (size_t i = 0; i < k->cap; i++)
        free(k->slot[i].key);
    free(k->slot);
    memset(k, 0, sizeof(*k));
}

/* Returns 0 when added, the first line when the key was there, -1 when out of memory. */
static int keyset_add(keyset_t *k, const char *key, size_t len, int line)
{
    if ((k->n + 1) * 2 > k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 64;
        keyset_t g = {.slot = calloc(ncap, sizeof(*k->slot)), .cap = ncap};
        if (!g.slot) return -1;
        for (size_t i = 0; i < k->cap; i++) {
            if (!k->slot[i].key) continue;
            size_t j = key_hash(k->slot[i].key, k->slot[i].len) & (ncap - 1);
            while (g.slot[j].key)
                j = (j + 1) & (ncap - 1);
            g.slot[j] = k->slot[i];
        }
        free(k->slot);
        g.n = k->n;
        *k = g;
    }
    size_t j = key_hash(key, len) & (k->cap - 1);
    for (; k->slot[j].key; j = (j + 1) & (k->cap - 1))
        if (k->slot[j].len == len && !memcmp(k->slot[j].key, key, len)) return k->slot[j].line;
    char *c = malloc(len + 1);
    if (!c) return -1;
    memcpy(c, key, len);
    c[len] = 0;
    k->slot[j].key = c;
    k->slot[j].len = len;
    k->slot[j].line = line;
    k->n++;
    return 0;
}

int qw_csv_parse_leave(const char *s, size_t len, qw_rep_profile_t *p, char *errbuf, size_t errlen)
{
    p->nleave = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ';')
            j++;
        const char *item = s + i;
        size_t ilen = j - i;
        while (ilen && item[0] == ' ') {
            item++;
            ilen--;
        }
        while (ilen && item[ilen - 1] == ' ')
            ilen--;
        if (ilen) {
            if (p->nleave == QW_LEAVE_MAX)
                return qw_err_set(errbuf, errlen, "more than %d leave ranges", QW_LEAVE_MAX);
            qw_leave_range_t *lr = &p->leave[p->nleave];
            lr->is_protected = 0;
            static const char prot[] = ":protected";
            size_t plen = sizeof(prot) - 1;
            if (ilen > plen && !memcmp(item + ilen - plen, prot, plen)) {
                lr->is_protected = 1;
                ilen -= plen;
            }
            const char *dots = NULL;
            for (size_t k = 0; k + 1 < ilen; k++)
                if (item[k] == '.' && item[k + 1] == '.') {
                    dots = item + k;
                    break;
                }
            int ok;
            if (dots) {
                ok = qw_date_parse(item, (size_t)(dots - item), &lr->start) == 0 &&
                     qw_date_parse(dots + 2, ilen - (size_t)(dots - item) - 2, &lr->end) == 0;
            } else {
                ok = qw_date_parse(item, ilen, &lr->start) == 0;
                lr->end = lr->start;
            }
            if (!ok || lr->end < lr->start)
                return qw_err_set(errbuf, errlen,
                                  "bad leave range \"%.*s\" (expected START..END[:protected])",
                                  (int)(j - i), s + i);
            p->nleave++;
        }
        i = j + 1;
    }
    return QW_OK;
}

enum {
    R_REP,
    R_NAME,
    R_EMAIL,
    R_SLACK,
    R_MANAGER,
    R_TEAM,
    R_HIRE,
    R_LEAVE,
    R_COHORT,
    R_OPTOUT,
    R_ACTIVE,
    R_ROLE,
    R_DIGEST_OPTOUT,
    R_N
};
static const char *const roster_cols[R_N] = {
    "rep_id",  "name",      "email",          "slack_user_id", "manager_id",
    "team_id", "hire_date", "leave",          "cohort",        "recognition_opt_out",
    "active",  "role",      "digest_opt_out",
};

enum { Q_REP, Q_PERIOD, Q_AMOUNT, Q_CURRENCY, Q_VERSION, Q_EFFECTIVE, Q_N };
static const char *const quota_cols[Q_N] = {"rep_id",   "period",  "amount",
                                            "currency", "version", "effective"};

static int roster_row(const qw_csv_t *r, const header_t *h, qw_rep_profile_t *p, char *m, size_t ml)
{
    memset(p, 0, sizeof(*p));
    size_t l;
    const char *v;
    const struct {
        int k;
        char *dst;
        size_t cap;
    } strs[] = {
        {R_REP, p->rep_id, sizeof(p->rep_id)},
        {R_NAME, p->name, sizeof(p->name)},
        {R_EMAIL, p->email, sizeof(p->email)},
        {R_SLACK, p->slack_user_id, sizeof(p->slack_user_id)},
        {R_MANAGER, p->manager_id, sizeof(p->manager_id)},
        {R_TEAM, p->team_id, sizeof(p->team_id)},
        {R_COHORT, p->cohort, sizeof(p->cohort)},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        v = col(r, h, strs[i].k, &l);
        if (copy_field(strs[i].dst, strs[i].cap, v, l, roster_cols[strs[i].k], m, ml) != QW_OK)
            return QW_ERR;
    }
    if (!p->rep_id[0]) return colerr(m, ml, "rep_id", "empty (required)");
    char why[QW_ERRSTR_MAX];
    if (qw_roster_ids_check(p, why, sizeof(why)) != QW_OK) {
        /* why is "<column>: <problem>"; the column goes where colerr puts it. */
        const char *sep = strchr(why, ':');
        size_t cl = sep ? (size_t)(sep - why) : 0;
        char colname[16];
        snprintf(colname, sizeof(colname), "%.*s", (int)cl, why);
        return colerr(m, ml, colname, "%s", sep ? sep + 2 : why);
    }
    if (qw_roster_email_check(p->email, why, sizeof(why)) != QW_OK)
        return colerr(m, ml, "email", "%s", why); /* not echoed: it may hold control bytes */
    v = col(r, h, R_ROLE, &l);
    p->role = QW_ROLE_REP;
    if (l && qw_roster_role_parse(v, l, &p->role) != QW_OK)
        return colerr(m, ml, "role", "\"%.40s\" is not rep, manager, sales_ops or hr", v);
    v = col(r, h, R_DIGEST_OPTOUT, &l);
    if (parse_bool(v, 0, &p->digest_opt_out) != 0)
        return colerr(m, ml, "digest_opt_out", "\"%.40s\" is not true or false", v);
    v = col(r, h, R_HIRE, &l);
    p->hire_date = QW_DATE_NONE;
    if (l && qw_date_parse(v, l, &p->hire_date) != 0)
        return colerr(m, ml, "hire_date", "bad date \"%.40s\" (expected YYYY-MM-DD)", v);
    v = col(r, h, R_LEAVE, &l);
    char lerr[QW_ERRSTR_MAX];
    if (qw_csv_parse_leave(v, l, p, lerr, sizeof(lerr)) != QW_OK)
        return colerr(m, ml, "leave", "%s", lerr);
    v = col(r, h, R_OPTOUT, &l);
    if (parse_bool(v, 0, &p->recognition_opt_out) != 0)
        return colerr(m, ml, "recognition_opt_out", "\"%.40s\" is not true or false", v);
    v = col(r, h, R_ACTIVE, &l);
    if (parse_bool(v, 1, &p->active) != 0)
        return colerr(m, ml, "active", "\"%.40s\" is not true or false", v);
    return QW_OK;
}

static int has_thousands_separator(const char *s, size_t len)
{
    return memchr(s, ',', len) != NULL;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return len > 0;
}

/* A row with more fields than the header whose amount reads as "100,000.00" once the extra
 * fields are joined back: an unquoted thousands separator, which deserves the exact message
 * rather than the field count. */
static int split_amount(const qw_csv_t *r, const header_t *h, char *m, size_t ml)
{
    int a = h->idx[Q_AMOUNT], extra = r->nfields - h->n;
    if (a < 0 || extra <= 0) return 0;
    const char *first = r->field[a];
    size_t fl = r->flen[a], skip = fl && first[0] == '-';
    if (fl - skip > 3 || !all_digits(first + skip, fl - skip)) return 0;
    char joined[128];
    int n = snprintf(joined, sizeof(joined), "%s", first);
    for (int j = a + 1; j <= a + extra; j++) {
        const char *g = r->field[j];
        size_t gl = r->flen[j];
        /* Every group has three digits; the last one may carry the decimals. */
        if (gl < 3 || !all_digits(g, 3) ||
            (gl > 3 && (j < a + extra || g[3] != '.' || !all_digits(g + 4, gl - 4) || gl - 4 > 9)))
            return 0;
        if ((size_t)n + gl + 2 > sizeof(joined)) return 0;
        n += snprintf(joined + n, sizeof(joined) - (size_t)n, ",%s", g);
    }
    colerr(m, ml, "amount", "\"%s\": thousands separators are not allowed", joined);
    return 1;
}

static int quota_row(const qw_csv_t *r, const header_t *h, const qw_policy_t *policy, qw_quota_t *q,
                     char *m, size_t ml)
{
    memset(q, 0, sizeof(*q));
    size_t l;
    const char *v;
    v = col(r, h, Q_REP, &l);
    if (copy_field(q->rep_id, sizeof(q->rep_id), v, l, "rep_id", m, ml) != QW_OK) return QW_ERR;
    if (!l) return colerr(m, ml, "rep_id", "empty (required)");
    char why[QW_ERRSTR_MAX];
    if (qw_id_valid(q->rep_id, strlen(q->rep_id), why, sizeof(why)) != QW_OK)
        return colerr(m, ml, "rep_id", "%s", why);
    v = col(r, h, Q_PERIOD, &l);
    if (copy_field(q->period, sizeof(q->period), v, l, "period", m, ml) != QW_OK) return QW_ERR;
    if (!l) return colerr(m, ml, "period", "empty (required)");
    qw_period_t per;
    if (qw_period_parse(q->period, &per) != 0)
        return colerr(m, ml, "period", "bad period \"%s\" (expected YYYY-MM or YYYY-Qn)", v);
    v = col(r, h, Q_VERSION, &l);
    if (copy_field(q->version, sizeof(q->version), v, l, "version", m, ml) != QW_OK) return QW_ERR;
    if (!l) return colerr(m, ml, "version", "empty (required)");
    /* Before the currency: "100,000.00" must say what is wrong with it, whatever follows. */
    const char *amount = col(r, h, Q_AMOUNT, &l);
    size_t alen = l;
    if (has_thousands_separator(amount, alen))
        return colerr(m, ml, "amount", "\"%.40s\": thousands separators are not allowed", amount);
    v = col(r, h, Q_CURRENCY, &l);
    if (!l) return colerr(m, ml, "currency", "empty (required)");
    if (l != 3 || qw_money_exponent(v) < 0)
        return colerr(m, ml, "currency", "unknown currency \"%.40s\" (expected an ISO 4217 code)",
                      v);
    memcpy(q->currency, v, 4);
    int exp = qw_money_exponent(q->currency);
    if (!alen) return colerr(m, ml, "amount", "empty (required)");
    if (qw_money_parse_decimal(amount, alen, exp, &q->amount_minor) != 0)
        return colerr(m, ml, "amount",
                      "bad amount \"%.40s\" (a plain decimal such as 50000.00, at most %d decimals "
                      "for %s)",
                      amount, exp, q->currency);
    if (q->amount_minor < 0) return colerr(m, ml, "amount", "negative amount \"%.40s\"", amount);
    v = col(r, h, Q_EFFECTIVE, &l);
    if (l && qw_time_parse_iso8601(v, l, &q->effective_ms) != 0)
        return colerr(m, ml, "effective", "bad time \"%.40s\" (expected RFC 3339)", v);
    const char *reason;
    if (policy && qw_csv_quota_check(q, policy, &reason, m, ml) != QW_OK) return QW_ERR;
    return QW_OK;
}

int qw_csv_quota_check(const qw_quota_t *q, const qw_policy_t *policy, const char **reason,
                       char *errbuf, size_t errlen)
{
    static const char *const kinds[] = {"", "month", "quarter"};
    qw_period_t per;
    *reason = "period";
    if (qw_period_parse(q->period, &per) != 0)
        return colerr(errbuf, errlen, "period", "bad period \"%s\" (expected YYYY-MM or YYYY-Qn)",
                      q->period);
    if (per.kind != policy->period && policy->period >= QW_PERIOD_MONTH &&
        policy->period <= QW_PERIOD_QUARTER)
        return colerr(errbuf, errlen, "period", "\"%s\" is a %s but the policy's period is %s",
                      q->period, kinds[per.kind], kinds[policy->period]);
    *reason = "currency";
    int64_t base;
    /* Unknown and overflowing say different things: ask about one unit first. */
    if (qw_rates_to_base(&policy->rates, q->currency, 0, &base) != 0)
        return colerr(errbuf, errlen, "currency",
                      "\"%s\" has no rate in the policy's rate table (base %s)", q->currency,
                      policy->rates.base);
    if (qw_rates_to_base(&policy->rates, q->currency, q->amount_minor, &base) != 0) {
        *reason = "amount";
        return colerr(errbuf, errlen, "amount", "%lld %s minor units overflow in %s",
                      (long long)q->amount_minor, q->currency, policy->rates.base);
    }
    *reason = NULL;
    return QW_OK;
}

typedef enum { KIND_ROSTER, KIND_QUOTAS } kind_t;

typedef struct sink_s {
    qw_csv_roster_fn roster;
    qw_csv_quota_fn quota;
    void *opaque;
} sink_t;

/* One pass over the text. validate: check every row, collect errors, call nothing; otherwise
 * call fn for each row (the text is known to be valid). */
static int pass(kind_t kind, const char *buf, size_t len, const qw_csv_opts_t *o, int validate,
                const sink_t *sink, report_t *rp)
{
    const char *const *names = kind == KIND_ROSTER ? roster_cols : quota_cols;
    int nnames = kind == KIND_ROSTER ? R_N : Q_N;
    char m[MSG_MAX];
    qw_csv_t r;
    qw_csv_init(&r, buf, len);
    header_t h;
    keyset_t seen = {0};
    qw_rep_profile_t *p = NULL;
    int rc = map_header(&r, names, nnames, &h, rp);
    if (rc == QW_OK) {
        int required = kind == KIND_ROSTER ? 1 : Q_EFFECTIVE;
        for (int k = 0; k < required; k++)
            if (h.idx[k] < 0) {
                snprintf(m, sizeof(m), "column \"%s\" is missing (required)", names[k]);
                report(rp, r.line, m);
                rc = QW_ERR;
            }
    }
    if (rc == QW_OK && kind == KIND_ROSTER && !(p = malloc(sizeof(*p)))) {
        report(rp, 0, "out of memory");
        rc = QW_ERR;
    }
    qw_quota_t q;
    while (rc == QW_OK) {
        int got = qw_csv_next(&r);
        if (got == 0) break;
        if (got < 0) {
            /* Where the next record starts is unknown after malformed quoting: stop here. */
            report(rp, r.line, r.errstr);
            rc = QW_ERR;
            break;
        }
        int row_ok;
        if (r.nfields != h.n) {
            if (!(kind == KIND_QUOTAS && split_amount(&r, &h, m, sizeof(m))))
                snprintf(m, sizeof(m),
                         "%d fields where the header has %d (a comma in a value must be quoted: "
                         "\"Doe, Jane\")",
                         r.nfields, h.n);
            row_ok = 0;
        } else if (kind == KIND_ROSTER) {
            row_ok = roster_row(&r, &h, p, m, sizeof(m)) == QW_OK;
        } else {
            row_ok = quota_row(&r, &h, o ? o->policy : NULL, &q, m, sizeof(m)) == QW_OK;
        }
        if (row_ok && validate) {
            char key[QW_ID_MAX + QW_PERIOD_ID_MAX + QW_VERSION_MAX + 2];
            int kl = kind == KIND_ROSTER ? snprintf(key, sizeof(key), "%s", p->rep_id)
                                         : snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", q.rep_id,
                                                    q.period, q.version);
            int first = keyset_add(&seen, key, (size_t)kl, r.line);
            if (first < 0) {
                report(rp, 0, "out of memory");
                rc = QW_ERR;
                break;
            }
            if (first == 0 && kind == KIND_ROSTER && p->email[0]) {
                /* The address is a person's login identity (qw-web): one person each, compared
                 * without case. "\x1e" keeps the address keys apart from the rep ids. */
                char ek[QW_EMAIL_MAX + 1];
                size_t en = strnlen(p->email, QW_EMAIL_MAX - 1);
                ek[0] = '\x1e';
                for (size_t i = 0; i < en; i++)
                    ek[i + 1] = (char)tolower((unsigned char)p->email[i]);
                int efirst = keyset_add(&seen, ek, en + 1, r.line);
                if (efirst < 0) {
                    report(rp, 0, "out of memory");
                    rc = QW_ERR;
                    break;
                }
                if (efirst > 0) {
                    row_ok = 0;
                    colerr(m, sizeof(m), "email",
                           "duplicate \"%s\" (first on line %d; an address identifies one person)",
                           p->email, efirst);
                }
            }
            if (first > 0) {
                row_ok = 0;
                if (kind == KIND_ROSTER)
                    colerr(m, sizeof(m), "rep_id", "duplicate \"%s\" (first on line %d)", p->rep_id,
                           first);
                else
                    colerr(m, sizeof(m), "version",
                           "duplicate \"%s\" for rep \"%s\" period %s (first on line %d; a new "
                           "version needs a new version name)",
                           q.version, q.rep_id, q.period, first);
            }
        }
        if (!row_ok) {
            report(rp, r.line, m);
            continue;
        }
        if (validate) continue;
        int frc =
            kind == KIND_ROSTER ? sink->roster(sink->opaque, p) : sink->quota(sink->opaque, &q);
        if (frc != QW_OK) {
            if (rp->errbuf[0] == 0) report(rp, r.line, "refused");
            rc = QW_ERR;
        }
    }
    free(p);
    keyset_free(&seen);
    qw_csv_free(&r);
    if (rp->nerr > rp->max) {
        char sum[MSG_MAX];
        snprintf(sum, sizeof(sum), "%s: %d more errors not shown", rp->name, rp->nerr - rp->max);
        if (rp->o && rp->o->on_error) rp->o->on_error(rp->o->error_opaque, sum);
    }
    return rc == QW_OK && rp->nerr == 0 ? QW_OK : QW_ERR;
}

static int read_all(kind_t kind, const char *buf, size_t len, const qw_csv_opts_t *o,
                    const sink_t *sink, char *errbuf, size_t errlen)
{
    report_t rp = {
        .o = o,
        .name = o && o->name          ? o->name
                : kind == KIND_ROSTER ? "roster"
                                      : "quotas",
        .max = o && o->max_errors > 0 ? o->max_errors : 1,
        .errbuf = errbuf,
        .errlen = errlen,
    };
    if (errlen) errbuf[0] = 0;
    /* Validate everything before the first callback: a file is applied whole or not at all. */
    if (pass(kind, buf, len, o, 1, sink, &rp) != QW_OK) return QW_ERR;
    if (!sink->roster && !sink->quota) return QW_OK;
    return pass(kind, buf, len, o, 0, sink, &rp);
}

int qw_csv_roster_read(const char *buf, size_t len, const qw_csv_opts_t *o, qw_csv_roster_fn fn,
                       void *opaque, char *errbuf, size_t errlen)
{
    sink_t sink = {.roster = fn, .opaque = opaque};
    return read_all(KIND_ROSTER, buf, len, o, &sink, errbuf, errlen);
}

int qw_csv_quota_read(const char *buf, size_t len, const qw_csv_opts_t *o, qw_csv_quota_fn fn,
                      void *opaque, char *errbuf, size_t errlen)
{
    sink_t sink = {.quota = fn, .opaque = opaque};
    return read_all(KIND_QUOTAS, buf, len, o, &sink, errbuf, errlen);
}

int qw_csv_roster_parse(const char *buf, size_t len, qw_csv_roster_fn fn, void *opaque,
                        char *errbuf, size_t errlen)
{
    return qw_csv_roster_read(buf, len, NULL, fn, opaque, errbuf, errlen);
}

int qw_csv_quota_parse(const char *buf, size_t len, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                       size_t errlen)
{
    return qw_csv_quota_read(buf, len, NULL, fn, opaque, errbuf, errlen);
}

static int load(kind_t kind, const char *path, const qw_csv_opts_t *o, const sink_t *sink,
                char *errbuf, size_t errlen)
{
    size_t len;
    char *buf = qw_file_read(path, QW_CSV_FILE_MAX, &len, errbuf, errlen);
    if (!buf) return QW_ERR;
    qw_csv_opts_t named = o ? *o : (qw_csv_opts_t){0};
    if (!named.name) named.name = path;
    int rc = read_all(kind, buf, len, &named, sink, errbuf, errlen);
    free(buf);
    return rc;
}

int qw_csv_roster_load(const char *path, const qw_csv_opts_t *o, qw_csv_roster_fn fn, void *opaque,
                       char *errbuf, size_t errlen)
{
    sink_t sink = {.roster = fn, .opaque = opaque};
    return load(KIND_ROSTER, path, o, &sink, errbuf, errlen);
}

int qw_csv_quota_load(const char *path, const qw_csv_opts_t *o, qw_csv_quota_fn fn, void *opaque,
                      char *errbuf, size_t errlen)
{
    sink_t sink = {.quota = fn, .opaque = opaque};
    return load(KIND_QUOTAS, path, o, &sink, errbuf, errlen);
}

int qw_csv_roster_load_file(const char *path, qw_csv_roster_fn fn, void *opaque, char *errbuf,
                            size_t errlen)
{
    return qw_csv_roster_load(path, NULL, fn, opaque, errbuf, errlen);
}

int qw_csv_quota_load_file(const char *path, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                           size_t errlen)
{
    return qw_csv_quota_load(path, NULL, fn, opaque, errbuf, errlen);
}
