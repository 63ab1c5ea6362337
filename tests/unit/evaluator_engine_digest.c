/* Weekly digests: the instant and week id (DST, year ends), who gets what (opt-out, leave,
 * roles, inactive), the numbers against qw_engine_standing, the evidence bound, and that a
 * digest changes no state and emits nothing but info.*. */
#include "evaluator_engine_fixture.h"
#include "schedule.h"

TestSuite(evaluator_engine_digest, .init = fx_setup, .fini = fx_teardown);

/* ---- the instant and the week ---------------------------------------------------------- */

static qw_policy_t weekly(const char *tz, const char *at)
{
    qw_policy_t p;
    char y[256], err[QW_ERRSTR_MAX];
    snprintf(y, sizeof(y), "version: w\ntimezone: %s\ndigests: {weekly_at: \"%s\"}\n", tz, at);
    cr_assert_eq(qw_policy_load_string(&p, y, strlen(y), NULL, err, sizeof(err)), QW_OK, "%s", err);
    return p;
}

static const char *week_of(const qw_policy_t *p, int64_t at)
{
    static char w[QW_WEEK_ID_MAX];
    qw_schedule_week_id(&p->tz, at, w);
    return w;
}

Test(evaluator_engine_digest, latest_instant_is_monday_eight_local)
{
    qw_policy_t p = weekly("Europe/Berlin", "mon 08:00");
    /* Wednesday 2026-11-25: the Monday before, 08:00 CET = 07:00Z. */
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-11-25T12:00:00Z")),
                 fx_at("2026-11-23T07:00:00Z"));
    cr_assert_str_eq(week_of(&p, fx_at("2026-11-23T07:00:00Z")), "2026-W48");
    /* Exactly at the instant it is due; a millisecond before, the week before is the latest. */
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-11-23T07:00:00Z")),
                 fx_at("2026-11-23T07:00:00Z"));
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-11-23T07:00:00Z") - 1),
                 fx_at("2026-11-16T07:00:00Z"));
    cr_assert_eq(qw_schedule_digest_next(&p, fx_at("2026-11-25T12:00:00Z")),
                 fx_at("2026-11-30T07:00:00Z"));
    /* Monday 06:30Z is 07:30 local: not yet. */
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-11-23T06:30:00Z")),
                 fx_at("2026-11-16T07:00:00Z"));
}

Test(evaluator_engine_digest, instant_follows_dst)
{
    qw_policy_t p = weekly("Europe/Berlin", "mon 08:00");
    /* DST began on Sunday 2026-03-29: the next Monday's 08:00 is CEST (06:00Z). */
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-03-30T12:00:00Z")),
                 fx_at("2026-03-30T06:00:00Z"));
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-03-29T12:00:00Z")),
                 fx_at("2026-03-23T07:00:00Z"));
    /* ... and ended on 2026-10-25. */
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-10-26T12:00:00Z")),
                 fx_at("2026-10-26T07:00:00Z"));
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-10-24T12:00:00Z")),
                 fx_at("2026-10-19T06:00:00Z"));
    /* A Sunday 02:30 digest on the spring-forward day: the transition (03:00 CEST). */
    qw_policy_t s = weekly("Europe/Berlin", "sun 02:30");
    cr_assert_eq(qw_schedule_digest_at(&s, fx_at("2026-03-29T12:00:00Z")),
                 fx_at("2026-03-29T01:00:00Z"));
    /* New York: local Monday 08:00 is Monday 13:00Z in winter; a UTC Tuesday 02:00 is still
     * Monday evening there. */
    qw_policy_t ny = weekly("America/New_York", "mon 08:00");
    cr_assert_eq(qw_schedule_digest_at(&ny, fx_at("2026-11-03T02:00:00Z")),
                 fx_at("2026-11-02T13:00:00Z"));
}

