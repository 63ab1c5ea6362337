#include "quotawatch/roster_pb.h"

#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/period.h"
#include "quotawatch/utf8.h"

static void date_or_empty(int32_t d, char out[11])
{
    if (d == QW_DATE_NONE)
        out[0] = '\0';
    else
        qw_date_format(d, out);
}

uint8_t *qw_roster_profile_pack(const qw_rep_profile_t *p, size_t *len)
{
    Quotawatch__V1__RepProfile m = QUOTAWATCH__V1__REP_PROFILE__INIT;
    Quotawatch__V1__LeaveRange lr[QW_LEAVE_MAX], *lp[QW_LEAVE_MAX];
    char dates[QW_LEAVE_MAX][2][11], hire[11];
    m.rep_id = (char *)p->rep_id;
    m.name = (char *)p->name;
    m.email = (char *)p->email;
    m.slack_user_id = (char *)p->slack_user_id;
    m.manager_id = (char *)p->manager_id;
    m.team_id = (char *)p->team_id;
    date_or_empty(p->hire_date, hire);
    m.hire_date = hire;
    for (int i = 0; i < p->nleave && i < QW_LEAVE_MAX; i++) {
        quotawatch__v1__leave_range__init(&lr[i]);
        date_or_empty(p->leave[i].start, dates[i][0]);
        date_or_empty(p->leave[i].end, dates[i][1]);
        lr[i].start_date = dates[i][0];
        lr[i].end_date = dates[i][1];
        lr[i].protected_ = p->leave[i].is_protected;
        lp[i] = &lr[i];
    }
    m.n_leave = (size_t)p->nleave;
    m.leave = lp;
    m.cohort = (char *)p->cohort;
    m.recognition_opt_out = p->recognition_opt_out;
    m.active = p->active;
    m.role = (Quotawatch__V1__Role)p->role;
    m.digest_opt_out = p->digest_opt_out;
    *len = quotawatch__v1__rep_profile__get_packed_size(&m);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf) quotawatch__v1__rep_profile__pack(&m, buf);
    return buf;
}

uint8_t *qw_roster_quota_pack(const qw_quota_t *q, size_t *len)
{
    Quotawatch__V1__QuotaAssignment m = QUOTAWATCH__V1__QUOTA_ASSIGNMENT__INIT;
    m.rep_id = (char *)q->rep_id;
    m.period = (char *)q->period;
    m.amount_minor = q->amount_minor;
    m.currency = (char *)q->currency;
    m.version = (char *)q->version;
    m.effective_ms = q->effective_ms;
    *len = quotawatch__v1__quota_assignment__get_packed_size(&m);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf) quotawatch__v1__quota_assignment__pack(&m, buf);
    return buf;
}

/* ---- decoding (moved from the evaluator's engine_pb.c) ---- */

/* A display name is text for people, not a key: too long is cut, never refused, so a hostile
 * or verbose CRM name cannot take a rep off the roster. */
