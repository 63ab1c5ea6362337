/* Period close: misses, the final warning, the termination-review request and its safeguards,
 * corrections, consistent performers and the stuffing flag. r1 is the rep under test; r2..r4
 * meet quota so that the team is not in a systemic miss unless a test says so. */
#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_close, .init = fx_setup, .fini = fx_teardown);

static fx_team_t t;

/* One period: the others hit quota, r1 is credited `amount` (quota 100000), then the close. */
static void period_with(const char *period, int64_t amount)
{
    char date[16], deal[32];
    fx_team_period(&t, period);
    snprintf(date, sizeof(date), "%s-10", period);
    for (int i = 1; i < t.n; i++) {
        snprintf(deal, sizeof(deal), "%s-r%d", period, i + 1);
        fx_credit_rep(&t, i, deal, 100000, date);
    }
    snprintf(deal, sizeof(deal), "%s-r1", period);
    if (amount) fx_credit_rep(&t, 0, deal, amount, date);
    fx_close(&t, period);
}

static const qw_period_state_t *slot(const char *period)
{
    const qw_period_state_t *s = qw_rep_state_find(&t.st[0], period);
    cr_assert_not_null(s, "%s", period);
    return s;
}

static int count_for(const char *type, const char *rep)
{
    int n = 0;
    for (int i = 0; i < sink.n; i++)
        n += strcmp(got[i].type, type) == 0 && strcmp(got[i].rep_id, rep) == 0;
    return n;
}

Test(evaluator_engine_close, the_miss_line_decides)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 79999);
    cr_assert_eq(slot("2026-09")->outcome, QW_OUTCOME_MISS);
    cr_assert(slot("2026-09")->flags & QW_PF_CLOSED);
    period_with("2026-10", 80000);
    cr_assert_eq(slot("2026-10")->outcome, QW_OUTCOME_HIT);
}

Test(evaluator_engine_close, close_waits_for_the_grace_period)
{
    fx_team(&t, 4, "2026-11", 100000);
    int64_t at = fx_close_time("2026-11");
    cr_assert_eq(at, fx_at("2026-12-04T00:00:00Z"), "3 grace days after 30 November");
    cr_assert_eq(qw_engine_close_period(&eng, t.r, t.n, "2026-11", at - 1), QW_ERR);
    cr_assert_eq(t.st[0].nperiods, 0, "nothing touched");
    /* A CRM edit during the grace period still counts in November. */
    fx_credit_rep(&t, 0, "late", 90000, "2026-11-29");
    cr_assert_eq(qw_engine_close_period(&eng, t.r, t.n, "2026-11", at), QW_OK);
    cr_assert_eq(slot("2026-11")->outcome, QW_OUTCOME_HIT);
}

Test(evaluator_engine_close, two_misses_bring_the_final_warning_with_coaching)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    cr_assert_eq(count_for(QW_DT_FINAL_WARNING, "r1"), 0, "one miss: no final warning");
    period_with("2026-10", 50000);
    const qw_decision_t *d = fx_find(QW_DT_FINAL_WARNING);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:r1:2026-10:warning.final");
    cr_assert_eq(d->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER | QW_AUDSET_HR);
    cr_assert_eq(fx_ev(d, "miss_streak")->value, 2);
    cr_assert_not_null(fx_ev(d, "history.2026-09"));
    const qw_decision_t *c = fx_find(QW_DT_COACHING);
    cr_assert_not_null(c, "support comes with the warning");
    cr_assert_str_eq(c->id, "d:r1:2026-10:support.coaching_recommended:close");
    cr_assert_eq(c->audience, QW_AUDSET_MANAGER);
}

