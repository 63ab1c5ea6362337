#include "quotawatch/roster_pb.h"

#include <stdlib.h>

#include "quotawatch/date.h"
#include "quotawatch/v1/roster.pb-c.h"

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