Test(evaluator_engine_digest, week_ids_at_year_ends)
{
    qw_policy_t p = weekly("UTC", "mon 08:00");
    cr_assert_str_eq(week_of(&p, fx_at("2026-12-28T08:00:00Z")), "2026-W53");
    cr_assert_str_eq(week_of(&p, fx_at("2027-01-01T08:00:00Z")), "2026-W53", "Friday of W53");
    cr_assert_str_eq(week_of(&p, fx_at("2027-01-04T08:00:00Z")), "2027-W01");
    cr_assert_str_eq(week_of(&p, fx_at("2024-12-30T08:00:00Z")), "2025-W01", "Monday in 2024");
    cr_assert_str_eq(week_of(&p, fx_at("2026-01-05T08:00:00Z")), "2026-W02");
    cr_assert_str_eq(week_of(&p, fx_at("2025-12-29T08:00:00Z")), "2026-W01");
    /* The local date counts: 23:30Z on Sunday 2027-01-03 is Monday 00:30 in Berlin. */
    qw_policy_t b = weekly("Europe/Berlin", "mon 00:15");
    cr_assert_str_eq(week_of(&b, fx_at("2027-01-03T23:30:00Z")), "2027-W01");
    cr_assert_eq(qw_schedule_digest_at(&b, fx_at("2027-01-03T23:30:00Z")),
                 fx_at("2027-01-03T23:15:00Z"));
}

Test(evaluator_engine_digest, off_means_never)
{
    qw_policy_t p;
    qw_policy_defaults(&p);
    cr_assert_eq(qw_schedule_digest_at(&p, fx_at("2026-11-25T12:00:00Z")), INT64_MIN);
    cr_assert_eq(qw_schedule_digest_next(&p, fx_at("2026-11-25T12:00:00Z")), INT64_MAX);
}

/* ---- who gets what --------------------------------------------------------------------- */

#define NP 40
static qw_rep_profile_t people[NP];
static qw_quota_t quotas[NP];
static qw_rep_state_t states[NP];
static qw_engine_rep_t set[NP];
static int npeople;

static const qw_rep_profile_t *lookup(void *opaque, const char *id)
{
    (void)opaque;
    for (int i = 0; i < npeople; i++)
        if (!strcmp(people[i].rep_id, id)) return &people[i];
    return NULL;
}

static qw_rep_profile_t *person(const char *id, const char *manager, qw_role_t role)
{
    qw_rep_profile_t *p = &people[npeople];
    fx_rep(p, id, "east");
    snprintf(p->manager_id, sizeof(p->manager_id), "%s", manager);
    p->role = role;
    fx_quota(&quotas[npeople], id, "2026-11", 3000000);
    qw_rep_state_init(&states[npeople], id);
    set[npeople] = (qw_engine_rep_t){p, &quotas[npeople], &states[npeople]};
    npeople++;
    return p;
}

static void credit(int who, const char *deal, int64_t amount, const char *day)
{
    qw_credit_t c = fx_credit(deal, amount, day);
    cr_assert_eq(qw_engine_apply_credit(&eng, &people[who], &quotas[who], &states[who], &c,
                                        fx_at("2026-11-20T00:00:00Z")),
                 QW_OK, "%s", eng.errstr);
}

static const qw_decision_t *by_id(const char *id)
{
    for (int i = 0; i < sink.n; i++)
        if (!strcmp(got[i].id, id)) return &got[i];
    return NULL;
}

static int64_t ev(const qw_decision_t *d, const char *key)
{
    const qw_evidence_t *e = fx_ev(d, key);
    cr_assert_not_null(e, "%s has no %s", d->id, key);
    return e->value;
}

static qw_digest_numbers_t scratch[NP];
static int64_t AT;

static void run_digests(void)
{
    fx_clear();
    cr_assert_eq(
        qw_engine_digests(&eng, set, npeople, AT, "2026-W48", lookup, NULL, scratch, AT + 5000),
        QW_OK, "%s", eng.errstr);
    cr_assert_eq(sink.dropped, 0);
}

static void team(void)
{
    npeople = 0;
    AT = fx_at("2026-11-23T08:00:00Z"); /* UTC policy; 23 of 30 days: 7 left */
    person("mgr-1", "vp-1", QW_ROLE_MANAGER);
    person("ada", "mgr-1", QW_ROLE_REP);
    person("bob", "mgr-1", QW_ROLE_REP)->digest_opt_out = 1;
    person("cy", "mgr-1", QW_ROLE_REP);
    person("ops", "mgr-1", QW_ROLE_SALES_OPS);
    person("hr", "mgr-1", QW_ROLE_HR);
    person("gone", "mgr-1", QW_ROLE_REP)->active = 0;
    qw_rep_profile_t *lea = person("lea", "mgr-1", QW_ROLE_REP);
    lea->nleave = 1;
    lea->leave[0] = (qw_leave_range_t){fx_day("2026-11-20"), fx_day("2026-11-27"), 0};
    credit(1, "deal-a", 2500000, "2026-11-05"); /* ada: 25,000.00 of 30,000.00: ahead */
    credit(2, "deal-b", 3100000, "2026-11-06"); /* bob: above quota */
    credit(3, "deal-c", 500000, "2026-11-07");  /* cy: behind */
}

