/* A rep's standing in one period: the read side's numbers from the engine's own state and
 * quota rules (qw-web's rep view and simulate --standings print these). */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

int qw_engine_standing(qw_engine_t *e, const qw_rep_profile_t *prof, const qw_quota_t *quota,
                       const qw_rep_state_t *st, const char *period, qw_standing_t *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->period, sizeof(out->period), "%s", period ? period : "");
    qw_period_state_t slot;
    const qw_period_state_t *have = st ? qw_rep_state_find(st, period) : NULL;
    if (have)
        slot = *have;
    else
        memset(&slot, 0, sizeof(slot));
    qw_period_t per;
    int rc = QW_OK;
    if (!period || qw_period_parse(period, &per) != 0) {
        rc = qw_err_set(e->errstr, sizeof(e->errstr), "not a period id: %s",
                        period ? period : "(null)");
    } else if (!(slot.flags & QW_PF_CLOSED) && quota) {
        /* The state holds the quota the last credit met; the evaluator sets the current one at
         * its next checkpoint or close (qw_engine_set_quota, as here), so a quota that arrived
         * after the credits counts the same way on a copy of the slot. A closed period keeps
         * what its close stored, as the evaluator does. */
        rc = qw_engine_set_quota(e, prof, quota, &per, &slot);
    }
    out->credited_minor = slot.credited_minor;
    out->deals = slot.deals;
    out->clawbacks = slot.clawbacks;
    out->closed = (slot.flags & QW_PF_CLOSED) != 0;
    out->has_quota = slot.quota_version[0] != '\0';
    if (out->has_quota) {
        out->quota_assigned_minor = slot.quota_assigned_minor;
        out->quota_minor = slot.quota_minor;
        memcpy(out->quota_version, slot.quota_version, sizeof(out->quota_version));
        out->ramp = (slot.flags & QW_PF_RAMP) != 0;
        out->leave_days = slot.leave_days;
        out->attainment_bp = qw_engine_attainment(slot.credited_minor, slot.quota_minor);
    }
    return rc;
}
