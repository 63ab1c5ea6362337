/* Late data corrects checkpoint verdicts: a credit closed by a checkpoint's instant that arrives
 * after the checkpoint ran withdraws the at-risk warning and coaching it contradicts; the team's
 * quota-pressure notice is re-judged. November 2026 (UTC): 50% = 16 Nov 00:00, 75% = 23 Nov
 * 12:00. Quota 100000: on pace at 50% is 35000, at 75% 52500. */
#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_late, .init = fx_setup, .fini = fx_teardown);

static fx_team_t t;

static int64_t cp_time(int idx)
{
    qw_period_t p;
    qw_period_parse("2026-11", &p);
    return qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[idx]);
}

static void checkpoint(int idx)
{
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", idx, cp_time(idx)), QW_OK, "%s",
                 eng.errstr);
}

/* A credit of rep i dated `date` that reaches the engine at `now`. */
static void late(int i, const char *deal, int64_t amount, const char *date, const char *now)
{
    qw_credit_t c = fx_credit(deal, amount, date);
    cr_assert_eq(qw_engine_apply_credit(&eng, &t.prof[i], &t.quota[i], &t.st[i], &c, fx_at(now)),
                 QW_OK, "%s", eng.errstr);
}

static qw_period_state_t *slot(int i, const char *period)
{
    qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(&t.st[i], period);
    cr_assert_not_null(s, "%s", period);
    return s;
}

static int count_for(const char *type, const char *rep)
{
    int n = 0;
    for (int k = 0; k < sink.n; k++)
        n += strcmp(got[k].type, type) == 0 && strcmp(got[k].rep_id, rep) == 0;
    return n;
}

static const qw_decision_t *find_id(const char *id)
{
    for (int k = 0; k < sink.n; k++)
        if (strcmp(got[k].id, id) == 0) return &got[k];
    return NULL;
}

Test(evaluator_engine_late, a_credit_closed_before_the_checkpoint_withdraws_warning_and_coaching)
{
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 1, "nothing credited: at risk");
    cr_assert(slot(0, "2026-11")->flags & QW_PF_COACHED);
    fx_clear();
    /* A CRM sync delay: closed on the 10th, here on the 18th. */
    late(0, "d-sync", 40000, "2026-11-10", "2026-11-18T09:00:00Z");
    const qw_decision_t *w = find_id("d:r1:2026-11:warning.withdrawn:warning.at_risk:cp5000");
    cr_assert_not_null(w);
    cr_assert_str_eq(w->type, QW_DT_WARNING_WITHDRAWN);
    cr_assert_str_eq(w->withdraws, "d:r1:2026-11:warning.at_risk:cp5000");
    cr_assert_eq(w->audience, QW_AUDSET_REP | QW_AUDSET_MANAGER);
    cr_assert_eq(w->time_ms, fx_at("2026-11-18T09:00:00Z"));
    cr_assert_str_eq(fx_ev(w, "credit_id")->text, "d-sync:40000");
    cr_assert_str_eq(fx_ev(w, "deal_id")->text, "d-sync");
    cr_assert_eq(fx_ev(w, "credit_minor")->value, 40000);
    cr_assert_str_eq(fx_ev(w, "credit_minor")->text, "2026-11-10");
    cr_assert_eq(fx_ev(w, "attainment_bp")->value, 4000, "the corrected number");
    cr_assert_eq(fx_ev(w, "previous_attainment_bp")->value, 0);
    cr_assert_eq(fx_ev(w, "expected_bp")->value, 3500);
    cr_assert_eq(fx_ev(w, "checkpoint_ms")->value, cp_time(0));
    cr_assert(strstr(w->summary, "d-sync") && strstr(w->summary, "withdrawn"), "%s", w->summary);
    const qw_decision_t *c =
        find_id("d:r1:2026-11:support.withdrawn:support.coaching_recommended:cp5000");
    cr_assert_not_null(c);
    cr_assert_str_eq(c->type, QW_DT_SUPPORT_WITHDRAWN);
    cr_assert_str_eq(c->withdraws, "d:r1:2026-11:support.coaching_recommended:cp5000");
    cr_assert_eq(c->audience, QW_AUDSET_MANAGER);
    cr_assert_eq(sink.n, 2, "just the two withdrawals");
    qw_period_state_t *s = slot(0, "2026-11");
    cr_assert_eq(s->at_risk, 0);
    cr_assert_eq(s->at_risk_withdrawn, 1);
    cr_assert_not(s->flags & QW_PF_COACHED, "no longer support offered");
}