Test(evaluator_engine_digest, who_gets_a_standing_and_who_a_team_digest)
{
    team();
    run_digests();
    cr_assert_not_null(by_id("d:ada:2026-11:info.standing:2026-W48"));
    cr_assert_not_null(by_id("d:cy:2026-11:info.standing:2026-W48"));
    cr_assert_not_null(by_id("d:mgr-1:2026-11:info.standing:2026-W48"),
                       "a manager with a quota stands too");
    cr_assert_null(by_id("d:bob:2026-11:info.standing:2026-W48"), "bob opted out");
    cr_assert_null(by_id("d:lea:2026-11:info.standing:2026-W48"), "lea is on leave");
    cr_assert_null(by_id("d:ops:2026-11:info.standing:2026-W48"), "sales ops is not evaluated");
    cr_assert_null(by_id("d:hr:2026-11:info.standing:2026-W48"));
    cr_assert_null(by_id("d:gone:2026-11:info.standing:2026-W48"), "inactive");
    cr_assert_null(by_id("d:vp-1:2026-11:info.team_digest:2026-W48"), "vp-1 is not in the roster");
    const qw_decision_t *t = by_id("d:mgr-1:2026-11:info.team_digest:2026-W48");
    cr_assert_not_null(t);
    cr_assert_eq(fx_count(QW_DT_STANDING), 3);
    cr_assert_eq(fx_count(QW_DT_TEAM_DIGEST), 1);
    cr_assert_eq(sink.n, 4, "nothing but info.*");
    for (int i = 0; i < sink.n; i++) {
        cr_assert_eq(qw_dt_family(got[i].type), QW_DTF_INFO, "%s", got[i].type);
        cr_assert_eq(got[i].audience, QW_AUDSET_REP, "%s: the recipient only", got[i].id);
        cr_assert_eq(got[i].time_ms, AT + 5000);
        cr_assert_str_eq(got[i].policy_version, "test-7");
        cr_assert_str_eq(got[i].team_id, "east");
        cr_assert_null(strstr(got[i].summary, "integrity"));
        cr_assert_null(strstr(got[i].summary, "review"));
        for (int k = 0; k < got[i].nevidence; k++) {
            cr_assert_null(strstr(got[i].evidence[k].key, "integrity"));
            cr_assert_null(strstr(got[i].evidence[k].key, "review"));
        }
    }
    cr_assert_str_eq(t->rep_id, "mgr-1", "addressed to the manager themself");
    /* Reports: ada, bob (opted out, still listed), cy, lea (on leave) -- not ops, hr, gone. */
    cr_assert_eq(ev(t, "reports"), 4);
    cr_assert_eq(ev(t, "behind_pace"), 1, "cy; lea is on leave");
    cr_assert_eq(ev(t, "at_or_above_quota"), 1, "bob");
    cr_assert_eq(ev(t, "on_leave"), 1);
    cr_assert_eq(ev(t, "team_credited_minor"), 2500000 + 3100000 + 500000);
    cr_assert_eq(t->credited_minor, 6100000);
    /* lea's November quota is prorated by her 8 leave days of 30. */
    int64_t lea_q = 3000000LL * 22 / 30;
    cr_assert_eq(ev(t, "team_quota_minor"), 3 * 3000000 + lea_q);
    cr_assert_eq(ev(t, "team_attainment_bp"), 6100000LL * 10000 / (9000000 + lea_q));
    cr_assert_eq(ev(t, "days_left"), 7);
    /* Behind pace first (cy), then by attainment (ada below bob), leave last. */
    cr_assert(strstr(fx_ev(t, "report.01")->text, "(cy)"), "%s", fx_ev(t, "report.01")->text);
    cr_assert(strstr(fx_ev(t, "report.01")->text, "behind pace"));
    cr_assert(strstr(fx_ev(t, "report.02")->text, "(ada)"), "%s", fx_ev(t, "report.02")->text);
    cr_assert(strstr(fx_ev(t, "report.03")->text, "(bob)"), "%s", fx_ev(t, "report.03")->text);
    cr_assert(strstr(fx_ev(t, "report.04")->text, "(lea): on leave"), "%s",
              fx_ev(t, "report.04")->text);
    cr_assert_null(fx_ev(t, "report.05"));
    cr_assert_null(fx_ev(t, "more"));
}

