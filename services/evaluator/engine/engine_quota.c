/* The effective quota of a period: the assigned quota in base currency, ramped for new hires,
 * prorated for leave; and the attainment and outcome that follow from it. */
#include <string.h>

#include "engine_internal.h"
#include "quotawatch/date.h"

int32_t qw_engine_attainment(int64_t credited, int64_t quota)
{
    if (quota <= 0) return 0;
    const int64_t lim = 1000000000; /* basis points: beyond +-100000% means nothing more */
    int64_t bp;
    if (credited > -INT64_MAX / 10000 && credited < INT64_MAX / 10000)
        bp = credited * 10000 / quota;
    else
        bp = credited / quota * 10000; /* too large to be exact, and clamped anyway */
    if (bp > lim) return (int32_t)lim;
    if (bp < -lim) return (int32_t)-lim;
    return (int32_t)bp;
}

int qw_engine_set_quota(qw_engine_t *e, const qw_rep_profile_t *prof, const qw_quota_t *quota,
                        const qw_period_t *period, qw_period_state_t *slot)
{
    const qw_policy_t *pol = e->policy;
    if (!quota) return QW_OK;
    if (strcmp(quota->period, period->id) != 0)
        return qw_err_set(e->errstr, sizeof(e->errstr), "quota is for period %s, not %s",
                          quota->period, period->id);
    int64_t q;
    if (quota->amount_minor < 0 ||
        qw_rates_to_base(&pol->rates, quota->currency, quota->amount_minor, &q) != 0)
        return qw_err_set(e->errstr, sizeof(e->errstr),
                          "quota of %s for %s: unknown currency %s or bad amount", prof->rep_id,
                          period->id, quota->currency);
    slot->quota_assigned_minor = q;
    slot->flags &= ~(uint32_t)(QW_PF_RAMP | QW_PF_LEAVE);
    if (prof->hire_date != QW_DATE_NONE && pol->ramp_periods > 0) {
        qw_period_t hire;
        qw_period_of_date(pol->period, prof->hire_date, &hire);
        int k = qw_period_distance(&hire, period);
        if (k >= 0 && k < pol->ramp_periods) {
            slot->flags |= QW_PF_RAMP;
            q = q * pol->ramp_quota_bp / 10000;
        }
    }
    int32_t days = qw_period_days(period), prot = 0;
    int32_t leave = qw_roster_leave_days(prof, period->first_day, period->last_day, &prot);
    slot->leave_days = leave;
    if ((int64_t)leave * 10000 > (int64_t)pol->leave_excuse_over_bp * days ||
        (prot && pol->leave_protected_excuses))
        slot->flags |= QW_PF_LEAVE;
    if (pol->leave_prorate) q = q * (days - leave) / days;
    slot->quota_minor = q;
    memcpy(slot->quota_version, quota->version, sizeof(slot->quota_version));
    slot->quota_version[sizeof(slot->quota_version) - 1] = '\0';
    slot->attainment_bp = qw_engine_attainment(slot->credited_minor, slot->quota_minor);
    return QW_OK;
}

qw_outcome_t qw_engine_outcome(const qw_engine_t *e, const qw_period_state_t *slot)
{
    if (slot->quota_minor <= 0) return QW_OUTCOME_NO_QUOTA;
    return qw_engine_attainment(slot->credited_minor, slot->quota_minor) >= e->policy->miss_line_bp
               ? QW_OUTCOME_HIT
               : QW_OUTCOME_MISS;
}
