/* Period close: outcomes, consecutive misses, the final warning, the termination-review request
 * with its safeguards, consistent-performer recognition, the stuffing flag, and the corrections
 * that follow when a late credit changes a closed period. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

void qw_engine_history(qw_decision_t *d, const qw_rep_state_t *st, int upto, int max)
{
    static const char *names[] = {"open", "hit", "miss", "no_quota"};
    for (int i = upto, k = 0; i >= 0 && k < max; i--) {
        const qw_period_state_t *s = &st->p[i];
        if (!(s->flags & QW_PF_CLOSED)) continue;
        char key[QW_EVIDENCE_KEY_MAX], text[512];
        snprintf(key, sizeof(key), "history.%s", s->period);
        snprintf(text, sizeof(text),
                 "outcome=%s quota=%lld credited=%lld quota_version=%.16s at_risk=%d coached=%d "
                 "final_warning=%d ramp=%d leave_days=%d leave_excused=%d systemic=%d "
                 "integrity_flags=%d",
                 names[s->outcome & 3], (long long)s->quota_minor, (long long)s->credited_minor,
                 s->quota_version, __builtin_popcount(s->at_risk),
                 (s->flags & (QW_PF_COACHED | QW_PF_COACHED_AT_CLOSE)) != 0,
                 (s->flags & QW_PF_FINAL_WARNING) && !(s->flags & QW_PF_FINAL_WITHDRAWN),
                 (s->flags & QW_PF_RAMP) != 0, s->leave_days, (s->flags & QW_PF_LEAVE) != 0,
                 (s->flags & QW_PF_SYSTEMIC) != 0, s->integrity_flags);
        qw_engine_evidence(d, key, s->attainment_bp, text);
        k++;
    }
}

static void withdraw(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                     const char *wtype, const char *type, qw_audset_t aud, int64_t now_ms)
{
    qw_decision_t d;
    qw_engine_decision_start(&d, e, wtype, prof, s, s->period, type, aud, now_ms);
    qw_engine_decision_id(d.withdraws, prof->rep_id, s->period, type, NULL);
    qw_engine_evidence(&d, "attainment_bp", s->attainment_bp, NULL);
    qw_engine_evidence(&d, "miss_line_bp", e->policy->miss_line_bp, NULL);
    qw_engine_evidence(&d, "miss_streak", s->miss_streak, NULL);
    qw_engine_evidence(&d, "hit_streak", s->hit_streak, NULL);
    qw_engine_summary(&d,
                      "Correction: %s for %s is withdrawn; a late change to the credited amount "
                      "means it is no longer justified.",
                      type, s->period);
    qw_engine_emit(e, &d);
}

static void coaching_at_close(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                              const char *reason, int64_t now_ms)
{
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_COACHING, prof, s, s->period, "close", QW_AUDSET_MANAGER,
                             now_ms);
    qw_engine_evidence(&d, "reason", 0, reason);
    qw_engine_evidence(&d, "attainment_bp", s->attainment_bp, NULL);
    qw_engine_evidence(&d, "miss_streak", s->miss_streak, NULL);
    qw_engine_summary(&d, "Coaching recommended for %s after %d missed periods in a row (%s).",
                      prof->name[0] ? prof->name : prof->rep_id, s->miss_streak, reason);
    qw_engine_emit(e, &d);
    s->flags |= QW_PF_COACHED_AT_CLOSE;
}

static void final_warning(qw_engine_t *e, const qw_rep_profile_t *prof, qw_rep_state_t *st, int i,
                          int64_t now_ms)
{
    qw_period_state_t *s = &st->p[i];
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_FINAL_WARNING, prof, s, s->period, NULL,
                             QW_AUDSET_REP | QW_AUDSET_MANAGER | QW_AUDSET_HR, now_ms);
    qw_engine_evidence(&d, "miss_streak", s->miss_streak, NULL);
    qw_engine_evidence(&d, "final_warning_at", e->policy->final_warning_at, NULL);
    qw_engine_evidence(&d, "review_at", e->policy->review_at, NULL);
    qw_engine_evidence(&d, "miss_line_bp", e->policy->miss_line_bp, NULL);
    qw_engine_history(&d, st, i, 6);
    qw_engine_summary(&d,
                      "Final warning: %s missed %d periods in a row (%s at %d.%02d%%, miss line "
                      "%d%%); coaching is recommended to the manager.",
                      prof->name[0] ? prof->name : prof->rep_id, s->miss_streak, s->period,
                      s->attainment_bp / 100, (s->attainment_bp < 0 ? 0 : s->attainment_bp % 100),
                      e->policy->miss_line_bp / 100);
    qw_engine_emit(e, &d);
    s->flags |= QW_PF_FINAL_WARNING;
    coaching_at_close(e, prof, s, "final_warning", now_ms);
}

static void review(qw_engine_t *e, const qw_rep_profile_t *prof, qw_rep_state_t *st, int i,
                   int64_t now_ms)
{
    qw_period_state_t *s = &st->p[i];
    int at_risk = 0, coached = 0, finals = 0, integrity = 0, leave = 0, ramp = 0;
    for (int j = 0; j <= i; j++) {
        const qw_period_state_t *q = &st->p[j];
        if (!(q->flags & QW_PF_CLOSED) || q->miss_streak == 0 || i - j >= s->miss_streak + 3)
            continue;
        /* Decisions, not periods, for both counts: every at-risk warning came with one
         * coaching recommendation; withdrawn ones are no longer in at_risk. */
        at_risk += __builtin_popcount(q->at_risk);
        coached += __builtin_popcount(q->at_risk);
        coached += (q->flags & QW_PF_COACHED_AT_CLOSE) != 0;
        finals += (q->flags & QW_PF_FINAL_WARNING) && !(q->flags & QW_PF_FINAL_WITHDRAWN);
        integrity += q->integrity_flags;
        leave += q->leave_days;
        ramp += (q->flags & QW_PF_RAMP) != 0;
    }
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_REVIEW, prof, s, s->period, NULL,
                             QW_AUDSET_HR | QW_AUDSET_MANAGER, now_ms);
    qw_engine_evidence(&d, "miss_streak", s->miss_streak, NULL);
    qw_engine_evidence(&d, "review_at", e->policy->review_at, NULL);
    qw_engine_evidence(&d, "miss_line_bp", e->policy->miss_line_bp, NULL);
    qw_engine_evidence(&d, "at_risk_warnings", at_risk, NULL);
    qw_engine_evidence(&d, "coaching_recommendations",
                       coached + ((st->base_flags & (QW_PF_COACHED | QW_PF_COACHED_AT_CLOSE)) != 0),
                       NULL);
    qw_engine_evidence(&d, "final_warnings", finals, NULL);
    qw_engine_evidence(&d, "leave_days", leave, NULL);
    qw_engine_evidence(&d, "ramp_periods", ramp, NULL);
    qw_engine_evidence(&d, "integrity_flags", integrity, NULL);
    qw_engine_evidence(&d, "safeguards", 0,
                       "coaching issued before; no ramp, leave-excused or systemic period "
                       "counted");
    qw_engine_evidence(&d, "decision", 0, "human review required (GDPR Art. 22)");
    qw_engine_history(&d, st, i, 6);
    qw_engine_summary(&d,
                      "Request for a human review: %s missed %d periods in a row after coaching "
                      "was offered. This is not a decision; HR and the manager decide.",
                      prof->name[0] ? prof->name : prof->rep_id, s->miss_streak);
    qw_engine_emit(e, &d);
    s->flags |= QW_PF_REVIEW;
}