Test(evaluator_engine_late, a_credit_closed_after_the_checkpoint_does_not_withdraw)
{
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(0);
    fx_clear();
    /* Dated on the checkpoint's own day: it may have closed after 00:00, so it cannot count. */
    late(0, "d-16", 40000, "2026-11-16", "2026-11-18T09:00:00Z");
    /* An instant one second after the checkpoint. */
    qw_credit_t c = fx_credit("d-inst", 40000, "2026-11-16");
    c.close_time_ms = cp_time(0) + 1000;
    cr_assert_eq(qw_engine_apply_credit(&eng, &t.prof[0], &t.quota[0], &t.st[0], &c,
                                        fx_at("2026-11-18T10:00:00Z")),
                 QW_OK);
    cr_assert_eq(sink.n, 0, "the checkpoint judged attainment as of its instant");
    cr_assert_eq(slot(0, "2026-11")->at_risk, 1);
    cr_assert_eq(slot(0, "2026-11")->cp_credited_minor[0], 0);
    /* An instant exactly at the checkpoint counts. */
    c = fx_credit("d-edge", 40000, "2026-11-16");
    c.close_time_ms = cp_time(0);
    cr_assert_eq(qw_engine_apply_credit(&eng, &t.prof[0], &t.quota[0], &t.st[0], &c,
                                        fx_at("2026-11-18T11:00:00Z")),
                 QW_OK);
    cr_assert_eq(count_for(QW_DT_WARNING_WITHDRAWN, "r1"), 1);
}

Test(evaluator_engine_late, late_credits_add_up_and_the_one_that_tips_it_is_named)
{
    fx_team(&t, 4, "2026-11", 100000);
    late(0, "d-early", 10000, "2026-11-03", "2026-11-03T12:00:00Z");
    checkpoint(0); /* 10% */
    fx_clear();
    late(0, "d-a", 20000, "2026-11-05", "2026-11-17T09:00:00Z");
    cr_assert_eq(sink.n, 0, "30%%: still behind pace");
    late(0, "d-b", 5000, "2026-11-06", "2026-11-17T10:00:00Z");
    const qw_decision_t *w = fx_find(QW_DT_WARNING_WITHDRAWN);
    cr_assert_not_null(w);
    cr_assert_str_eq(fx_ev(w, "deal_id")->text, "d-b");
    cr_assert_eq(fx_ev(w, "attainment_bp")->value, 3500);
    cr_assert_eq(fx_ev(w, "previous_attainment_bp")->value, 3000);
    cr_assert_eq(fx_ev(w, "credited_minor")->value, 35000);
}

Test(evaluator_engine_late, both_checkpoints_are_corrected_when_both_saw_too_little)
{
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(0);
    checkpoint(1);
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 2);
    fx_clear();
    late(0, "d-big", 60000, "2026-11-12", "2026-11-24T09:00:00Z");
    cr_assert_not_null(find_id("d:r1:2026-11:warning.withdrawn:warning.at_risk:cp5000"));
    cr_assert_not_null(find_id("d:r1:2026-11:warning.withdrawn:warning.at_risk:cp7500"));
    cr_assert_eq(count_for(QW_DT_SUPPORT_WITHDRAWN, "r1"), 2);
    cr_assert_eq(slot(0, "2026-11")->at_risk_withdrawn, 3);
}

/* The whole story on fresh states; returns the ids emitted, in order. */
static int story(char ids[][QW_DECISION_ID_MAX], int cap)
{
    fx_clear();
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(0);
    late(0, "d-sync", 40000, "2026-11-10", "2026-11-18T09:00:00Z");
    int n = sink.n < cap ? sink.n : cap;
    for (int k = 0; k < n; k++)
        memcpy(ids[k], got[k].id, QW_DECISION_ID_MAX);
    return n;
}