Test(evaluator_engine_close, third_miss_requests_a_human_review_with_evidence)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 60000);
    fx_clear();
    period_with("2026-11", 70000);
    const qw_decision_t *d = fx_find(QW_DT_REVIEW);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:r1:2026-11:review.termination_review");
    cr_assert_eq(d->audience, QW_AUDSET_HR | QW_AUDSET_MANAGER, "never the rep or the team");
    cr_assert(strstr(d->summary, "Request for a human review") != NULL, "%s", d->summary);
    cr_assert(strstr(d->summary, "not a decision") != NULL);
    cr_assert_str_eq(d->policy_version, "test-7");
    cr_assert_str_eq(d->quota_version, "q-2026-11-v1");
    cr_assert_eq(d->attainment_bp, 7000);
    cr_assert_eq(fx_ev(d, "miss_streak")->value, 3);
    cr_assert_eq(fx_ev(d, "history.2026-09")->value, 5000);
    cr_assert_eq(fx_ev(d, "history.2026-10")->value, 6000);
    cr_assert_eq(fx_ev(d, "history.2026-11")->value, 7000);
    cr_assert_geq(fx_ev(d, "coaching_recommendations")->value, 1);
    cr_assert_eq(fx_ev(d, "final_warnings")->value, 1);
    cr_assert_not_null(fx_ev(d, "integrity_flags"));
    cr_assert_not_null(fx_ev(d, "leave_days"));
    fx_clear();
    period_with("2026-12", 70000);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0, "one review per run of misses");
}

Test(evaluator_engine_close, a_hit_resets_the_count)
{
    fx_team(&t, 4, "2026-07", 100000);
    period_with("2026-07", 50000);
    period_with("2026-08", 50000);
    period_with("2026-09", 100000);
    cr_assert_eq(slot("2026-09")->miss_streak, 0);
    period_with("2026-10", 50000);
    period_with("2026-11", 50000);
    cr_assert_eq(count_for(QW_DT_FINAL_WARNING, "r1"), 2);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0, "4 misses, but never 3 in a row");
    cr_assert_eq(slot("2026-11")->miss_streak, 2);
}

Test(evaluator_engine_close, no_review_without_coaching_offered_first)
{
    fx_team(&t, 4, "2026-11", 100000);
    /* Two misses carried in from evicted history, with no support ever recorded. */
    t.st[0].base_miss_streak = 2;
    period_with("2026-11", 50000);
    cr_assert_eq(slot("2026-11")->miss_streak, 3);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0);
    const qw_decision_t *c = fx_find(QW_DT_COACHING);
    cr_assert_not_null(c, "support is offered instead");
    cr_assert_str_eq(fx_ev(c, "reason")->text, "review_needs_prior_support");
    cr_assert(slot("2026-11")->flags & QW_PF_REVIEW_BLOCKED);
    period_with("2026-12", 50000);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 1, "after support, the next miss is reviewed");
}

Test(evaluator_engine_close, ramp_periods_never_count_as_misses)
{
    fx_team(&t, 4, "2026-08", 100000);
    t.prof[0].hire_date = fx_day("2026-08-15"); /* August and September are ramp */
    period_with("2026-08", 10000);
    period_with("2026-09", 10000);
    cr_assert(slot("2026-09")->flags & QW_PF_RAMP);
    cr_assert_eq(slot("2026-09")->quota_minor, 50000, "the ramped quota");
    cr_assert_eq(slot("2026-09")->miss_streak, 0);
    period_with("2026-10", 10000);
    period_with("2026-11", 10000);
    cr_assert_eq(slot("2026-11")->miss_streak, 2);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0);
    cr_assert_eq(count_for(QW_DT_FINAL_WARNING, "r1"), 1);
}

Test(evaluator_engine_close, a_period_mostly_on_leave_never_counts)
{
    fx_team(&t, 4, "2026-09", 100000);
    t.prof[0].nleave = 1;
    t.prof[0].leave[0].start = fx_day("2026-10-05");
    t.prof[0].leave[0].end = fx_day("2026-10-24"); /* 20 of 31 days */
    period_with("2026-09", 10000);
    period_with("2026-10", 10000);
    cr_assert(slot("2026-10")->flags & QW_PF_LEAVE);
    cr_assert_eq(slot("2026-10")->quota_minor, 100000 * 11 / 31, "prorated by active days");
    period_with("2026-11", 10000);
    cr_assert_eq(slot("2026-11")->miss_streak, 2);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0);
}

