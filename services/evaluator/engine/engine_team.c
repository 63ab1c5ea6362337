/* Team rules: quota pressure at the team-health checkpoint and the systemic-miss check at close.
 * When most of a team falls short, the quota itself may be unrealistic. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

static void pressure(qw_engine_t *e, const qw_engine_rep_t *team, const char *period,
                     const char *level, int members, int hit_count, int32_t share_bp,
                     int32_t limit_bp, const char *what, int64_t now_ms)
{
    const char *team_id = team[0].profile->team_id;
    qw_decision_t d;
    char scope[QW_ID_MAX + 8];
    snprintf(scope, sizeof(scope), "team:%s", team_id);
    qw_engine_decision_start(&d, e, QW_DT_QUOTA_PRESSURE, NULL, NULL, period, level,
                             QW_AUDSET_SALES_OPS, now_ms);
    memcpy(d.team_id, team_id, strlen(team_id) + 1);
    qw_engine_decision_id(d.id, scope, period, QW_DT_QUOTA_PRESSURE, level);
    qw_engine_evidence(&d, "reps", members, NULL);
    qw_engine_evidence(&d, what, hit_count, NULL);
    qw_engine_evidence(&d, "share_bp", share_bp, NULL);
    qw_engine_evidence(&d, "limit_bp", limit_bp, NULL);
    qw_engine_summary(&d,
                      "%d of %d reps of team %s %s in %s (more than %d%%): the quota itself may "
                      "be unrealistic.",
                      hit_count, members, team_id,
                      strcmp(what, "missed") == 0 ? "missed quota" : "are at risk", period,
                      limit_bp / 100);
    if (strcmp(what, "missed") == 0)
        qw_engine_evidence(&d, "individual_reviews", 0, "withheld for this period");
    qw_engine_emit(e, &d);
}

void qw_engine_team_pressure(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                             int checkpoint_index, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    uint8_t bit = (uint8_t)(1u << checkpoint_index);
    int members = 0, risky = 0;
    for (int i = 0; i < n; i++) {
        const qw_period_state_t *s = qw_rep_state_find(team[i].state, period);
        if (s && (s->flags & QW_PF_TEAM_PRESSURE_WITHDRAWN)) return; /* its id is spent */
        if (!s || !(s->checkpoints_done & bit) || s->quota_minor <= 0 || (s->flags & QW_PF_LEAVE))
            continue;
        members++;
        risky += (s->at_risk & bit) != 0;
    }
    if (members < p->team_min_size ||
        (int64_t)risky * 10000 <= (int64_t)p->team_at_risk_share_bp * members)
        return;
    char level[16];
    snprintf(level, sizeof(level), "cp%d", (int)p->checkpoints_bp[checkpoint_index]);
    pressure(e, team, period, level, members, risky, (int32_t)((int64_t)risky * 10000 / members),
             p->team_at_risk_share_bp, "at_risk", now_ms);
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(team[i].state, period);
        if (s) s->flags |= QW_PF_TEAM_PRESSURE;
    }
}

void qw_engine_team_rejudge(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                            int checkpoint_index, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    uint8_t bit = (uint8_t)(1u << checkpoint_index);
    int members = 0, risky = 0, was = 0;
    uint32_t seen = 0;
    for (int i = 0; i < n; i++) {
        const qw_period_state_t *s = qw_rep_state_find(team[i].state, period);
        if (!s) continue;
        seen |= s->flags;
        if (!(s->checkpoints_done & bit) || s->quota_minor <= 0 || (s->flags & QW_PF_LEAVE))
            continue;
        members++;
        risky += (s->at_risk & bit) != 0;
        was += ((s->at_risk | s->at_risk_withdrawn) & bit) != 0;
    }
    /* Only a notice that was raised, not yet withdrawn, and that late data changed. */
    if (!(seen & QW_PF_TEAM_PRESSURE) || (seen & QW_PF_TEAM_PRESSURE_WITHDRAWN) || risky == was)
        return;
    if (members >= p->team_min_size &&
        (int64_t)risky * 10000 > (int64_t)p->team_at_risk_share_bp * members)
        return; /* still warranted */
    const char *team_id = team[0].profile->team_id;
    char scope[QW_ID_MAX + 8], cp[16], level[QW_DECISION_TYPE_MAX + 24];
    snprintf(scope, sizeof(scope), "team:%s", team_id);
    snprintf(cp, sizeof(cp), "cp%d", (int)p->checkpoints_bp[checkpoint_index]);
    snprintf(level, sizeof(level), "%s:%s", QW_DT_QUOTA_PRESSURE, cp);
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_HEALTH_WITHDRAWN, NULL, NULL, period, level,
                             QW_AUDSET_SALES_OPS, now_ms);
    memcpy(d.team_id, team_id, strlen(team_id) + 1);
    qw_engine_decision_id(d.id, scope, period, QW_DT_HEALTH_WITHDRAWN, level);
    qw_engine_decision_id(d.withdraws, scope, period, QW_DT_QUOTA_PRESSURE, cp);
    int32_t share = members ? (int32_t)((int64_t)risky * 10000 / members) : 0;
    qw_engine_evidence(&d, "reps", members, NULL);
    qw_engine_evidence(&d, "at_risk", risky, "after late credits");
    qw_engine_evidence(&d, "at_risk_at_checkpoint", was, "as judged when it ran");
    qw_engine_evidence(&d, "withdrawn_warnings", was - risky, NULL);
    qw_engine_evidence(&d, "share_bp", share, NULL);
    qw_engine_evidence(&d, "limit_bp", p->team_at_risk_share_bp, NULL);
    qw_engine_summary(&d,
                      "Correction: the quota-pressure notice for team %s in %s is withdrawn; late "
                      "credits show %d of %d reps at risk at the %d%% checkpoint, not more than "
                      "%d%%.",
                      team_id, period, risky, members, p->checkpoints_bp[checkpoint_index] / 100,
                      p->team_at_risk_share_bp / 100);
    qw_engine_emit(e, &d);
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(team[i].state, period);
        if (s) s->flags |= QW_PF_TEAM_PRESSURE_WITHDRAWN;
    }
}

int qw_engine_team_systemic(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                            int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    int members = 0, missed = 0, fresh = 0;
    for (int i = 0; i < n; i++) {
        const qw_period_state_t *s = qw_rep_state_find(team[i].state, period);
        if (!s || !(s->flags & (QW_PF_CLOSED | QW_PF_CLOSING))) continue;
        if (s->outcome != QW_OUTCOME_HIT && s->outcome != QW_OUTCOME_MISS) continue;
        members++;
        missed += s->outcome == QW_OUTCOME_MISS;
        fresh |= (s->flags & QW_PF_CLOSING) != 0;
    }
    if (!fresh || members < p->team_min_size ||
        (int64_t)missed * 10000 <= (int64_t)p->systemic_miss_share_bp * members)
        return 0;
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(team[i].state, period);
        if (s && (s->flags & QW_PF_CLOSING) && s->outcome == QW_OUTCOME_MISS)
            s->flags |= QW_PF_SYSTEMIC;
    }
    pressure(e, team, period, "systemic", members, missed,
             (int32_t)((int64_t)missed * 10000 / members), p->systemic_miss_share_bp, "missed",
             now_ms);
    return 1;
}