/* A closed period that counts for the streaks at all: it had a quota and was not excused by
 * leave. Excused periods are neutral: they neither add to a streak nor reset it. */
static int judged(const qw_period_state_t *s)
{
    return (s->flags & QW_PF_CLOSED) && !(s->flags & QW_PF_LEAVE) &&
           (s->outcome == QW_OUTCOME_HIT || s->outcome == QW_OUTCOME_MISS);
}

/* "Met quota" for recognition: reached rewards.quota_achieved, not merely the miss line. */
static int met_quota(const qw_engine_t *e, const qw_period_state_t *s)
{
    return judged(s) &&
           qw_engine_attainment(s->credited_minor, s->quota_minor) >= e->policy->quota_achieved_bp;
}

static int integrity_in_streak(const qw_engine_t *e, const qw_rep_state_t *st, int i, int n)
{
    for (int j = i; j >= 0 && n > 0; j--) {
        if (!met_quota(e, &st->p[j])) continue;
        if (st->p[j].integrity_flags) return 1;
        n--;
    }
    return 0;
}

static void consistent(qw_engine_t *e, const qw_rep_profile_t *prof, qw_rep_state_t *st, int i,
                       int64_t now_ms)
{
    qw_period_state_t *s = &st->p[i];
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_CONSISTENT, prof, s, s->period, NULL,
                             qw_engine_reward_audience(prof), now_ms);
    qw_engine_evidence(&d, "hit_streak", s->hit_streak, NULL);
    qw_engine_evidence(&d, "streak_required", e->policy->consistent_streak, NULL);
    qw_engine_history(&d, st, i, e->policy->consistent_streak);
    qw_engine_evidence(&d, "quota_achieved_bp", e->policy->quota_achieved_bp, NULL);
    qw_engine_summary(&d, "%s met quota (at least %d%%) %d periods in a row.",
                      prof->name[0] ? prof->name : prof->rep_id, e->policy->quota_achieved_bp / 100,
                      s->hit_streak);
    qw_engine_emit(e, &d);
    s->flags |= QW_PF_CONSISTENT;
}