static void cp_display(char *dst, size_t cap, const char *src)
{
    if (!src) src = "";
    size_t n = strlen(src);
    if (n >= cap) n = qw_utf8_cut(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int date_or_none(const char *s, int32_t *out)
{
    if (!s || !*s) {
        *out = QW_DATE_NONE;
        return 0;
    }
    return qw_date_parse(s, strlen(s), out);
}

int qw_roster_profile_from_pb(const Quotawatch__V1__RepProfile *m, qw_rep_profile_t *p, char *err,
                              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (qw_str_field(p->rep_id, sizeof(p->rep_id), m->rep_id, "rep id", err, errlen) ||
        qw_str_field(p->email, sizeof(p->email), m->email, "email", err, errlen) ||
        qw_str_field(p->slack_user_id, sizeof(p->slack_user_id), m->slack_user_id, "slack id", err,
                     errlen) ||
        qw_str_field(p->manager_id, sizeof(p->manager_id), m->manager_id, "manager id", err,
                     errlen) ||
        qw_str_field(p->team_id, sizeof(p->team_id), m->team_id, "team id", err, errlen) ||
        qw_str_field(p->cohort, sizeof(p->cohort), m->cohort, "cohort", err, errlen))
        return QW_ERR;
    cp_display(p->name, sizeof(p->name), m->name);
    if (date_or_none(m->hire_date, &p->hire_date) != 0)
        return qw_err_set(err, errlen, "rep %s: bad hire_date", p->rep_id);
    if (m->n_leave > QW_LEAVE_MAX)
        return qw_err_set(err, errlen, "rep %s: more than %d leave ranges", p->rep_id,
                          QW_LEAVE_MAX);
    for (size_t i = 0; i < m->n_leave; i++) {
        qw_leave_range_t *l = &p->leave[i];
        if (date_or_none(m->leave[i]->start_date, &l->start) != 0 ||
            date_or_none(m->leave[i]->end_date, &l->end) != 0 || l->start == QW_DATE_NONE ||
            l->end == QW_DATE_NONE || l->end < l->start)
            return qw_err_set(err, errlen, "rep %s: bad leave range %zu", p->rep_id, i);
        l->is_protected = m->leave[i]->protected_;
    }
    p->nleave = (int)m->n_leave;
    p->recognition_opt_out = m->recognition_opt_out;
    p->active = m->active;
    /* A role this build does not know (a newer writer) is read as the least privileged. */
    p->role = m->role >= QUOTAWATCH__V1__ROLE__ROLE_REP && m->role <= QUOTAWATCH__V1__ROLE__ROLE_HR
                  ? (qw_role_t)m->role
                  : QW_ROLE_REP;
    p->digest_opt_out = m->digest_opt_out;
    return QW_OK;
}

int qw_roster_profile_unpack(const uint8_t *buf, size_t len, qw_rep_profile_t *p, char *err,
                             size_t errlen)
{
    Quotawatch__V1__RepProfile *m = quotawatch__v1__rep_profile__unpack(NULL, len, buf);
    if (!m) return qw_err_set(err, errlen, "not a RepProfile");
    int rc = qw_roster_profile_from_pb(m, p, err, errlen);
    quotawatch__v1__rep_profile__free_unpacked(m, NULL);
    return rc;
}

int qw_roster_quota_from_pb(const Quotawatch__V1__QuotaAssignment *m, qw_quota_t *q, char *err,
                            size_t errlen)
{
    memset(q, 0, sizeof(*q));
    qw_period_t per;
    if (qw_str_field(q->rep_id, sizeof(q->rep_id), m->rep_id, "rep id", err, errlen) ||
        qw_str_field(q->period, sizeof(q->period), m->period, "period", err, errlen) ||
        qw_str_field(q->currency, sizeof(q->currency), m->currency, "currency", err, errlen) ||
        qw_str_field(q->version, sizeof(q->version), m->version, "quota version", err, errlen))
        return QW_ERR;
    if (qw_period_parse(q->period, &per) != 0)
        return qw_err_set(err, errlen, "quota of %s: bad period \"%s\"", q->rep_id, q->period);
    if (m->amount_minor < 0)
        return qw_err_set(err, errlen, "quota of %s: negative amount", q->rep_id);
    q->amount_minor = m->amount_minor;
    q->effective_ms = m->effective_ms;
    return QW_OK;
}

int qw_roster_quota_unpack(const uint8_t *buf, size_t len, qw_quota_t *q, char *err, size_t errlen)
{
    Quotawatch__V1__QuotaAssignment *m = quotawatch__v1__quota_assignment__unpack(NULL, len, buf);
    if (!m) return qw_err_set(err, errlen, "not a QuotaAssignment");
    int rc = qw_roster_quota_from_pb(m, q, err, errlen);
    quotawatch__v1__quota_assignment__free_unpacked(m, NULL);
    return rc;
}