Test(evaluator_engine_late, a_replay_gives_the_same_ids_and_nothing_twice)
{
    static char a[16][QW_DECISION_ID_MAX], b[16][QW_DECISION_ID_MAX];
    int na = story(a, 16), nb = story(b, 16);
    cr_assert_eq(na, 10, "8 at-risk decisions (4 reps), then 2 withdrawals");
    cr_assert_str_eq(a[9], "d:r1:2026-11:support.withdrawn:support.coaching_recommended:cp5000");
    cr_assert_eq(na, nb);
    for (int k = 0; k < na; k++)
        cr_assert_str_eq(a[k], b[k]);
    /* The replayed state: the checkpoint again, the tick, another late credit: nothing new. */
    fx_clear();
    checkpoint(0);
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", fx_at("2026-11-19T00:00:00Z")), QW_OK);
    late(0, "d-more", 10000, "2026-11-11", "2026-11-19T09:00:00Z");
    cr_assert_eq(count_for(QW_DT_AT_RISK, "r1"), 0, "a withdrawn warning is not raised again");
    cr_assert_eq(count_for(QW_DT_WARNING_WITHDRAWN, "r1"), 0);
    cr_assert_eq(count_for(QW_DT_SUPPORT_WITHDRAWN, "r1"), 0);
    /* Through the Redis blob the correction survives. */
    uint8_t blob[QW_REP_STATE_BLOB_MAX];
    size_t len = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, len, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(memcmp(&back, &t.st[0], sizeof(back)), 0);
}

/* r1 is the rep under test (quota 100000); r2..r4 meet quota so no miss is systemic. */
static void close_with(const char *period, int64_t amount)
{
    char date[16];
    fx_team_period(&t, period);
    snprintf(date, sizeof(date), "%s-10", period);
    for (int i = 1; i < t.n; i++)
        fx_credit_rep(&t, i, "other", 100000, date);
    if (amount) fx_credit_rep(&t, 0, "mine", amount, date);
    fx_close(&t, period);
}

Test(evaluator_engine_late, a_withdrawn_coaching_does_not_unlock_a_review)
{
    fx_team(&t, 4, "2026-11", 100000);
    /* Two misses carried in from evicted history with no support recorded: the November
     * checkpoint's coaching would be the only support before the third miss. */
    t.st[0].base_miss_streak = 2;
    checkpoint(0);
    cr_assert_eq(count_for(QW_DT_COACHING, "r1"), 1);
    late(0, "d-sync", 40000, "2026-11-10", "2026-11-18T09:00:00Z");
    fx_clear();
    close_with("2026-11", 0); /* 40%: the third counted miss */
    cr_assert_eq(slot(0, "2026-11")->miss_streak, 3);
    cr_assert_eq(count_for(QW_DT_REVIEW, "r1"), 0, "the withdrawn coaching is no prior support");
    cr_assert(slot(0, "2026-11")->flags & QW_PF_REVIEW_BLOCKED);
    const qw_decision_t *c = fx_find(QW_DT_COACHING);
    cr_assert_not_null(c);
    cr_assert_str_eq(fx_ev(c, "reason")->text, "review_needs_prior_support");
}

Test(evaluator_engine_late, a_withdrawn_coaching_is_not_in_the_review_evidence)
{
    fx_team(&t, 4, "2026-09", 100000);
    fx_team_period(&t, "2026-09");
    qw_period_t p;
    qw_period_parse("2026-09", &p);
    int64_t at = qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[0]);
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-09", 0, at), QW_OK);
    cr_assert_eq(count_for(QW_DT_COACHING, "r1"), 1);
    late(0, "d-sync", 40000, "2026-09-10", "2026-09-18T09:00:00Z");
    cr_assert_eq(count_for(QW_DT_SUPPORT_WITHDRAWN, "r1"), 1);
    close_with("2026-09", 0); /* 40% */
    close_with("2026-10", 40000);
    fx_clear();
    close_with("2026-11", 40000); /* three periods later */
    const qw_decision_t *d = fx_find(QW_DT_REVIEW);
    cr_assert_not_null(d, "the final warning's coaching (October) was real support");
    cr_assert_eq(fx_ev(d, "at_risk_warnings")->value, 0);
    cr_assert_eq(fx_ev(d, "coaching_recommendations")->value, 1, "October's close only");
}

