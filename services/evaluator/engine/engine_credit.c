/* Event-driven rules, one credit at a time: net attainment, rewards and their withdrawal,
 * integrity flags, and corrections of closed periods. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"
#include "quotawatch/date.h"

int qw_engine_credit_period(const qw_engine_t *e, const qw_credit_t *c, qw_period_t *out)
{
    int32_t day = c->close_time_ms != QW_TIME_NONE
                      ? qw_tz_local_date(&e->policy->tz, c->close_time_ms)
                      : c->close_date;
    if (day == QW_DATE_NONE) return QW_ERR;
    qw_period_of_date(e->policy->period, day, out);
    return QW_OK;
}

/* Reward level i: 0 = quota achieved, 1 + t = accelerator tier t. */
static int32_t level_bp(const qw_policy_t *p, int i)
{
    return i == 0 ? p->quota_achieved_bp : p->tiers_bp[i - 1];
}

static void reward_id_parts(const qw_policy_t *p, const qw_period_state_t *s, int i, char *level,
                            size_t cap)
{
    int gen = s->reward_gen[i];
    if (i == 0 && !gen)
        level[0] = '\0';
    else if (i == 0)
        snprintf(level, cap, "g%d", gen + 1);
    else
        snprintf(level, cap, gen ? "bp%d:g%d" : "bp%d", (int)level_bp(p, i), gen + 1);
}

void qw_engine_rewards(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                       int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    if (s->quota_minor <= 0) return;
    int32_t att = qw_engine_attainment(s->credited_minor, s->quota_minor);
    qw_decision_t d;
    char level[32];
    /* Withdraw lost levels from the top, then grant crossed levels from the bottom. */
    for (int i = p->ntiers; i >= 0; i--) {
        if (!(s->rewards & (1u << i)) || att >= level_bp(p, i)) continue;
        const char *type = i == 0 ? QW_DT_QUOTA_ACHIEVED : QW_DT_ACCELERATOR;
        reward_id_parts(p, s, i, level, sizeof(level));
        char orig[QW_DECISION_ID_MAX], wlevel[QW_DECISION_TYPE_MAX + 40];
        qw_engine_decision_id(orig, prof->rep_id, s->period, type, level);
        snprintf(wlevel, sizeof(wlevel), "%s%s%s", type, *level ? ":" : "", level);
        qw_engine_decision_start(&d, e, QW_DT_REWARD_WITHDRAWN, prof, s, s->period, wlevel,
                                 QW_AUDSET_REP | QW_AUDSET_MANAGER, now_ms);
        memcpy(d.withdraws, orig, sizeof(d.withdraws));
        qw_engine_evidence(&d, "attainment_bp", att, NULL);
        qw_engine_evidence(&d, "level_bp", level_bp(p, i), type);
        qw_engine_evidence(&d, "clawbacks", s->clawbacks, NULL);
        qw_engine_summary(&d,
                          "Withdrawn: %s for %s no longer holds, net attainment fell to %d.%02d%% "
                          "after a clawback.",
                          type, s->period, att / 100, (att < 0 ? -att : att) % 100);
        qw_engine_emit(e, &d);
        s->rewards &= (uint16_t) ~(1u << i);
        if (s->reward_gen[i] < 255) s->reward_gen[i]++;
    }
    for (int i = 0; i <= p->ntiers; i++) {
        if ((s->rewards & (1u << i)) || att < level_bp(p, i)) continue;
        const char *type = i == 0 ? QW_DT_QUOTA_ACHIEVED : QW_DT_ACCELERATOR;
        reward_id_parts(p, s, i, level, sizeof(level));
        /* Accelerators are about pay: rep and manager only. */
        qw_audset_t aud =
            i == 0 ? qw_engine_reward_audience(prof) : QW_AUDSET_REP | QW_AUDSET_MANAGER;
        qw_engine_decision_start(&d, e, type, prof, s, s->period, level, aud, now_ms);
        qw_engine_evidence(&d, "attainment_bp", att, NULL);
        qw_engine_evidence(&d, "threshold_bp", level_bp(p, i), NULL);
        qw_engine_evidence(&d, "deals", s->deals, NULL);
        qw_engine_evidence(&d, "ramp", (s->flags & QW_PF_RAMP) != 0, NULL);
        if (i == 0)
            qw_engine_summary(&d, "%s reached %d%% of quota for %s.",
                              prof->name[0] ? prof->name : prof->rep_id, att / 100, s->period);
        else
            qw_engine_summary(&d, "%s crossed the %d%% accelerator tier for %s.",
                              prof->name[0] ? prof->name : prof->rep_id, level_bp(p, i) / 100,
                              s->period);
        qw_engine_emit(e, &d);
        s->rewards |= (uint16_t)(1u << i);
    }
}