Test(evaluator_engine_close, protected_leave_excuses_the_period)
{
    fx_team(&t, 4, "2026-09", 100000);
    t.prof[0].nleave = 1;
    t.prof[0].leave[0].start = fx_day("2026-10-05");
    t.prof[0].leave[0].end = fx_day("2026-10-07");
    t.prof[0].leave[0].is_protected = 1;
    period_with("2026-09", 10000);
    period_with("2026-10", 10000);
    period_with("2026-11", 10000);
    cr_assert(slot("2026-10")->flags & QW_PF_LEAVE);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0);
}

Test(evaluator_engine_close, systemic_miss_withholds_reviews_and_tells_sales_ops)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000);
    fx_clear();
    /* November: r1, r2 and r3 miss -- 3 of 4. */
    fx_team_period(&t, "2026-11");
    fx_credit_rep(&t, 3, "n4", 100000, "2026-11-10");
    fx_credit_rep(&t, 1, "n2", 10000, "2026-11-10");
    fx_close(&t, "2026-11");
    cr_assert_eq(fx_count(QW_DT_REVIEW), 0);
    const qw_decision_t *d = fx_find(QW_DT_QUOTA_PRESSURE);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:team:east:2026-11:health.quota_pressure:systemic");
    cr_assert_eq(d->audience, QW_AUDSET_SALES_OPS);
    cr_assert_str_eq(d->team_id, "east");
    cr_assert_eq(fx_ev(d, "missed")->value, 3);
    cr_assert_eq(fx_ev(d, "reps")->value, 4);
    cr_assert(slot("2026-11")->flags & QW_PF_SYSTEMIC);
    cr_assert_eq(slot("2026-11")->miss_streak, 2, "a systemic period does not count");
}

Test(evaluator_engine_close, half_the_team_missing_is_not_systemic)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000);
    fx_team_period(&t, "2026-11");
    fx_credit_rep(&t, 3, "n4", 100000, "2026-11-10");
    fx_credit_rep(&t, 2, "n3", 100000, "2026-11-10");
    fx_close(&t, "2026-11"); /* r1 and r2 miss: 2 of 4 is not more than half */
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 1);
}

Test(evaluator_engine_close, late_credit_turning_the_miss_into_a_hit_withdraws_the_review)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000);
    period_with("2026-11", 50000);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 1);
    fx_clear();
    fx_team_period(&t, "2026-11");
    fx_credit_rep(&t, 0, "late-edit", 40000, "2026-11-30"); /* 90% */
    cr_assert_eq(slot("2026-11")->outcome, QW_OUTCOME_HIT);
    const qw_decision_t *w = fx_find(QW_DT_REVIEW_WITHDRAWN);
    cr_assert_not_null(w);
    cr_assert_str_eq(w->withdraws, "d:r1:2026-11:review.termination_review");
    cr_assert_str_eq(w->id, "d:r1:2026-11:review.withdrawn:review.termination_review");
    cr_assert_eq(w->audience, QW_AUDSET_HR | QW_AUDSET_MANAGER);
    cr_assert_eq(fx_count(QW_DT_WARNING_WITHDRAWN), 0, "October's final warning still holds");
    fx_clear();
    fx_credit_rep(&t, 0, "late-edit-2", 1000, "2026-11-30");
    cr_assert_eq(sink.n, 0, "withdrawn once");
}

Test(evaluator_engine_close, late_credit_in_an_earlier_period_withdraws_what_followed)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000);
    period_with("2026-11", 50000);
    fx_clear();
    fx_team_period(&t, "2026-10");
    fx_credit_rep(&t, 0, "october-fix", 50000, "2026-10-31"); /* October becomes a hit */
    cr_assert_eq(fx_count(QW_DT_WARNING_WITHDRAWN), 1);
    cr_assert_str_eq(fx_find(QW_DT_WARNING_WITHDRAWN)->withdraws, "d:r1:2026-10:warning.final");
    cr_assert_eq(fx_count(QW_DT_REVIEW_WITHDRAWN), 1);
    cr_assert_eq(slot("2026-11")->miss_streak, 1);
}

Test(evaluator_engine_close, a_cancelled_deal_never_shields_a_miss)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "big", 100000, "2026-11-03");
    fx_credit_rep(&t, 0, "big", -60000, "2026-11-20"); /* partly refunded */
    period_with("2026-11", 0);
    cr_assert_eq(slot("2026-11")->outcome, QW_OUTCOME_MISS);
    cr_assert_eq(slot("2026-11")->attainment_bp, 4000);
}

