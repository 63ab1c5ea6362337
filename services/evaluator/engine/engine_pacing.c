/* Pacing checkpoints: warn while there is still time to act, and recommend coaching. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"
#include "quotawatch/date.h"

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
                                     QW_AUDSET_REP | QW_AUDSET_MANAGER, now_ms);
        else
            qw_engine_decision_start(&d, e, QW_DT_COACHING, prof, s, s->period, level,
                                     QW_AUDSET_MANAGER, now_ms);
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

static int32_t expected_at(const qw_policy_t *p, int32_t cp_bp)
{
    return (int32_t)((int64_t)cp_bp * p->pacing_threshold_bp / 10000);
}

/* The instant by which a credit had surely closed: its close instant, or for a bare local date
 * the end of that day (a deal dated on a checkpoint's day may have closed after it). */
static int64_t closed_by_ms(const qw_tz_t *tz, const qw_credit_t *c)
{
    return c->close_time_ms != QW_TIME_NONE ? c->close_time_ms
                                            : qw_tz_day_start_ms(tz, c->close_date + 1);
}

static void withdraw_at_risk(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                             const qw_credit_t *c, int idx, int64_t at_ms, int64_t before,
                             int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    const char *who = prof->name[0] ? prof->name : prof->rep_id;
    int32_t cp = p->checkpoints_bp[idx], expected = expected_at(p, cp);
    int32_t att = qw_engine_attainment(s->cp_credited_minor[idx], s->quota_minor);
    char day[11], cplevel[16];
    qw_date_format(c->close_time_ms != QW_TIME_NONE ? qw_tz_local_date(&p->tz, c->close_time_ms)
                                                    : c->close_date,
                   day);
    snprintf(cplevel, sizeof(cplevel), "cp%d", (int)cp);
    for (int k = 0; k < 2; k++) {
        const char *type = k == 0 ? QW_DT_AT_RISK : QW_DT_COACHING;
        char level[QW_DECISION_TYPE_MAX + 24];
        snprintf(level, sizeof(level), "%s:%s", type, cplevel);
        qw_decision_t d;
        qw_engine_decision_start(
            &d, e, k == 0 ? QW_DT_WARNING_WITHDRAWN : QW_DT_SUPPORT_WITHDRAWN, prof, s, s->period,
            level, k == 0 ? QW_AUDSET_REP | QW_AUDSET_MANAGER : QW_AUDSET_MANAGER, now_ms);
        qw_engine_decision_id(d.withdraws, prof->rep_id, s->period, type, cplevel);
        /* The numbers the checkpoint should have seen, not today's. */
        d.credited_minor = s->cp_credited_minor[idx];
        d.attainment_bp = att;
        qw_engine_evidence(&d, "credit_id", 0, c->id);
        qw_engine_evidence(&d, "deal_id", 0, c->deal_id);
        qw_engine_evidence(&d, "credit_minor", d.credited_minor - before, day);
        qw_engine_evidence(&d, "checkpoint_ms", at_ms, NULL);
        qw_engine_evidence(&d, "elapsed_bp", cp, NULL);
        qw_engine_evidence(&d, "expected_bp", expected, NULL);
        qw_engine_evidence(&d, "attainment_bp", att, "counting credits closed by the checkpoint");
        qw_engine_evidence(&d, "previous_attainment_bp",
                           qw_engine_attainment(before, s->quota_minor), "before this credit");
        qw_engine_evidence(&d, "credited_minor", d.credited_minor, NULL);
        qw_engine_evidence(&d, "quota_minor", s->quota_minor, NULL);
        if (k == 0)
            qw_engine_summary(&d,
                              "Correction: the at-risk warning for %s at %d%% of %s is withdrawn. "
                              "Deal %s, closed %s, reached us late; counting it, %s was at %d%% "
                              "of quota at that point, on pace (at least %d%%).",
                              who, cp / 100, s->period, c->deal_id, day, who, att / 100,
                              expected / 100);
        else
            qw_engine_summary(&d,
                              "Correction: the coaching recommendation for %s at %d%% of %s is "
                              "withdrawn: counting deal %s (closed %s, arrived late), %s was on "
                              "pace at %d%% of quota (at least %d%%).",
                              who, cp / 100, s->period, c->deal_id, day, who, att / 100,
                              expected / 100);
        qw_engine_emit(e, &d);
    }
}

void qw_engine_late_checkpoints(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                                const qw_period_t *per, const qw_credit_t *c, int64_t amount,
                                int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    int64_t closed_by = closed_by_ms(&p->tz, c);
    for (int i = 0; i < p->ncheckpoints; i++) {
        uint8_t bit = (uint8_t)(1u << i);
        if (!(s->checkpoints_done & bit)) continue;
        int64_t at = qw_period_checkpoint_ms(per, &p->tz, p->checkpoints_bp[i]);
        /* The checkpoint judged attainment as of its instant: a deal closed after it was not
         * yet there to be seen, so it cannot contradict the verdict. */
        if (closed_by > at) continue;
        int64_t before = s->cp_credited_minor[i];
        s->cp_credited_minor[i] += amount;
        if (!(s->at_risk & bit) || s->quota_minor <= 0 ||
            qw_engine_attainment(s->cp_credited_minor[i], s->quota_minor) <
                expected_at(p, p->checkpoints_bp[i]))
            continue;
        withdraw_at_risk(e, prof, s, c, i, at, before, now_ms);
        /* A withdrawn verdict is not re-raised (its id is spent); it no longer counts as a
         * warning (fairness) nor as support offered (the review gate). */
        s->at_risk &= (uint8_t)~bit;
        s->at_risk_withdrawn |= bit;
        if (!s->at_risk) s->flags &= ~(uint32_t)QW_PF_COACHED;
    }
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
    int32_t expected = expected_at(p, cp);
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
        /* Earlier checkpoints that never ran for this rep are past: skipped, never sent late. */
        s->checkpoints_done |= (uint8_t)(bit | (bit - 1u));
        s->cp_credited_minor[checkpoint_index] = s->credited_minor;
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

int qw_engine_rejudge(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                      int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (qw_period_parse(period, &per) != 0 || per.kind != p->period)
        return qw_err_set(e->errstr, sizeof(e->errstr), "not a period of this policy: %s", period);
    for (int c = 0; c < p->ncheckpoints; c++)
        if (p->checkpoints_bp[c] == p->team_checkpoint_bp)
            qw_engine_team_rejudge(e, team, n, period, c, now_ms);
    return QW_OK;
}

int qw_engine_tick(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (qw_period_parse(period, &per) != 0 || per.kind != p->period)
        return qw_err_set(e->errstr, sizeof(e->errstr), "not a period of this policy: %s", period);
    int rc = QW_OK;
    /* Pacing warnings only while the period runs, and only the latest checkpoint due: a job that
     * was down does not send a pile of stale warnings at once. */
    if (now_ms < qw_period_end_ms(&per, &p->tz)) {
        int last = -1;
        for (int c = 0; c < p->ncheckpoints; c++)
            if (now_ms >= qw_period_checkpoint_ms(&per, &p->tz, p->checkpoints_bp[c])) last = c;
        if (last >= 0 && qw_engine_checkpoint(e, team, n, period, last, now_ms) != QW_OK)
            rc = QW_ERR;
    }
    if (qw_engine_rejudge(e, team, n, period, now_ms) != QW_OK) rc = QW_ERR;
    if (now_ms >= qw_period_close_ms(&per, &p->tz, p->grace_days) &&
        qw_engine_close_period(e, team, n, period, now_ms) != QW_OK)
        rc = QW_ERR;
    return rc;
}
