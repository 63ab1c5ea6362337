#include "quotawatch/csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/file.h"
#include "quotawatch/money.h"

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
            return qw_err_set(r->errstr, sizeof(r->errstr), "line %d: more than %d fields",
                              start_line, QW_CSV_FIELDS_MAX);
        offs[r->nfields] = out;
        size_t fstart = out;
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return qw_err_set(r->errstr, sizeof(r->errstr),
                                      "line %d: unterminated quoted field", start_line);
                char c = r->buf[r->pos++];
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
                return qw_err_set(r->errstr, sizeof(r->errstr),
                                  "line %d: text after a closing quote", start_line);
        } else {
            while (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
                   r->buf[r->pos] != '\r') {
                char c = r->buf[r->pos++];
                if (c == '"')
                    return qw_err_set(r->errstr, sizeof(r->errstr),
                                      "line %d: quote inside an unquoted field", start_line);
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

enum { MAXCOLS = 16 };

typedef struct header_s {
    int idx[MAXCOLS]; /* column index per known name, -1 = absent */
} header_t;

static int map_header(qw_csv_t *r, const char *const *names, int nnames, header_t *h,
                      const char *what, char *errbuf, size_t errlen)
{
    for (int i = 0; i < nnames; i++)
        h->idx[i] = -1;
    int rc = qw_csv_next(r);
    if (rc < 0) return qw_err_set(errbuf, errlen, "%s: %s", what, r->errstr);
    if (rc == 0) return qw_err_set(errbuf, errlen, "%s: empty file (no header line)", what);
    for (int f = 0; f < r->nfields; f++) {
        const char *name = r->field[f];
        /* Tolerate a UTF-8 byte order mark, as spreadsheets write one. */
        if (f == 0 && !strncmp(name, "\xEF\xBB\xBF", 3)) name += 3;
        int k;
        for (k = 0; k < nnames; k++)
            if (!strcmp(name, names[k])) break;
        if (k == nnames) return qw_err_set(errbuf, errlen, "%s: unknown column \"%s\"", what, name);
        if (h->idx[k] >= 0)
            return qw_err_set(errbuf, errlen, "%s: column \"%s\" appears twice", what, name);
        h->idx[k] = f;
    }
    return QW_OK;
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

static int copy_field(char *dst, size_t cap, const char *s, size_t len, const char *name, int line,
                      char *errbuf, size_t errlen)
{
    if (qw_strlcpy_checked(dst, cap, s, len) != QW_OK)
        return qw_err_set(errbuf, errlen, "line %d: %s is too long (max %zu bytes)", line, name,
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
    R_N
};
static const char *const roster_cols[R_N] = {
    "rep_id",    "name",  "email",  "slack_user_id",       "manager_id", "team_id",
    "hire_date", "leave", "cohort", "recognition_opt_out", "active",
};

int qw_csv_roster_parse(const char *buf, size_t len, qw_csv_roster_fn fn, void *opaque,
                        char *errbuf, size_t errlen)
{
    qw_csv_t r;
    qw_csv_init(&r, buf, len);
    header_t h;
    int rc = map_header(&r, roster_cols, R_N, &h, "roster", errbuf, errlen);
    if (rc == QW_OK && h.idx[R_REP] < 0)
        rc = qw_err_set(errbuf, errlen, "roster: no rep_id column");
    qw_rep_profile_t *p = malloc(sizeof(*p));
    if (!p) rc = qw_err_set(errbuf, errlen, "out of memory");
    while (rc == QW_OK) {
        int got = qw_csv_next(&r);
        if (got == 0) break;
        if (got < 0) {
            rc = qw_err_set(errbuf, errlen, "roster: %s", r.errstr);
            break;
        }
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
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && rc == QW_OK; i++) {
            v = col(&r, &h, strs[i].k, &l);
            rc = copy_field(strs[i].dst, strs[i].cap, v, l, roster_cols[strs[i].k], r.line, errbuf,
                            errlen);
        }
        if (rc != QW_OK) break;
        if (!p->rep_id[0]) {
            rc = qw_err_set(errbuf, errlen, "roster line %d: empty rep_id", r.line);
            break;
        }
        v = col(&r, &h, R_HIRE, &l);
        p->hire_date = QW_DATE_NONE;
        if (l && qw_date_parse(v, l, &p->hire_date) != 0) {
            rc = qw_err_set(errbuf, errlen, "roster line %d: bad hire_date \"%s\"", r.line, v);
            break;
        }
        v = col(&r, &h, R_LEAVE, &l);
        char lerr[QW_ERRSTR_MAX];
        if (qw_csv_parse_leave(v, l, p, lerr, sizeof(lerr)) != QW_OK) {
            rc = qw_err_set(errbuf, errlen, "roster line %d: %s", r.line, lerr);
            break;
        }
        if (parse_bool(col(&r, &h, R_OPTOUT, &l), 0, &p->recognition_opt_out) != 0 ||
            parse_bool(col(&r, &h, R_ACTIVE, &l), 1, &p->active) != 0) {
            rc = qw_err_set(errbuf, errlen,
                            "roster line %d: recognition_opt_out and active take true or false",
                            r.line);
            break;
        }
        rc = fn(opaque, p);
        if (rc != QW_OK && errbuf[0] == 0)
            qw_err_set(errbuf, errlen, "roster line %d: refused", r.line);
    }
    free(p);
    qw_csv_free(&r);
    return rc;
}

enum { Q_REP, Q_PERIOD, Q_AMOUNT, Q_CURRENCY, Q_VERSION, Q_EFFECTIVE, Q_N };
static const char *const quota_cols[Q_N] = {"rep_id",   "period",  "amount",
                                            "currency", "version", "effective"};

int qw_csv_quota_parse(const char *buf, size_t len, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                       size_t errlen)
{
    qw_csv_t r;
    qw_csv_init(&r, buf, len);
    header_t h;
    int rc = map_header(&r, quota_cols, Q_N, &h, "quotas", errbuf, errlen);
    for (int k = 0; k < Q_EFFECTIVE && rc == QW_OK; k++)
        if (h.idx[k] < 0) rc = qw_err_set(errbuf, errlen, "quotas: no %s column", quota_cols[k]);
    qw_quota_t q;
    while (rc == QW_OK) {
        int got = qw_csv_next(&r);
        if (got == 0) break;
        if (got < 0) {
            rc = qw_err_set(errbuf, errlen, "quotas: %s", r.errstr);
            break;
        }
        memset(&q, 0, sizeof(q));
        size_t l;
        const char *v;
        v = col(&r, &h, Q_REP, &l);
        if ((rc = copy_field(q.rep_id, sizeof(q.rep_id), v, l, "rep_id", r.line, errbuf, errlen)) !=
            QW_OK)
            break;
        v = col(&r, &h, Q_PERIOD, &l);
        if ((rc = copy_field(q.period, sizeof(q.period), v, l, "period", r.line, errbuf, errlen)) !=
            QW_OK)
            break;
        v = col(&r, &h, Q_VERSION, &l);
        if ((rc = copy_field(q.version, sizeof(q.version), v, l, "version", r.line, errbuf,
                             errlen)) != QW_OK)
            break;
        v = col(&r, &h, Q_CURRENCY, &l);
        if (l != 3 || qw_money_exponent(v) < 0) {
            rc = qw_err_set(errbuf, errlen, "quotas line %d: unknown currency \"%s\"", r.line, v);
            break;
        }
        memcpy(q.currency, v, 4);
        if (!q.rep_id[0] || !q.period[0] || !q.version[0]) {
            rc = qw_err_set(errbuf, errlen,
                            "quotas line %d: rep_id, period and version are required", r.line);
            break;
        }
        v = col(&r, &h, Q_AMOUNT, &l);
        if (qw_money_parse_decimal(v, l, qw_money_exponent(q.currency), &q.amount_minor) != 0 ||
            q.amount_minor < 0) {
            rc = qw_err_set(errbuf, errlen, "quotas line %d: bad amount \"%s\"", r.line, v);
            break;
        }
        v = col(&r, &h, Q_EFFECTIVE, &l);
        if (l && qw_time_parse_iso8601(v, l, &q.effective_ms) != 0) {
            rc = qw_err_set(errbuf, errlen, "quotas line %d: bad effective time \"%s\"", r.line, v);
            break;
        }
        rc = fn(opaque, &q);
        if (rc != QW_OK && errbuf[0] == 0)
            qw_err_set(errbuf, errlen, "quotas line %d: refused", r.line);
    }
    qw_csv_free(&r);
    return rc;
}

int qw_csv_roster_load_file(const char *path, qw_csv_roster_fn fn, void *opaque, char *errbuf,
                            size_t errlen)
{
    size_t len;
    char *buf = qw_file_read(path, QW_CSV_FILE_MAX, &len, errbuf, errlen);
    if (!buf) return QW_ERR;
    errbuf[0] = 0;
    int rc = qw_csv_roster_parse(buf, len, fn, opaque, errbuf, errlen);
    free(buf);
    return rc;
}

int qw_csv_quota_load_file(const char *path, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                           size_t errlen)
{
    size_t len;
    char *buf = qw_file_read(path, QW_CSV_FILE_MAX, &len, errbuf, errlen);
    if (!buf) return QW_ERR;
    errbuf[0] = 0;
    int rc = qw_csv_quota_parse(buf, len, fn, opaque, errbuf, errlen);
    free(buf);
    return rc;
}