Test(evaluator_engine_close, a_late_clawback_after_close_turns_a_hit_into_a_miss)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 100000);
    cr_assert_eq(count_for(QW_DT_FINAL_WARNING, "r1"), 0);
    fx_clear();
    fx_team_period(&t, "2026-10");
    fx_credit_rep(&t, 0, "2026-10-r1", -100000, "2026-10-10");
    cr_assert_eq(slot("2026-10")->outcome, QW_OUTCOME_MISS);
    cr_assert_eq(count_for(QW_DT_FINAL_WARNING, "r1"), 1, "two misses in a row after all");
    cr_assert_eq(count_for(QW_DT_REWARD_WITHDRAWN, "r1"), 1, "the reward is withdrawn");
}

Test(evaluator_engine_close, three_hits_in_a_row_earn_consistent_performer_once)
{
    fx_team(&t, 4, "2026-08", 100000);
    period_with("2026-08", 100000);
    period_with("2026-09", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 0);
    period_with("2026-10", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 1);
    const qw_decision_t *d = NULL;
    for (int i = 0; i < sink.n; i++)
        if (!strcmp(got[i].type, QW_DT_CONSISTENT) && !strcmp(got[i].rep_id, "r1")) d = &got[i];
    cr_assert_str_eq(d->id, "d:r1:2026-10:reward.consistent_performer");
    cr_assert_eq(d->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER | QW_AUDSET_TEAM);
    period_with("2026-11", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 1);
}

Test(evaluator_engine_close, an_integrity_flag_in_the_streak_holds_back_recognition)
{
    fx_team(&t, 4, "2026-08", 100000);
    period_with("2026-08", 100000);
    fx_team_period(&t, "2026-09");
    qw_credit_t c = fx_credit("discounted", 100000, "2026-09-10");
    c.discount_bp = 6000;
    cr_assert_eq(qw_engine_apply_credit(&eng, &t.prof[0], &t.quota[0], &t.st[0], &c, 0), QW_OK);
    period_with("2026-09", 0);
    period_with("2026-10", 100000);
    cr_assert_eq(slot("2026-10")->hit_streak, 3);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 0);
}

Test(evaluator_engine_close, stuffing_is_flagged_at_close)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "early", 40000, "2026-11-10");
    fx_credit_rep(&t, 0, "late", 60000, "2026-11-29");
    fx_credit_rep(&t, 1, "early2", 60000, "2026-11-10");
    fx_credit_rep(&t, 1, "late2", 40000, "2026-11-29");
    period_with("2026-11", 0);
    cr_assert_eq(count_for(QW_DT_INTEGRITY, "r1"), 1);
    cr_assert_eq(count_for(QW_DT_INTEGRITY, "r2"), 0, "40%% late is under the limit");
    const qw_decision_t *d = fx_find(QW_DT_INTEGRITY);
    cr_assert_str_eq(d->id, "d:r1:2026-11:integrity.flag:stuffing");
    cr_assert_eq(fx_ev(d, "late_share_bp")->value, 6000);
    cr_assert_eq(d->audience, QW_AUDSET_MANAGER | QW_AUDSET_SALES_OPS);
}

Test(evaluator_engine_close, closing_twice_emits_nothing_new)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000);
    fx_clear();
    cr_assert_eq(qw_engine_close_period(&eng, t.r, t.n, "2026-10", fx_close_time("2026-10") + 5),
                 QW_OK);
    cr_assert_eq(sink.n, 0);
}

Test(evaluator_engine_close, no_quota_is_neither_hit_nor_miss)
{
    fx_team(&t, 4, "2026-11", 100000);
    t.r[0].quota = NULL;
    fx_close(&t, "2026-11");
    cr_assert_eq(slot("2026-11")->outcome, QW_OUTCOME_NO_QUOTA);
    cr_assert_eq(slot("2026-11")->miss_streak, 0);
}

