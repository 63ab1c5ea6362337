/* Event-driven rules: net attainment, rewards, integrity flags, quota adjustments, zones. */
#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_credit, .init = fx_setup, .fini = fx_teardown);

static qw_rep_profile_t rep;
static qw_quota_t quota;
static qw_rep_state_t st;

static void one_rep(void)
{
    fx_rep(&rep, "ana", "east");
    fx_quota(&quota, "ana", "2026-11", 100000);
    qw_rep_state_init(&st, "ana");
}

static int apply(qw_credit_t c)
{
    return qw_engine_apply_credit(&eng, &rep, &quota, &st, &c, c.event_time_ms);
}

Test(evaluator_engine_credit, quota_achieved_once_public_with_evidence)
{
    one_rep();
    cr_assert_eq(apply(fx_credit("d1", 60000, "2026-11-05")), QW_OK);
    cr_assert_eq(sink.n, 0, "60%% earns nothing");
    cr_assert_eq(apply(fx_credit("d2", 40000, "2026-11-06")), QW_OK);
    const qw_decision_t *d = fx_find(QW_DT_QUOTA_ACHIEVED);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:ana:2026-11:reward.quota_achieved");
    cr_assert_eq(d->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER | QW_AUDSET_TEAM);
    cr_assert_eq(d->attainment_bp, 10000);
    cr_assert_str_eq(d->policy_version, "test-7");
    cr_assert_str_eq(d->quota_version, "q-2026-11-v1");
    cr_assert_eq(d->quota_minor, 100000);
    cr_assert_eq(d->credited_minor, 100000);
    cr_assert_eq(fx_ev(d, "threshold_bp")->value, 10000);
    cr_assert_eq(apply(fx_credit("d3", 5000, "2026-11-07")), QW_OK);
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1, "once per period");
}

Test(evaluator_engine_credit, opt_out_keeps_recognition_private)
{
    one_rep();
    rep.recognition_opt_out = 1;
    apply(fx_credit("d1", 100000, "2026-11-05"));
    cr_assert_eq(fx_find(QW_DT_QUOTA_ACHIEVED)->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER);
}

Test(evaluator_engine_credit, accelerator_tiers_fire_once_each)
{
    one_rep();
    apply(fx_credit("d1", 130000, "2026-11-05"));
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1);
    cr_assert_eq(fx_count(QW_DT_ACCELERATOR), 1, "125%% crossed, 150%% not");
    cr_assert_str_eq(fx_find(QW_DT_ACCELERATOR)->id, "d:ana:2026-11:reward.accelerator:bp12500");
    apply(fx_credit("d2", 10000, "2026-11-06"));
    cr_assert_eq(fx_count(QW_DT_ACCELERATOR), 1, "140%%: nothing new");
    apply(fx_credit("d3", 20000, "2026-11-07"));
    cr_assert_eq(fx_count(QW_DT_ACCELERATOR), 2);
    cr_assert_str_eq(got[sink.n - 1].id, "d:ana:2026-11:reward.accelerator:bp15000");
    apply(fx_credit("d4", 90000, "2026-11-08"));
    cr_assert_eq(fx_count(QW_DT_ACCELERATOR), 2);
}

Test(evaluator_engine_credit, clawback_first_means_no_reward)
{
    one_rep();
    apply(fx_credit("d1", 60000, "2026-11-05"));
    apply(fx_credit("d1", -60000, "2026-11-05")); /* cancelled */
    apply(fx_credit("d2", 50000, "2026-11-06"));
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 0, "gross 110%%, net 50%%");
    cr_assert_eq(qw_rep_state_find(&st, "2026-11")->credited_minor, 50000);
    cr_assert_eq(qw_rep_state_find(&st, "2026-11")->deals, 1);
}

Test(evaluator_engine_credit, clawback_withdraws_reward_and_recrossing_gets_a_new_id)
{
    one_rep();
    apply(fx_credit("d1", 110000, "2026-11-05"));
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1);
    fx_clear();
    apply(fx_credit("d1", -110000, "2026-11-05"));
    const qw_decision_t *w = fx_find(QW_DT_REWARD_WITHDRAWN);
    cr_assert_not_null(w);
    cr_assert_str_eq(w->withdraws, "d:ana:2026-11:reward.quota_achieved");
    cr_assert_eq(w->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER, "no public retraction");
    fx_clear();
    apply(fx_credit("d2", 100000, "2026-11-20"));
    cr_assert_str_eq(fx_find(QW_DT_QUOTA_ACHIEVED)->id, "d:ana:2026-11:reward.quota_achieved:g2");
}

Test(evaluator_engine_credit, reversal_within_window_is_flagged_privately)
{
    one_rep();
    apply(fx_credit("d1", 50000, "2026-11-02"));
    qw_credit_t c = fx_credit("d1", -50000, "2026-11-02");
    c.won_date = fx_day("2026-11-02");
    c.event_time_ms = fx_at("2026-11-25T10:00:00Z"); /* 23 days later */
    cr_assert_eq(apply(c), QW_OK);
    const qw_decision_t *d = fx_find(QW_DT_INTEGRITY);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:ana:2026-11:integrity.flag:reversal:d1");
    cr_assert_eq(d->audience, QW_AUDSET_MANAGER | QW_AUDSET_SALES_OPS, "never the team");
    cr_assert_eq(fx_ev(d, "days_since_close")->value, 23);
    cr_assert_eq(qw_rep_state_find(&st, "2026-11")->credited_minor, 0, "and clawed back");
}