Test(evaluator_engine_digest, opted_out_or_absent_manager_gets_none)
{
    team();
    people[0].digest_opt_out = 1;
    run_digests();
    cr_assert_null(by_id("d:mgr-1:2026-11:info.team_digest:2026-W48"));
    cr_assert_null(by_id("d:mgr-1:2026-11:info.standing:2026-W48"), "opted out of both");
    cr_assert_not_null(by_id("d:ada:2026-11:info.standing:2026-W48"));
    people[0].digest_opt_out = 0;
    people[0].nleave = 1;
    people[0].leave[0] = (qw_leave_range_t){fx_day("2026-11-23"), fx_day("2026-11-23"), 1};
    run_digests();
    cr_assert_null(by_id("d:mgr-1:2026-11:info.team_digest:2026-W48"), "on leave that day");
    people[0].nleave = 0;
    people[0].active = 0;
    run_digests();
    cr_assert_null(by_id("d:mgr-1:2026-11:info.team_digest:2026-W48"), "inactive manager");
}

Test(evaluator_engine_digest, numbers_equal_the_standing)
{
    team();
    run_digests();
    qw_period_t nov;
    cr_assert_eq(qw_period_parse("2026-11", &nov), 0);
    const char *ids[] = {"ada", "cy"};
    int idx[] = {1, 3};
    for (int k = 0; k < 2; k++) {
        qw_standing_t s;
        cr_assert_eq(qw_engine_standing(&eng, &people[idx[k]], &quotas[idx[k]], &states[idx[k]],
                                        "2026-11", &s),
                     QW_OK);
        char id[QW_DECISION_ID_MAX];
        snprintf(id, sizeof(id), "d:%s:2026-11:info.standing:2026-W48", ids[k]);
        const qw_decision_t *d = by_id(id);
        cr_assert_not_null(d);
        cr_assert_eq(d->credited_minor, s.credited_minor);
        cr_assert_eq(d->quota_minor, s.quota_minor);
        cr_assert_eq(d->attainment_bp, s.attainment_bp);
        cr_assert_str_eq(d->quota_version, s.quota_version);
        cr_assert_eq(ev(d, "credited_minor"), s.credited_minor);
        cr_assert_eq(ev(d, "quota_minor"), s.quota_minor);
        cr_assert_eq(ev(d, "attainment_bp"), s.attainment_bp);
        cr_assert_eq(ev(d, "deals"), s.deals);
        int32_t el = qw_period_elapsed_bp(&nov, &pol.tz, AT);
        cr_assert_eq(ev(d, "elapsed_bp"), el);
        cr_assert_eq(ev(d, "expected_bp"), el);
        cr_assert_eq(ev(d, "target_minor"), s.quota_minor * el / 10000);
        cr_assert_eq(ev(d, "days_left"), 7);
    }
    /* 22 days 8 h of 30: 7444 bp; ada 25,000.00 of 30,000.00 = 8333 bp, ahead. */
    const qw_decision_t *a = by_id("d:ada:2026-11:info.standing:2026-W48");
    cr_assert_eq(ev(a, "elapsed_bp"), 7444);
    cr_assert_eq(a->attainment_bp, 8333);
    cr_assert_eq(ev(a, "target_minor"), 2233200);
    cr_assert_eq(ev(a, "delta_minor"), 2500000 - 2233200);
    cr_assert_eq(ev(a, "behind"), 0);
    cr_assert_eq(ev(a, "pace_bp"), 2500000LL * 10000 / 2233200);
    cr_assert(strstr(a->summary, "83.3% of your 2026-11 quota (25000.00 USD of 30000.00 USD)"),
              "%s", a->summary);
    cr_assert(strstr(a->summary, "on pace"), "%s", a->summary);
    const qw_decision_t *c = by_id("d:cy:2026-11:info.standing:2026-W48");
    cr_assert_eq(ev(c, "behind"), 1);
    cr_assert(strstr(c->summary, "behind pace, with 7 days left"), "%s", c->summary);
}

