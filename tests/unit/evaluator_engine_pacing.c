/* Pacing checkpoints, team quota pressure and the calendar tick. */
#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_pacing, .init = fx_setup, .fini = fx_teardown);

static fx_team_t t;

static int64_t cp_time(const char *period, int idx)
{
    qw_period_t p;
    qw_period_parse(period, &p);
    return qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[idx]);
}

static int checkpoint(int idx)
{
    return qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", idx, cp_time("2026-11", idx));
}

static int count_for(const char *type, const char *rep)
{
    int n = 0;
    for (int i = 0; i < sink.n; i++)
        n += strcmp(got[i].type, type) == 0 && strcmp(got[i].rep_id, rep) == 0;
    return n;
}

Test(evaluator_engine_pacing, behind_pace_at_half_time_warns_and_recommends_coaching)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "a", 34000, "2026-11-05"); /* 34% < 0.7 x 50% */
    fx_credit_rep(&t, 1, "b", 35000, "2026-11-05"); /* exactly on the line: fine */
    cr_assert_eq(checkpoint(0), QW_OK, "%s", eng.errstr);
    const qw_decision_t *w = fx_find(QW_DT_AT_RISK);
    cr_assert_not_null(w);
    cr_assert_str_eq(w->id, "d:r1:2026-11:warning.at_risk:cp5000");
    cr_assert_eq(w->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER);
    cr_assert_eq(fx_ev(w, "expected_bp")->value, 3500);
    cr_assert_eq(fx_ev(w, "elapsed_bp")->value, 5000);
    cr_assert_eq(fx_ev(w, "attainment_bp")->value, 3400);
    cr_assert_eq(fx_ev(w, "pacing_threshold_bp")->value, 7000);
    const qw_decision_t *c = fx_find(QW_DT_COACHING);
    cr_assert_not_null(c);
    cr_assert_str_eq(c->id, "d:r1:2026-11:support.coaching_recommended:cp5000");
    cr_assert_eq(c->audience, QW_AUDSET_MANAGER);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r2"), 0);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 3, "r3 and r4 have nothing yet");
    cr_assert(qw_rep_state_find(&t.st[0], "2026-11")->flags & QW_PF_COACHED);
}

Test(evaluator_engine_pacing, once_per_checkpoint_per_period)
{
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 1);
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 1, "a repeated job run is a no-op");
    checkpoint(1);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 2, "the 75%% checkpoint is its own");
    cr_assert_str_eq(got[sink.n - 1].period, "2026-11");
}

Test(evaluator_engine_pacing, not_before_the_checkpoint)
{
    fx_team(&t, 4, "2026-11", 100000);
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", 0, cp_time("2026-11", 0) - 1),
                 QW_ERR);
    cr_assert_eq(sink.n, 0);
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", 7, cp_time("2026-11", 1)), QW_ERR);
}

Test(evaluator_engine_pacing, a_rep_mostly_on_leave_is_not_chased)
{
    fx_team(&t, 4, "2026-11", 100000);
    t.prof[0].nleave = 1;
    t.prof[0].leave[0].start = fx_day("2026-11-01");
    t.prof[0].leave[0].end = fx_day("2026-11-20");
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r2"), 1);
}

Test(evaluator_engine_pacing, ramped_quota_sets_the_pace)
{
    fx_team(&t, 4, "2026-11", 100000);
    t.prof[0].hire_date = fx_day("2026-11-02");
    fx_credit_rep(&t, 0, "a", 20000, "2026-11-05"); /* 40% of the ramped 50000 */
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 0);
}

Test(evaluator_engine_pacing, most_of_the_team_at_risk_at_75_is_quota_pressure)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "a", 90000, "2026-11-05"); /* only r1 is on pace */
    checkpoint(0);
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0, "measured at the 75%% checkpoint only");
    checkpoint(1);
    const qw_decision_t *d = fx_find(QW_DT_QUOTA_PRESSURE);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "d:team:east:2026-11:health.quota_pressure:cp7500");
    cr_assert_eq(d->audience, QW_AUDSET_SALES_OPS);
    cr_assert_eq(fx_ev(d, "at_risk")->value, 3);
    cr_assert_eq(fx_ev(d, "share_bp")->value, 7500);
    cr_assert_str_eq(d->rep_id, "");
    fx_clear();
    checkpoint(1);
    cr_assert_eq(sink.n, 0, "idempotent");
}

Test(evaluator_engine_pacing, half_the_team_at_risk_is_not_pressure)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "a", 90000, "2026-11-05");
    fx_credit_rep(&t, 1, "b", 90000, "2026-11-05");
    checkpoint(1);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 2);
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0);
}

Test(evaluator_engine_pacing, small_teams_are_not_judged)
{
    fx_team(&t, 2, "2026-11", 100000);
    checkpoint(1);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 2);
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0, "min_team_size 3");
}

Test(evaluator_engine_pacing, tick_runs_what_is_due_and_no_stale_checkpoints)
{
    fx_team(&t, 4, "2026-11", 100000);
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", fx_at("2026-11-10T00:00:00Z")), QW_OK);
    cr_assert_eq(sink.n, 0, "nothing due on the 10th");
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", fx_at("2026-11-16T00:00:00Z")), QW_OK);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 4, "50%% checkpoint");
    fx_clear();
    /* The job was down from the 16th until after the close: the 75% check is not replayed. */
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", fx_at("2026-12-05T00:00:00Z")), QW_OK);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 0);
    cr_assert(qw_rep_state_find(&t.st[0], "2026-11")->flags & QW_PF_CLOSED);
}

Test(evaluator_engine_pacing, checkpoints_follow_the_time_zone)
{
    fx_policy("timezone: Asia/Kolkata\n");
    fx_team(&t, 4, "2026-11", 100000);
    /* Half of November in Kolkata is 16 Nov 00:00 IST = 15 Nov 18:30 UTC. */
    cr_assert_eq(cp_time("2026-11", 0), fx_at("2026-11-15T18:30:00Z"));
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", 0, fx_at("2026-11-15T18:29:59Z")),
                 QW_ERR);
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", 0, fx_at("2026-11-15T18:30:00Z")),
                 QW_OK);
}

Test(evaluator_engine_pacing, missed_checkpoints_collapse_into_the_latest)
{
    fx_team(&t, 4, "2026-11", 100000);
    /* The job was down over the 50% checkpoint: its first tick is after 75%. */
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", fx_at("2026-11-24T00:00:00Z")), QW_OK);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 4, "one warning per rep, not two");
    for (int i = 0; i < sink.n; i++)
        cr_assert(strstr(got[i].id, "cp5000") == NULL, "%s", got[i].id);
    cr_assert_not_null(fx_find(QW_DT_QUOTA_PRESSURE), "75%% is the team checkpoint");
    const qw_period_state_t *s = qw_rep_state_find(&t.st[0], "2026-11");
    cr_assert_eq(s->checkpoints_done, 3, "50%% marked done (skipped)");
    cr_assert_eq(s->at_risk, 2, "at risk at 75%% only");
    fx_clear();
    cr_assert_eq(checkpoint(0), QW_OK);
    cr_assert_eq(sink.n, 0, "the skipped checkpoint is not replayed late");
}