Test(evaluator_engine_credit, reversal_after_the_window_is_not_flagged)
{
    one_rep();
    qw_credit_t c = fx_credit("d1", -50000, "2026-11-02");
    c.won_date = fx_day("2026-11-02");
    c.event_time_ms = fx_at("2026-12-03T10:00:00Z"); /* 31 days */
    apply(c);
    cr_assert_eq(fx_count(QW_DT_INTEGRITY), 0);
}

Test(evaluator_engine_credit, discount_over_limit_is_flagged)
{
    one_rep();
    qw_credit_t c = fx_credit("d1", 50000, "2026-11-02");
    c.discount_bp = 3000; /* at the limit */
    apply(c);
    cr_assert_eq(fx_count(QW_DT_INTEGRITY), 0);
    c = fx_credit("d2", 50000, "2026-11-03");
    c.discount_bp = 3500;
    apply(c);
    const qw_decision_t *d = fx_find(QW_DT_INTEGRITY);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:ana:2026-11:integrity.flag:discount:d2");
    cr_assert_eq(fx_ev(d, "discount_bp")->value, 3500);
    cr_assert_eq(fx_ev(d, "discount_limit_bp")->value, 3000);
    cr_assert_eq(d->audience & QW_AUDSET_TEAM, 0);
}

Test(evaluator_engine_credit, unknown_currency_is_an_error_and_leaves_state_alone)
{
    one_rep();
    qw_credit_t c = fx_credit("d1", 50000, "2026-11-02");
    memcpy(c.currency, "JPY", 4);
    cr_assert_eq(apply(c), QW_ERR);
    cr_assert(strstr(eng.errstr, "JPY") != NULL, "%s", eng.errstr);
    cr_assert_eq(st.nperiods, 0);
    memcpy(quota.currency, "CHF", 4);
    cr_assert_eq(apply(fx_credit("d1", 50000, "2026-11-02")), QW_ERR);
    cr_assert_eq(st.nperiods, 0);
}

Test(evaluator_engine_credit, other_currencies_convert_at_the_policy_rate)
{
    one_rep();
    qw_credit_t c = fx_credit("d1", 100000, "2026-11-02");
    memcpy(c.currency, "EUR", 4);
    apply(c);
    cr_assert_eq(qw_rep_state_find(&st, "2026-11")->credited_minor, 110000);
}

Test(evaluator_engine_credit, quota_of_another_period_is_an_error)
{
    one_rep();
    cr_assert_eq(apply(fx_credit("d1", 100, "2026-12-01")), QW_ERR);
    cr_assert(strstr(eng.errstr, "2026-12") != NULL);
}

Test(evaluator_engine_credit, ramp_quota_applies_in_the_first_periods)
{
    one_rep();
    rep.hire_date = fx_day("2026-10-20"); /* October is ramp period 1, November period 2 */
    apply(fx_credit("d1", 50000, "2026-11-05"));
    const qw_decision_t *d = fx_find(QW_DT_QUOTA_ACHIEVED);
    cr_assert_not_null(d, "50%% of the assigned quota is the ramped quota");
    cr_assert_eq(d->quota_minor, 50000);
    cr_assert_eq(fx_ev(d, "ramp")->value, 1);
    fx_quota(&quota, "ana", "2026-12", 100000);
    apply(fx_credit("d2", 50000, "2026-12-05"));
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1, "December is past ramp");
}

Test(evaluator_engine_credit, leave_prorates_the_quota)
{
    one_rep();
    rep.nleave = 1;
    rep.leave[0].start = fx_day("2026-11-01");
    rep.leave[0].end = fx_day("2026-11-15"); /* 15 of 30 days: not more than half */
    apply(fx_credit("d1", 50000, "2026-11-20"));
    const qw_period_state_t *s = qw_rep_state_find(&st, "2026-11");
    cr_assert_eq(s->quota_minor, 50000);
    cr_assert_eq(s->leave_days, 15);
    cr_assert_eq(s->flags & QW_PF_LEAVE, 0);
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1);
}

Test(evaluator_engine_credit, close_at_2330_local_on_the_last_day_counts_in_that_period)
{
    fx_policy("timezone: America/New_York\n");
    one_rep();
    fx_quota(&quota, "ana", "2026-11", 100000);
    qw_credit_t c = fx_credit("d1", 100000, "2026-12-01");
    c.close_time_ms = fx_at("2026-11-30T23:30:00-05:00"); /* 04:30 UTC on 1 December */
    qw_period_t per;
    cr_assert_eq(qw_engine_credit_period(&eng, &c, &per), QW_OK);
    cr_assert_str_eq(per.id, "2026-11");
    cr_assert_eq(apply(c), QW_OK, "%s", eng.errstr);
    cr_assert_not_null(qw_rep_state_find(&st, "2026-11"));
    cr_assert_eq(fx_count(QW_DT_QUOTA_ACHIEVED), 1);
}

Test(evaluator_engine_credit, credits_in_the_last_days_are_counted_as_late)
{
    one_rep();
    apply(fx_credit("d1", 10000, "2026-11-27")); /* the last 3 days are 28, 29, 30 */
    apply(fx_credit("d2", 20000, "2026-11-28"));
    apply(fx_credit("d3", 30000, "2026-11-30"));
    cr_assert_eq(qw_rep_state_find(&st, "2026-11")->late_minor, 50000);
}