/* Raise a due decision once; withdraw a raised one that is no longer due. A withdrawn decision
 * is not raised again for the same period (its id would be a duplicate). */
#define RAISED(s, f, w) (((s)->flags & (f)) && !((s)->flags & (w)))

void qw_engine_reconcile(qw_engine_t *e, const qw_rep_profile_t *prof, qw_rep_state_t *st,
                         int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    int miss = st->base_miss_streak, hit = st->base_hit_streak;
    int coached = (st->base_flags & (QW_PF_COACHED | QW_PF_COACHED_AT_CLOSE)) != 0;
    int reviewed = (st->base_flags & QW_PF_REVIEW) != 0;
    for (int i = 0; i < st->nperiods; i++) {
        qw_period_state_t *s = &st->p[i];
        if (!(s->flags & QW_PF_CLOSED)) continue;
        /* Two notions of a hit: at or above the miss line ends a run of misses; reaching
         * quota_achieved counts towards recognition. Ramp and systemic misses are neutral for
         * the misses; a leave-excused period is neutral for both (judged()). */
        int is_hit = judged(s) && s->outcome == QW_OUTCOME_HIT;
        int met = met_quota(e, s);
        int counted = judged(s) && s->outcome == QW_OUTCOME_MISS &&
                      !(s->flags & (QW_PF_RAMP | QW_PF_SYSTEMIC));
        if (is_hit) miss = 0, coached = 0, reviewed = 0;
        if (counted) miss++;
        if (judged(s)) hit = met ? hit + 1 : 0;
        s->miss_streak = (int16_t)(miss > 999 ? 999 : miss);
        s->hit_streak = (int16_t)(hit > 999 ? 999 : hit);
        int coached_before = coached || (s->flags & QW_PF_COACHED);

        int final_due = counted && miss == p->final_warning_at;
        if (final_due && !(s->flags & QW_PF_FINAL_WARNING))
            final_warning(e, prof, st, i, now_ms);
        else if (!final_due && RAISED(s, QW_PF_FINAL_WARNING, QW_PF_FINAL_WITHDRAWN)) {
            withdraw(e, prof, s, QW_DT_WARNING_WITHDRAWN, QW_DT_FINAL_WARNING,
                     QW_AUDSET_REP | QW_AUDSET_MANAGER | QW_AUDSET_HR, now_ms);
            s->flags |= QW_PF_FINAL_WITHDRAWN;
        }

        int review_streak = counted && miss >= p->review_at &&
                            (!reviewed || RAISED(s, QW_PF_REVIEW, QW_PF_REVIEW_WITHDRAWN));
        if (review_streak && !coached_before && !(s->flags & QW_PF_REVIEW)) {
            /* Support before consequences: offer coaching now, review at a later miss. */
            if (!(s->flags & QW_PF_REVIEW_BLOCKED)) {
                s->flags |= QW_PF_REVIEW_BLOCKED;
                if (!(s->flags & QW_PF_COACHED_AT_CLOSE))
                    coaching_at_close(e, prof, s, "review_needs_prior_support", now_ms);
            }
        } else if (review_streak && !(s->flags & QW_PF_REVIEW)) {
            review(e, prof, st, i, now_ms);
        } else if (!review_streak && RAISED(s, QW_PF_REVIEW, QW_PF_REVIEW_WITHDRAWN)) {
            withdraw(e, prof, s, QW_DT_REVIEW_WITHDRAWN, QW_DT_REVIEW,
                     QW_AUDSET_HR | QW_AUDSET_MANAGER, now_ms);
            s->flags |= QW_PF_REVIEW_WITHDRAWN;
        }
        if (RAISED(s, QW_PF_REVIEW, QW_PF_REVIEW_WITHDRAWN)) reviewed = 1;

        int cons_due = met && hit == p->consistent_streak &&
                       !integrity_in_streak(e, st, i, p->consistent_streak);
        if (cons_due && !(s->flags & QW_PF_CONSISTENT))
            consistent(e, prof, st, i, now_ms);
        else if (!cons_due && RAISED(s, QW_PF_CONSISTENT, QW_PF_CONSISTENT_WITHDRAWN)) {
            withdraw(e, prof, s, QW_DT_REWARD_WITHDRAWN, QW_DT_CONSISTENT,
                     QW_AUDSET_REP | QW_AUDSET_MANAGER, now_ms);
            s->flags |= QW_PF_CONSISTENT_WITHDRAWN;
        }
        coached = coached_before || (s->flags & QW_PF_COACHED_AT_CLOSE);
    }
}