/* Team pressure at 75%: all four reps behind; late credits for two of them leave 2 of 4 at
 * risk, not more than half. */
Test(evaluator_engine_late, team_pressure_is_withdrawn_when_late_data_contradicts_it)
{
    fx_team(&t, 4, "2026-11", 100000);
    checkpoint(1);
    const char *pid = "d:team:east:2026-11:health.quota_pressure:cp7500";
    cr_assert_not_null(find_id(pid));
    fx_clear();
    late(0, "d-a", 60000, "2026-11-20", "2026-11-24T09:00:00Z");
    cr_assert_eq(qw_engine_rejudge(&eng, t.r, t.n, "2026-11", fx_at("2026-11-24T10:00:00Z")),
                 QW_OK);
    cr_assert_eq(fx_count(QW_DT_HEALTH_WITHDRAWN), 0, "3 of 4 still at risk");
    late(1, "d-b", 60000, "2026-11-21", "2026-11-24T11:00:00Z");
    cr_assert_eq(fx_count(QW_DT_HEALTH_WITHDRAWN), 0, "the team call decides, not the credit");
    int64_t now = fx_at("2026-11-24T12:00:00Z");
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", now), QW_OK);
    const qw_decision_t *w = fx_find(QW_DT_HEALTH_WITHDRAWN);
    cr_assert_not_null(w, "tick re-judges a checkpoint already done");
    cr_assert_str_eq(w->id, "d:team:east:2026-11:health.withdrawn:health.quota_pressure:cp7500");
    cr_assert_str_eq(w->withdraws, pid);
    cr_assert_str_eq(w->team_id, "east");
    cr_assert_eq(w->audience, QW_AUDSET_SALES_OPS);
    cr_assert_eq(fx_ev(w, "at_risk")->value, 2);
    cr_assert_eq(fx_ev(w, "at_risk_at_checkpoint")->value, 4);
    cr_assert_eq(fx_ev(w, "reps")->value, 4);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 0, "the re-tick evaluates nobody again");
    fx_clear();
    cr_assert_eq(qw_engine_rejudge(&eng, t.r, t.n, "2026-11", now + 1), QW_OK);
    cr_assert_eq(qw_engine_tick(&eng, t.r, t.n, "2026-11", now + 2), QW_OK);
    late(2, "d-c", 60000, "2026-11-21", "2026-11-24T13:00:00Z");
    cr_assert_eq(qw_engine_rejudge(&eng, t.r, t.n, "2026-11", now + 3), QW_OK);
    cr_assert_eq(fx_count(QW_DT_HEALTH_WITHDRAWN), 0, "withdrawn once");
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0);
}

Test(evaluator_engine_late, rejudge_without_pressure_or_change_is_silent)
{
    fx_team(&t, 4, "2026-11", 100000);
    fx_credit_rep(&t, 0, "a", 60000, "2026-11-05");
    fx_credit_rep(&t, 1, "b", 60000, "2026-11-05");
    checkpoint(1); /* 2 of 4: no pressure */
    cr_assert_eq(fx_count(QW_DT_QUOTA_PRESSURE), 0);
    late(2, "c", 60000, "2026-11-06", "2026-11-24T09:00:00Z");
    cr_assert_eq(qw_engine_rejudge(&eng, t.r, t.n, "2026-11", fx_at("2026-11-24T10:00:00Z")),
                 QW_OK);
    cr_assert_eq(fx_count(QW_DT_HEALTH_WITHDRAWN), 0, "nothing was raised");
    cr_assert_eq(qw_engine_rejudge(&eng, t.r, t.n, "2026-13", 0), QW_ERR);
}