Test(evaluator_engine_close, recognition_needs_quota_achieved_not_just_the_miss_line)
{
    fx_team(&t, 4, "2026-06", 100000);
    period_with("2026-06", 90000);
    period_with("2026-07", 95000);
    period_with("2026-08", 99999);
    cr_assert_eq(slot("2026-08")->outcome, QW_OUTCOME_HIT, "above the miss line: no miss");
    cr_assert_eq(slot("2026-08")->miss_streak, 0);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 0, "but quota was never met");
    cr_assert_eq(slot("2026-08")->hit_streak, 0);
    period_with("2026-09", 100000);
    period_with("2026-10", 120000);
    period_with("2026-11", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 1);
    const qw_decision_t *d = NULL;
    for (int i = 0; i < sink.n; i++)
        if (!strcmp(got[i].type, QW_DT_CONSISTENT) && !strcmp(got[i].rep_id, "r1")) d = &got[i];
    cr_assert_str_eq(d->period, "2026-11");
    cr_assert_eq(fx_ev(d, "quota_achieved_bp")->value, 10000);
    cr_assert(strstr(d->summary, "met quota") != NULL, "%s", d->summary);
}

Test(evaluator_engine_close, a_period_short_of_quota_breaks_the_recognition_run)
{
    fx_team(&t, 4, "2026-08", 100000);
    period_with("2026-08", 100000);
    period_with("2026-09", 100000);
    period_with("2026-10", 85000); /* a hit for the misses, not for recognition */
    period_with("2026-11", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 0);
    cr_assert_eq(slot("2026-11")->hit_streak, 1);
}

Test(evaluator_engine_close, a_leave_excused_hit_does_not_reset_the_misses)
{
    fx_team(&t, 4, "2026-09", 100000);
    period_with("2026-09", 50000);
    period_with("2026-10", 50000); /* final warning, with coaching */
    t.prof[0].nleave = 1;
    t.prof[0].leave[0].start = fx_day("2026-11-05");
    t.prof[0].leave[0].end = fx_day("2026-11-24"); /* 20 of 30 days */
    period_with("2026-11", 100000);
    cr_assert(slot("2026-11")->flags & QW_PF_LEAVE);
    cr_assert_eq(slot("2026-11")->outcome, QW_OUTCOME_HIT);
    cr_assert_eq(slot("2026-11")->miss_streak, 2, "excused: neutral, not a reset");
    t.prof[0].nleave = 0;
    period_with("2026-12", 50000);
    cr_assert_eq(slot("2026-12")->miss_streak, 3);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 1);
}

Test(evaluator_engine_close, a_leave_excused_period_is_neutral_for_recognition_too)
{
    fx_team(&t, 4, "2026-08", 100000);
    period_with("2026-08", 100000);
    period_with("2026-09", 100000);
    t.prof[0].nleave = 1;
    t.prof[0].leave[0].start = fx_day("2026-10-05");
    t.prof[0].leave[0].end = fx_day("2026-10-24");
    period_with("2026-10", 100000);
    cr_assert_eq(slot("2026-10")->hit_streak, 2, "does not add to the run");
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 0);
    t.prof[0].nleave = 0;
    period_with("2026-11", 100000);
    cr_assert_eq(count_for(QW_DT_CONSISTENT, "r1"), 1, "nor break it");
}

Test(evaluator_engine_close, the_review_counts_warnings_and_coaching_as_decisions)
{
    fx_team(&t, 4, "2026-09", 100000);
    qw_period_t p;
    qw_period_parse("2026-09", &p);
    for (int c = 0; c < 2; c++)
        cr_assert_eq(
            qw_engine_checkpoint(&eng, t.r, t.n, "2026-09", c,
                                 qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[c])),
            QW_OK);
    /* Closed after both checkpoints: they stand (two warnings, two coaching recommendations). */
    fx_credit_rep(&t, 0, "end-of-month", 50000, "2026-09-28");
    period_with("2026-09", 0);
    period_with("2026-10", 50000); /* final warning + coaching */
    fx_clear();
    period_with("2026-11", 50000);
    const qw_decision_t *d = fx_find(QW_DT_REVIEW);
    cr_assert_not_null(d);
    cr_assert_eq(fx_ev(d, "at_risk_warnings")->value, 2);
    cr_assert_eq(fx_ev(d, "coaching_recommendations")->value, 3);
    cr_assert_eq(fx_ev(d, "final_warnings")->value, 1);
}