static void stuffing(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                     int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    if (s->credited_minor <= 0 || (s->flags & QW_PF_STUFFING)) return;
    /* late / credited > share, in integers */
    if (s->late_minor <= 0 ||
        (__int128)s->late_minor * 10000 <= (__int128)p->stuffing_share_bp * s->credited_minor)
        return;
    qw_decision_t d;
    qw_engine_decision_start(&d, e, QW_DT_INTEGRITY, prof, s, s->period, "stuffing",
                             QW_AUDSET_MANAGER | QW_AUDSET_SALES_OPS, now_ms);
    int64_t share = s->late_minor * 10000 / s->credited_minor;
    qw_engine_evidence(&d, "flag", 0, "stuffing");
    qw_engine_evidence(&d, "late_credited_minor", s->late_minor, NULL);
    qw_engine_evidence(&d, "credited_minor", s->credited_minor, NULL);
    qw_engine_evidence(&d, "late_share_bp", share, NULL);
    qw_engine_evidence(&d, "stuffing_share_bp", p->stuffing_share_bp, NULL);
    qw_engine_evidence(&d, "last_days", p->stuffing_last_days, NULL);
    qw_engine_evidence(&d, "rewards_granted", s->rewards, NULL);
    qw_engine_summary(&d,
                      "%lld.%02lld%% of the credit for %s closed in its last %d days (limit %d%%): "
                      "flagged for the manager's review.",
                      (long long)(share / 100), (long long)(share % 100), s->period,
                      p->stuffing_last_days, p->stuffing_share_bp / 100);
    qw_engine_emit(e, &d);
    s->flags |= QW_PF_STUFFING;
    if (s->integrity_flags < UINT16_MAX) s->integrity_flags++;
}

int qw_engine_close_period(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                           int64_t now_ms)
{
    const qw_policy_t *p = e->policy;
    qw_period_t per;
    if (qw_period_parse(period, &per) != 0 || per.kind != p->period)
        return qw_err_set(e->errstr, sizeof(e->errstr), "not a %s period: %s",
                          p->period == QW_PERIOD_MONTH ? "month" : "quarter", period);
    int64_t close_ms = qw_period_close_ms(&per, &p->tz, p->grace_days);
    if (now_ms < close_ms)
        return qw_err_set(e->errstr, sizeof(e->errstr),
                          "period %s closes at %lld (after %d grace days), not yet", period,
                          (long long)close_ms, p->grace_days);
    int rc = QW_OK;
    char err[QW_ERRSTR_MAX] = "";
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = qw_engine_slot(e, team[i].state, period, 1);
        if (!s || (s->flags & QW_PF_CLOSED)) {
            if (!s) rc = QW_ERR, memcpy(err, e->errstr, sizeof(err));
            continue;
        }
        if (qw_engine_set_quota(e, team[i].profile, team[i].quota, &per, s) != QW_OK) {
            rc = QW_ERR, memcpy(err, e->errstr, sizeof(err));
            continue;
        }
        s->attainment_bp = qw_engine_attainment(s->credited_minor, s->quota_minor);
        s->outcome = (uint8_t)qw_engine_outcome(e, s);
        s->flags |= QW_PF_CLOSING;
    }
    qw_engine_team_systemic(e, team, n, period, now_ms);
    for (int i = 0; i < n; i++) {
        qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(team[i].state, period);
        if (!s || !(s->flags & QW_PF_CLOSING)) continue;
        stuffing(e, team[i].profile, s, now_ms);
        s->flags = (s->flags & ~QW_PF_CLOSING) | QW_PF_CLOSED;
        qw_engine_reconcile(e, team[i].profile, team[i].state, now_ms);
    }
    if (rc != QW_OK) memcpy(e->errstr, err, sizeof(err));
    return rc;
}