static void integrity_flag(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                           const qw_credit_t *c, const char *kind, int64_t value, int64_t limit,
                           int64_t now_ms)
{
    qw_decision_t d;
    char level[QW_DECISION_LEVEL_MAX];
    snprintf(level, sizeof(level), "%s:%s", kind, c->deal_id);
    qw_engine_decision_start(&d, e, QW_DT_INTEGRITY, prof, s, s->period, level,
                             QW_AUDSET_MANAGER | QW_AUDSET_SALES_OPS, now_ms);
    qw_engine_evidence(&d, "flag", 0, kind);
    qw_engine_evidence(&d, "deal_id", 0, c->deal_id);
    qw_engine_evidence(&d, "credit_id", 0, c->id);
    qw_engine_evidence(&d, "amount_minor", c->amount_minor, c->currency);
    if (strcmp(kind, "reversal") == 0) {
        char won[11];
        qw_date_format(c->won_date, won);
        qw_engine_evidence(&d, "days_since_close", value, won);
        qw_engine_evidence(&d, "reversal_window_days", limit, NULL);
        qw_engine_summary(&d,
                          "Deal %s was reversed %lld days after its close (within %lld days): "
                          "clawed back and flagged for review.",
                          c->deal_id, (long long)value, (long long)limit);
    } else {
        qw_engine_evidence(&d, "discount_bp", value, NULL);
        qw_engine_evidence(&d, "discount_limit_bp", limit, NULL);
        qw_engine_summary(&d, "Deal %s carries a %lld.%02lld%% discount, above the %lld%% limit.",
                          c->deal_id, (long long)(value / 100), (long long)(value % 100),
                          (long long)(limit / 100));
    }
    qw_engine_emit(e, &d);
    if (s->integrity_flags < UINT16_MAX) s->integrity_flags++;
}

int qw_engine_apply_credit(qw_engine_t *e, const qw_rep_profile_t *prof, const qw_quota_t *quota,
                           qw_rep_state_t *st, const qw_credit_t *c, int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (qw_engine_credit_period(e, c, &per) != QW_OK)
        return qw_err_set(e->errstr, sizeof(e->errstr), "credit %s has no close date", c->id);
    int64_t amount;
    if (qw_rates_to_base(&p->rates, c->currency, c->amount_minor, &amount) != 0)
        return qw_err_set(e->errstr, sizeof(e->errstr),
                          "credit %s: currency %s is not in the policy's rate table", c->id,
                          c->currency);
    if (quota && strcmp(quota->period, per.id) != 0)
        return qw_err_set(e->errstr, sizeof(e->errstr), "credit %s is for %s, quota for %s", c->id,
                          per.id, quota->period);
    /* Every check that can fail comes before the state changes. */
    int64_t quota_base;
    if (quota && (quota->amount_minor < 0 ||
                  qw_rates_to_base(&p->rates, quota->currency, quota->amount_minor, &quota_base)))
        return qw_err_set(e->errstr, sizeof(e->errstr),
                          "quota of %s for %s: unknown currency %s or bad amount", prof->rep_id,
                          per.id, quota->currency);
    qw_period_state_t *s = qw_engine_slot(e, st, per.id, 1);
    if (!s) return QW_ERR;
    int closed = (s->flags & QW_PF_CLOSED) != 0;
    /* A closed period keeps the quota it was closed with. */
    if (!closed) qw_engine_set_quota(e, prof, quota, &per, s); /* checked above: cannot fail */
    s->credited_minor += amount;
    if (c->kind == QW_CREDIT_KIND_CREDIT) s->deals++;
    if (c->kind == QW_CREDIT_KIND_CLAWBACK) s->deals--, s->clawbacks++;
    int32_t day = c->close_time_ms != QW_TIME_NONE ? qw_tz_local_date(&p->tz, c->close_time_ms)
                                                   : c->close_date;
    if (day > per.last_day - p->stuffing_last_days) s->late_minor += amount;
    s->attainment_bp = qw_engine_attainment(s->credited_minor, s->quota_minor);

    if (c->kind == QW_CREDIT_KIND_CLAWBACK && c->won_date != QW_DATE_NONE && c->event_time_ms > 0) {
        int64_t days = (int64_t)qw_tz_local_date(&p->tz, c->event_time_ms) - c->won_date;
        if (days >= 0 && days <= p->reversal_days)
            integrity_flag(e, prof, s, c, "reversal", days, p->reversal_days, now_ms);
    }
    if (amount > 0 && c->discount_bp > p->discount_limit_bp)
        integrity_flag(e, prof, s, c, "discount", c->discount_bp, p->discount_limit_bp, now_ms);

    qw_engine_rewards(e, prof, s, now_ms);
    /* Before the close's corrections: a withdrawn coaching must not count as prior support. */
    qw_engine_late_checkpoints(e, prof, s, &per, c, amount, now_ms);

    if (closed) {
        qw_outcome_t o = qw_engine_outcome(e, s);
        if (o != s->outcome) {
            s->outcome = (uint8_t)o;
            qw_engine_reconcile(e, prof, st, now_ms);
        }
    }
    return QW_OK;
}
