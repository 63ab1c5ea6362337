/* Protobuf inputs of the evaluator into the engine's plain structs. */
#include "engine_pb.h"

#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/id.h"

static int cp(char *dst, size_t cap, const char *src, const char *what, char *err, size_t errlen)
{
    if (!src) src = "";
    if (qw_strlcpy_checked(dst, cap, src, strlen(src)) != QW_OK)
        return qw_err_set(err, errlen, "%s too long", what);
    return QW_OK;
}

static int date_or_none(const char *s, int32_t *out)
{
    if (!s || !*s) {
        *out = QW_DATE_NONE;
        return 0;
    }
    return qw_date_parse(s, strlen(s), out);
}

int qw_engine_profile_from_pb(const Quotawatch__V1__RepProfile *m, qw_rep_profile_t *p, char *err,
                              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (cp(p->rep_id, sizeof(p->rep_id), m->rep_id, "rep id", err, errlen) ||
        cp(p->name, sizeof(p->name), m->name, "name", err, errlen) ||
        cp(p->email, sizeof(p->email), m->email, "email", err, errlen) ||
        cp(p->slack_user_id, sizeof(p->slack_user_id), m->slack_user_id, "slack id", err, errlen) ||
        cp(p->manager_id, sizeof(p->manager_id), m->manager_id, "manager id", err, errlen) ||
        cp(p->team_id, sizeof(p->team_id), m->team_id, "team id", err, errlen) ||
        cp(p->cohort, sizeof(p->cohort), m->cohort, "cohort", err, errlen))
        return QW_ERR;
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
    return QW_OK;
}

int qw_engine_quota_from_pb(const Quotawatch__V1__QuotaAssignment *m, qw_quota_t *q, char *err,
                            size_t errlen)
{
    memset(q, 0, sizeof(*q));
    qw_period_t per;
    if (cp(q->rep_id, sizeof(q->rep_id), m->rep_id, "rep id", err, errlen) ||
        cp(q->period, sizeof(q->period), m->period, "period", err, errlen) ||
        cp(q->currency, sizeof(q->currency), m->currency, "currency", err, errlen) ||
        cp(q->version, sizeof(q->version), m->version, "quota version", err, errlen))
        return QW_ERR;
    if (qw_period_parse(q->period, &per) != 0)
        return qw_err_set(err, errlen, "quota of %s: bad period \"%s\"", q->rep_id, q->period);
    if (m->amount_minor < 0)
        return qw_err_set(err, errlen, "quota of %s: negative amount", q->rep_id);
    q->amount_minor = m->amount_minor;
    q->effective_ms = m->effective_ms;
    return QW_OK;
}
