/* The four-fifths adverse-impact report. */
#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_fairness, .init = fx_setup, .fini = fx_teardown);

static fx_team_t t;

/* 10 reps: cohort A = r1..r5, cohort B = r6..r10; `warned` of each are marked at risk. */
static void cohorts(int warned_a, int warned_b)
{
    memset(&t, 0, sizeof(t));
    fx_team(&t, 10, "2026-11", 100000);
    for (int i = 0; i < 10; i++) {
        snprintf(t.prof[i].cohort, sizeof(t.prof[i].cohort), "%s", i < 5 ? "A" : "B");
        fx_credit_rep(&t, i, "d", 10000, "2026-11-02");
        int warned = i < 5 ? i < warned_a : i - 5 < warned_b;
        if (warned) {
            qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(&t.st[i], "2026-11");
            s->at_risk = 1;
        }
    }
}

Test(evaluator_engine_fairness, a_cohort_below_four_fifths_of_the_best_is_reported)
{
    cohorts(1, 3); /* A: 4/5 = 80% favourable; B: 2/5 = 40% -> ratio 50% */
    qw_fairness_report_t r;
    cr_assert_eq(qw_engine_fairness_report(&eng, t.r, t.n, "2026-11", 42, &r), QW_OK);
    cr_assert_eq(r.ncohorts, 2);
    cr_assert_eq(r.best_rate_bp, 8000);
    cr_assert_eq(r.c[1].favourable_rate_bp, 4000);
    cr_assert_eq(r.c[1].impact_ratio_bp, 5000);
    cr_assert(r.c[1].adverse);
    cr_assert(!r.c[0].adverse);
    cr_assert_eq(fx_count(QW_DT_ADVERSE_IMPACT), 1);
    const qw_decision_t *d = fx_find(QW_DT_ADVERSE_IMPACT);
    cr_assert_str_eq(d->id, "d:cohort:B:2026-11:health.adverse_impact");
    cr_assert_eq(d->audience, QW_AUDSET_SALES_OPS);
    cr_assert_eq(fx_ev(d, "impact_ratio_bp")->value, 5000);
    cr_assert_eq(fx_ev(d, "threshold_bp")->value, 8000);
    cr_assert_str_eq(d->rep_id, "", "about a cohort, never a person");
}

Test(evaluator_engine_fairness, exactly_four_fifths_is_not_adverse)
{
    cohorts(0, 1); /* A: 100%, B: 80% -> ratio exactly 80% */
    qw_fairness_report_t r;
    qw_engine_fairness_report(&eng, t.r, t.n, "2026-11", 42, &r);
    cr_assert_eq(r.c[1].impact_ratio_bp, 8000);
    cr_assert_eq(fx_count(QW_DT_ADVERSE_IMPACT), 0);
}

Test(evaluator_engine_fairness, reviews_count_and_withdrawn_ones_do_not)
{
    cohorts(0, 0);
    qw_period_state_t *s = (qw_period_state_t *)qw_rep_state_find(&t.st[5], "2026-11");
    s->flags |= QW_PF_REVIEW;
    s = (qw_period_state_t *)qw_rep_state_find(&t.st[6], "2026-11");
    s->flags |= QW_PF_REVIEW | QW_PF_REVIEW_WITHDRAWN;
    qw_fairness_report_t r;
    qw_engine_fairness_report(&eng, t.r, t.n, "2026-11", 42, &r);
    cr_assert_eq(r.c[1].reviewed, 1);
    cr_assert_eq(r.c[1].favourable, 4);
}

Test(evaluator_engine_fairness, a_warning_withdrawn_by_late_data_is_not_counted)
{
    /* Cohort B was behind at 50% only because its deals reached the system late. */
    memset(&t, 0, sizeof(t));
    fx_team(&t, 10, "2026-11", 100000);
    for (int i = 0; i < 10; i++) {
        snprintf(t.prof[i].cohort, sizeof(t.prof[i].cohort), "%s", i < 5 ? "A" : "B");
        if (i < 5) fx_credit_rep(&t, i, "d", 50000, "2026-11-02");
    }
    qw_period_t p;
    qw_period_parse("2026-11", &p);
    int64_t at = qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[0]);
    cr_assert_eq(qw_engine_checkpoint(&eng, t.r, t.n, "2026-11", 0, at), QW_OK);
    cr_assert_eq(fx_count(QW_DT_AT_RISK), 5);
    for (int i = 5; i < 10; i++) {
        qw_credit_t c = fx_credit("late", 50000, "2026-11-09");
        cr_assert_eq(
            qw_engine_apply_credit(&eng, &t.prof[i], &t.quota[i], &t.st[i], &c, at + 86400000),
            QW_OK);
    }
    cr_assert_eq(fx_count(QW_DT_WARNING_WITHDRAWN), 5);
    fx_clear();
    qw_fairness_report_t r;
    cr_assert_eq(qw_engine_fairness_report(&eng, t.r, t.n, "2026-11", at + 2 * 86400000, &r),
                 QW_OK);
    cr_assert_str_eq(r.c[1].cohort, "B");
    cr_assert_eq(r.c[1].warned, 0);
    cr_assert_eq(r.c[1].favourable, 5);
    cr_assert_eq(fx_count(QW_DT_ADVERSE_IMPACT), 0);
}

Test(evaluator_engine_fairness, small_cohorts_and_reps_without_cohort_are_not_flagged)
{
    cohorts(0, 3);
    t.prof[9].cohort[0] = '\0';
    t.prof[8].cohort[0] = '\0'; /* B now has 3 members: below min_cohort_size 5 */
    qw_fairness_report_t r;
    qw_engine_fairness_report(&eng, t.r, t.n, "2026-11", 42, &r);
    cr_assert_eq(r.c[1].members, 3);
    cr_assert_eq(r.c[1].favourable_rate_bp, 0);
    cr_assert(!r.c[1].adverse);
    cr_assert_eq(fx_count(QW_DT_ADVERSE_IMPACT), 0);
}
