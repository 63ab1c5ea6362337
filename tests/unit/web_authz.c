/* qw-web's authorization table and the numbers of its views, on a model filled by hand: the
 * rules the integration test cannot reach cheaply (cycles in manager_id, the leaderboard modes,
 * recognition opt-out, sensitive decisions in team views, a withdrawal arriving first, a
 * duplicate credit id). */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/credit_entry.h"
#include "quotawatch/date.h"
#include "web_view.h"

static qw_policy_t policy;
static qw_web_model_t m;

static void person(const char *id, const char *email, const char *manager, const char *team,
                   qw_role_t role, int opt_out)
{
    qw_rep_profile_t p;
    memset(&p, 0, sizeof(p));
    snprintf(p.rep_id, sizeof(p.rep_id), "%s", id);
    snprintf(p.name, sizeof(p.name), "Name of %s", id);
    snprintf(p.email, sizeof(p.email), "%s", email);
    snprintf(p.manager_id, sizeof(p.manager_id), "%s", manager);
    snprintf(p.team_id, sizeof(p.team_id), "%s", team);
    p.hire_date = QW_DATE_NONE;
    p.active = 1;
    p.role = role;
    p.recognition_opt_out = opt_out;
    cr_assert_eq(qw_web_model_put_profile(&m, &p), QW_OK);
}

static void quota(const char *rep, int64_t minor)
{
    qw_quota_t q;
    memset(&q, 0, sizeof(q));
    snprintf(q.rep_id, sizeof(q.rep_id), "%s", rep);
    snprintf(q.period, sizeof(q.period), "2026-11");
    snprintf(q.currency, sizeof(q.currency), "USD");
    snprintf(q.version, sizeof(q.version), "q1");
    q.amount_minor = minor;
    cr_assert_eq(qw_web_model_put_quota(&m, &q), QW_OK);
}

static int credit(const char *id, const char *rep, int64_t minor)
{
    qw_credit_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.deal_id, sizeof(c.deal_id), "deal-%s", id);
    snprintf(c.rep_id, sizeof(c.rep_id), "%s", rep);
    c.kind = QW_CREDIT_KIND_CREDIT;
    c.reason = QW_REASON_WON;
    c.amount_minor = c.original_minor = minor;
    memcpy(c.currency, "USD", 4);
    memcpy(c.original_currency, "USD", 4);
    c.close_date = qw_date_from_ymd(2026, 11, 5);
    c.close_time_ms = QW_TIME_NONE;
    c.won_date = QW_DATE_NONE;
    c.event_time_ms = 1793869200000;
    qw_credit_entry_pb_t pb;
    qw_credit_entry_fill(&pb, &c);
    uint8_t buf[2048];
    size_t n = quotawatch__v1__credit_entry__pack(&pb.msg, buf);
    char err[256];
    return qw_web_model_apply_credit(&m, rep, buf, n, 1795176000000, err, sizeof(err));
}

static void decision(const char *id, const char *type, const char *rep, const char *team,
                     qw_audset_t aud, const char *withdraws)
{
    qw_decision_t d;
    memset(&d, 0, sizeof(d));
    snprintf(d.id, sizeof(d.id), "%s", id);
    snprintf(d.type, sizeof(d.type), "%s", type);
    snprintf(d.rep_id, sizeof(d.rep_id), "%s", rep);
    snprintf(d.team_id, sizeof(d.team_id), "%s", team);
    snprintf(d.period, sizeof(d.period), "2026-11");
    d.audience = aud;
    snprintf(d.withdraws, sizeof(d.withdraws), "%s", withdraws);
    d.time_ms = 1795176000000;
    cr_assert_neq(qw_web_model_put_decision(&m, &d), QW_ERR);
}

static void setup(void)
{
    qw_policy_defaults(&policy);
    snprintf(policy.version, sizeof(policy.version), "t");
    cr_assert_eq(qw_web_model_init(&m, &policy, NULL), QW_OK);
    person("ada", "ada@x.io", "grace", "east", QW_ROLE_REP, 0);
    person("bob", "bob@x.io", "grace", "east", QW_ROLE_REP, 1);
    person("grace", "grace@x.io", "top", "east", QW_ROLE_MANAGER, 0);
    person("top", "top@x.io", "grace", "hq", QW_ROLE_MANAGER, 0); /* a cycle: top <-> grace */
    person("olga", "olga@x.io", "", "hq", QW_ROLE_SALES_OPS, 0);
    person("hana", "hana@x.io", "", "hq", QW_ROLE_HR, 0);
    quota("ada", 1000000);
    quota("bob", 1000000);
}

static void teardown(void)
{
    qw_web_model_free(&m);
}

static int status_of(const char *email, const char *path)
{
    int st = 0;
    json_t *o = qw_web_route(&m, email, path, "", 1795176000000, &st);
    cr_assert_not_null(o);
    json_decref(o);
    return st;
}

TestSuite(web_authz, .init = setup, .fini = teardown);

Test(web_authz, a_cycle_in_manager_id_ends_and_never_makes_you_your_own_report)
{
    qw_web_viewer_t v;
    char why[128];
    cr_assert_eq(qw_web_viewer_init(&v, &m, "TOP@x.io", why, sizeof(why)), QW_OK);
    cr_assert(qw_web_viewer_manages(&v, "grace") && qw_web_viewer_manages(&v, "ada"));
    cr_assert_not(qw_web_viewer_manages(&v, "top"), "a viewer is never their own report");
    qw_web_viewer_free(&v);
}

