/* Pacing checkpoints: warn while there is still time to act, and recommend coaching. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

static void at_risk(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                    int32_t cp_bp, int32_t expected_bp, int64_t now_ms)
{
    const char *who = prof->name[0] ? prof->name : prof->rep_id;
    char level[16];
    snprintf(level, sizeof(level), "cp%d", (int)cp_bp);
    for (int k = 0; k < 2; k++) {
        qw_decision_t d;
        if (k == 0)
            qw_engine_decision_start(&d, e, QW_DT_AT_RISK, prof, s, s->period, level,
                                     QW_AUD_REP | QW_AUD_MANAGER, now_ms);
        else
            qw_engine_decision_start(&d, e, QW_DT_COACHING, prof, s, s->period, level,
                                     QW_AUD_MANAGER, now_ms);
        qw_engine_evidence(&d, "attainment_bp", s->attainment_bp, NULL);
        qw_engine_evidence(&d, "elapsed_bp", cp_bp, NULL);
        qw_engine_evidence(&d, "expected_bp", expected_bp, NULL);
        qw_engine_evidence(&d, "pacing_threshold_bp", e->policy->pacing_threshold_bp, NULL);
        qw_engine_evidence(&d, "deals", s->deals, NULL);
        qw_engine_evidence(&d, "ramp", (s->flags & QW_PF_RAMP) != 0, NULL);
        qw_engine_evidence(&d, "leave_days", s->leave_days, NULL);
        if (k == 0)
            qw_engine_summary(&d,
                              "%s is at %d%% of quota with %d%% of %s elapsed (on pace would be "
                              "at least %d%%): there is still time to act.",
                              who, s->attainment_bp / 100, cp_bp / 100, s->period,
                              expected_bp / 100);
        else
            qw_engine_summary(&d,
                              "Coaching recommended: %s is at %d%% of quota with %d%% of %s "
                              "elapsed.",
                              who, s->attainment_bp / 100, cp_bp / 100, s->period);
        qw_engine_emit(e, &d);
    }
    s->flags |= QW_PF_COACHED;
}

int qw_engine_checkpoint(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                         int checkpoint_index, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (checkpoint_index < 0 || checkpoint_index >= p->ncheckpoints)
        return qw_err_set(e->errstr, sizeof(e->errstr), "no checkpoint %d in the policy",
                          checkpoint_index);
    if (qw_period_parse(period, &per) != 0 || per.kind != p->period)
        return qw_err_set(e->errstr, sizeof(e->errstr), "not a period of this policy: %s", period);
    int32_t cp = p->checkpoints_bp[checkpoint_index];
    int64_t at = qw_period_checkpoint_ms(&per, &p->tz, cp);
    if (now_ms < at)
        return qw_err_set(e->errstr, sizeof(e->errstr), "checkpoint %d%% of %s is at %lld, not yet",
                          cp / 100, period, (long long)at);
    int32_t expected = (int32_t)((int64_t)cp * p->pacing_threshold_bp / 10000);
    uint8_t bit = (uint8_t)(1u << checkpoint_index);
    int rc = QW_OK, fresh = 0;
    char err[QW_ERRSTR_MAX] = "";
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = qw_engine_slot(e, team[i].state, period, 1);
        if (!s) {
            rc = QW_ERR, memcpy(err, e->errstr, sizeof(err));
            continue;
        }
        if ((s->checkpoints_done & bit) || (s->flags & QW_PF_CLOSED)) continue;
        if (qw_engine_set_quota(e, team[i].profile, team[i].quota, &per, s) != QW_OK) {
            rc = QW_ERR, memcpy(err, e->errstr, sizeof(err));
            continue;
        }
        s->checkpoints_done |= bit;
        fresh = 1;
        /* No quota, nothing to pace; a period excused by leave is not chased. */
        if (s->quota_minor <= 0 || (s->flags & QW_PF_LEAVE)) continue;
        s->attainment_bp = qw_engine_attainment(s->credited_minor, s->quota_minor);
        if (s->attainment_bp < expected) {
            s->at_risk |= bit;
            at_risk(e, team[i].profile, s, cp, expected, now_ms);
        }
    }
    if (fresh && cp == p->team_checkpoint_bp)
        qw_engine_team_pressure(e, team, n, period, checkpoint_index, now_ms);
    if (rc != QW_OK) memcpy(e->errstr, err, sizeof(err));
    return rc;
}

int qw_engine_tick(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (qw_period_parse(period, &per) != 0 || per.kind != p->period)
        return qw_err_set(e->errstr, sizeof(e->errstr), "not a period of this policy: %s", period);
    int rc = QW_OK;
    /* Pacing warnings only while the period runs: a missed checkpoint is not replayed late. */
    if (now_ms < qw_period_end_ms(&per, &p->tz)) {
        for (int c = 0; c < p->ncheckpoints; c++)
            if (now_ms >= qw_period_checkpoint_ms(&per, &p->tz, p->checkpoints_bp[c]) &&
                qw_engine_checkpoint(e, team, n, period, c, now_ms) != QW_OK)
                rc = QW_ERR;
    }
    if (now_ms >= qw_period_close_ms(&per, &p->tz, p->grace_days) &&
        qw_engine_close_period(e, team, n, period, now_ms) != QW_OK)
        rc = QW_ERR;
    return rc;
}