Test(evaluator_engine_digest, ids_are_deterministic_and_nothing_changes)
{
    team();
    qw_rep_state_t before[NP];
    memcpy(before, states, sizeof(before));
    run_digests();
    int n1 = sink.n;
    char ids[8][QW_DECISION_ID_MAX];
    for (int i = 0; i < n1 && i < 8; i++)
        memcpy(ids[i], got[i].id, sizeof(ids[i]));
    cr_assert_eq(memcmp(before, states, sizeof(before)), 0, "no state changes");
    /* A second run (the job crashed before marking the week) re-makes the same ids. */
    run_digests();
    cr_assert_eq(sink.n, n1);
    for (int i = 0; i < n1 && i < 8; i++)
        cr_assert_str_eq(got[i].id, ids[i]);
    /* Another input order gives the same output order. */
    qw_engine_rep_t tmp = set[0];
    set[0] = set[npeople - 1];
    set[npeople - 1] = tmp;
    run_digests();
    for (int i = 0; i < n1 && i < 8; i++)
        cr_assert_str_eq(got[i].id, ids[i]);
    /* Checkpoint and close rules are untouched: a tick afterwards is the same as without. */
    cr_assert_eq(memcmp(before, states, sizeof(before)), 0);
}

Test(evaluator_engine_digest, many_reports_stay_within_the_evidence_bound)
{
    npeople = 0;
    AT = fx_at("2026-11-23T08:00:00Z");
    person("boss", "", QW_ROLE_MANAGER);
    for (int i = 0; i < 30; i++) {
        char id[16];
        snprintf(id, sizeof(id), "r%02d", i);
        person(id, "boss", QW_ROLE_REP);
        if (i % 3 == 0) credit(npeople - 1, id, 3000000, "2026-11-04"); /* met quota */
    }
    run_digests();
    const qw_decision_t *t = by_id("d:boss:2026-11:info.team_digest:2026-W48");
    cr_assert_not_null(t);
    cr_assert_eq(t->nevidence, QW_EVIDENCE_MAX);
    cr_assert_eq(ev(t, "reports"), 30);
    cr_assert_eq(ev(t, "behind_pace"), 20);
    cr_assert_eq(ev(t, "at_or_above_quota"), 10);
    cr_assert_eq(ev(t, "more"), 30 - 20);
    cr_assert_str_eq(fx_ev(t, "more")->text, "and 10 more");
    /* The 20 lines shown are the 20 behind pace, in rep id order (all at 0%). */
    cr_assert(strstr(fx_ev(t, "report.01")->text, "(r01)"), "%s", fx_ev(t, "report.01")->text);
    cr_assert(strstr(fx_ev(t, "report.20")->text, "(r29)"), "%s", fx_ev(t, "report.20")->text);
    for (int i = 1; i <= 20; i++) {
        char k[16];
        snprintf(k, sizeof(k), "report.%02d", i);
        cr_assert(strstr(fx_ev(t, k)->text, "behind pace"), "%s", fx_ev(t, k)->text);
    }
    cr_assert_eq(fx_count(QW_DT_STANDING), 31);
}

Test(evaluator_engine_digest, rep_without_quota_or_credit)
{
    npeople = 0;
    AT = fx_at("2026-11-23T08:00:00Z");
    person("m", "", QW_ROLE_MANAGER);
    person("new", "m", QW_ROLE_REP);
    set[1].quota = NULL;
    run_digests();
    const qw_decision_t *d = by_id("d:new:2026-11:info.standing:2026-W48");
    cr_assert_not_null(d);
    cr_assert_eq(d->quota_minor, 0);
    cr_assert_eq(ev(d, "behind"), 0, "nothing to be behind of");
    cr_assert(strstr(d->summary, "no quota is assigned for 2026-11"), "%s", d->summary);
    const qw_decision_t *t = by_id("d:m:2026-11:info.team_digest:2026-W48");
    cr_assert_eq(ev(t, "no_quota"), 1);
    cr_assert_eq(ev(t, "team_quota_minor"), 0);
}