Test(web_authz, numbers_are_the_engines_and_a_duplicate_id_counts_once)
{
    cr_assert_eq(credit("c1", "ada", 600000), QW_OK);
    cr_assert_eq(credit("c1", "ada", 600000), QW_WEB_DUPLICATE);
    cr_assert_eq(credit("c2", "ada", 500000), QW_OK);
    int st;
    json_t *o = qw_web_route(&m, "ada@x.io", "/api/v1/reps/ada", "", 1795176000000, &st);
    cr_assert_eq(st, 200);
    cr_assert_eq(json_integer_value(json_object_get(o, "credited_minor")), 1100000);
    cr_assert_eq(json_integer_value(json_object_get(o, "attainment_bp")), 11000);
    cr_assert_eq(json_array_size(json_object_get(o, "credits")), 2);
    json_decref(o);
}

Test(web_authz, the_leaderboard_follows_the_policy_and_skips_opt_outs)
{
    cr_assert_eq(status_of("ada@x.io", "/api/v1/teams/east"), 403, "off by default");
    m.policy.leaderboard = QW_LEADERBOARD_RANK;
    credit("c1", "ada", 100000);
    credit("c2", "bob", 900000);
    int st;
    json_t *o = qw_web_route(&m, "ada@x.io", "/api/v1/teams/east", "", 1795176000000, &st);
    cr_assert_eq(st, 200);
    cr_assert_null(json_object_get(o, "members"), "a rep sees the leaderboard only");
    json_t *b = json_object_get(o, "leaderboard");
    cr_assert_eq(json_array_size(b), 1, "bob opted out of public recognition");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(b, 0), "rep_id")), "ada");
    cr_assert_null(json_object_get(json_array_get(b, 0), "attainment_bp"), "rank mode: no numbers");
    json_decref(o);
    m.policy.leaderboard = QW_LEADERBOARD_ATTAINMENT;
    o = qw_web_route(&m, "ada@x.io", "/api/v1/teams/east", "", 1795176000000, &st);
    b = json_object_get(o, "leaderboard");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(b, 0), "attainment_bp")), 1000);
    json_decref(o);
    cr_assert_eq(status_of("ada@x.io", "/api/v1/teams/hq"), 403, "not their team");
}

Test(web_authz, reviews_reach_hr_and_the_manager_never_sales_ops_or_a_team_view)
{
    decision("d:ada:r", "review.termination_review", "ada", "east",
             QW_AUDSET_HR | QW_AUDSET_MANAGER | QW_AUDSET_SALES_OPS, "");
    cr_assert_eq(status_of("hana@x.io", "/api/v1/decisions/d:ada:r"), 200);
    cr_assert_eq(status_of("grace@x.io", "/api/v1/decisions/d:ada:r"), 200);
    cr_assert_eq(status_of("olga@x.io", "/api/v1/decisions/d:ada:r"), 403,
                 "sales ops never sees review evidence, whatever the audience says");
    cr_assert_eq(status_of("ada@x.io", "/api/v1/decisions/d:ada:r"), 403);
    cr_assert_eq(status_of("hana@x.io", "/api/v1/reps/ada"), 403, "HR: no standings");
    const qw_web_decision_t *d = qw_web_model_decision(&m, "d:ada:r");
    cr_assert_not(qw_web_authz_in_team_view(d));
}

Test(web_authz, a_withdrawal_that_arrives_first_still_marks_the_decision)
{
    decision("d:ada:w", "warning.withdrawn", "ada", "east", QW_AUDSET_REP, "d:ada:a");
    decision("d:ada:a", "warning.at_risk", "ada", "east", QW_AUDSET_REP | QW_AUDSET_MANAGER, "");
    const qw_web_decision_t *d = qw_web_model_decision(&m, "d:ada:a");
    cr_assert_str_eq(d->withdrawn_by, "d:ada:w");
    int st;
    json_t *o = qw_web_route(&m, "grace@x.io", "/api/v1/teams/east", "", 1795176000000, &st);
    json_t *mem = json_object_get(o, "members");
    cr_assert_eq(json_array_size(json_object_get(o, "at_risk")), 0, "withdrawn: not at risk");
    cr_assert(json_is_false(json_object_get(json_array_get(mem, 0), "at_risk")));
    json_decref(o);
}

Test(web_authz, hostile_paths_and_periods_are_refused_not_crashed)
{
    cr_assert_eq(status_of(NULL, "/api/v1/me"), 401);
    cr_assert_eq(status_of("ada@x.io", "/api/v1/reps/"), 404);
    cr_assert_eq(status_of("ada@x.io", "/api/v1/reps/ada/decisions/extra"), 404);
    cr_assert_eq(status_of("ada@x.io", "/api/v1/reps/a\x01"), 400);
    int st;
    json_t *o = qw_web_route(&m, "ada@x.io", "/api/v1/reps/ada", "period=2026-13", 0, &st);
    cr_assert_eq(st, 400);
    json_decref(o);
    o = qw_web_route(&m, "ada@x.io", "/api/v1/reps/ada", "period=2026-Q4", 0, &st);
    cr_assert_eq(st, 404, "a quarter under a monthly policy: no such period");
    json_decref(o);
}

Test(web_authz, weekly_digests_are_not_decisions_and_never_shown)
{
    decision("d:ada:2026-11:info.standing:2026-W48", QW_DT_STANDING, "ada", "east", QW_AUDSET_REP,
             "");
    cr_assert_null(qw_web_model_decision(&m, "d:ada:2026-11:info.standing:2026-W48"));
    cr_assert_eq(status_of("ada@x.io", "/api/v1/decisions/d:ada:2026-11:info.standing:2026-W48"),
                 404);
    int st;
    json_t *o = qw_web_route(&m, "ada@x.io", "/api/v1/reps/ada/decisions", "", 1795176000000, &st);
    cr_assert_eq(st, 200);
    cr_assert_eq(json_array_size(json_object_get(o, "decisions")), 0, "%s",
                 json_dumps(o, JSON_COMPACT));
    json_decref(o);
}
