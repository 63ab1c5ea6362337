/* The policy file: defaults, every kind of key, and error messages that name the key. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/policy.h"

static qw_policy_t pol;
static char err[QW_ERRSTR_MAX];

static int load(const char *yaml)
{
    err[0] = '\0';
    return qw_policy_load_string(&pol, yaml, strlen(yaml), NULL, err, sizeof(err));
}

Test(core_policy, example_file_loads)
{
    int rc = qw_policy_load_file(&pol, QW_FIXTURES "/../../deploy/policy.example.yaml", NULL, err,
                                 sizeof(err));
    cr_assert_eq(rc, QW_OK, "%s", err);
    cr_assert_str_eq(pol.version, "example-2026.11");
    cr_assert_str_eq(pol.timezone, "Europe/Berlin");
    cr_assert_str_eq(pol.rates.base, "EUR");
    cr_assert_eq(pol.rates.n, 2);
    cr_assert_eq(pol.rates.r[0].rate_e9, 920000000);
    cr_assert_gt(pol.tz.ntrans, 0, "the zone file was loaded");
}

Test(core_policy, defaults_apply_when_keys_are_absent)
{
    cr_assert_eq(load("version: v1\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.period, QW_PERIOD_MONTH);
    cr_assert_eq(pol.miss_line_bp, 8000);
    cr_assert_eq(pol.final_warning_at, 2);
    cr_assert_eq(pol.review_at, 3);
    cr_assert_eq(pol.ncheckpoints, 2);
    cr_assert_eq(pol.checkpoints_bp[1], 7500);
    cr_assert_eq(pol.pacing_threshold_bp, 7000);
    cr_assert_eq(pol.grace_days, 3);
    cr_assert_eq(pol.ramp_periods, 2);
    cr_assert_eq(pol.leave_excuse_over_bp, 5000);
    cr_assert_eq(pol.ntiers, 2);
    cr_assert_eq(pol.tiers_bp[0], 12500);
    cr_assert_eq(pol.consistent_streak, 3);
    cr_assert_eq(pol.reversal_days, 30);
    cr_assert_eq(pol.stuffing_last_days, 3);
    cr_assert_eq(pol.adverse_impact_ratio_bp, 8000);
    cr_assert_str_eq(pol.timezone, "UTC");
}

Test(core_policy, percentages_with_and_without_sign_and_decimals)
{
    cr_assert_eq(load("version: v1\nmiss_line: \"85%\"\npacing:\n  threshold: 62.5\n"
                      "  checkpoints: [25, 50.25%, 90]\nteam_health: {checkpoint: 90}\n"),
                 QW_OK, "%s", err);
    cr_assert_eq(pol.miss_line_bp, 8500);
    cr_assert_eq(pol.pacing_threshold_bp, 6250);
    cr_assert_eq(pol.ncheckpoints, 3);
    cr_assert_eq(pol.checkpoints_bp[1], 5025);
}

Test(core_policy, quarter_and_booleans)
{
    cr_assert_eq(load("version: v1\nperiod: quarter\nleave: {prorate: false}\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.period, QW_PERIOD_QUARTER);
    cr_assert_eq(pol.leave_prorate, 0);
    cr_assert_eq(pol.leave_protected_excuses, 1);
}

static void expect_error(const char *yaml, const char *needle)
{
    cr_assert_eq(load(yaml), QW_ERR, "accepted: %s", yaml);
    cr_assert(strstr(err, needle) != NULL, "error \"%s\" lacks \"%s\"", err, needle);
}

Test(core_policy, errors_name_the_key_and_the_problem)
{
    expect_error("version: v1\npacing:\n  threshold: 170\n",
                 "policy: pacing.threshold: must be a percentage between 0 and 100, got 170");
    expect_error("version: v1\nmiss_line: lots\n", "policy: miss_line: must be a percentage");
    expect_error("version: v1\npacing: {checkpoints: [50, 150]}\n", "pacing.checkpoints[1]");
    expect_error("version: v1\npacing: {checkpoints: [75, 50]}\n", "ascending");
    expect_error("version: v1\nperiod: week\n",
                 "policy: period: must be month or quarter, got week");
    expect_error("version: v1\ngrace_days: -1\n", "policy: grace_days: must be a whole number");
    expect_error("version: v1\nleave: {prorate: maybe}\n", "leave.prorate: must be true or false");
    expect_error("version: v1\ncurrency: {base: XYZ}\n", "currency.base: not an ISO 4217");
    expect_error("version: v1\ncurrency: {rates: {USD: abc}}\n", "currency.rates.USD");
    expect_error("version: v1\ncurrency: {rates: {usd: \"1\"}}\n", "currency.rates: keys");
    expect_error("version: v1\ntimezone: Mars/Olympus\n", "policy: timezone: unknown time zone");
    expect_error("version: v1\ntimezone: ../etc/passwd\n", "policy: timezone:");
    expect_error("version: v1\nmisses: {final_warning_at: 3, review_at: 3}\n", "misses.review_at");
    expect_error("version: v1\nrewards: {accelerators: [90]}\n", "rewards.accelerators");
    expect_error("version: v1\nteam_health: {checkpoint: 60}\n", "team_health.checkpoint");
    expect_error("version: v1\npacing: 5\n", "policy: pacing: must be a mapping");
}

Test(core_policy, unknown_keys_are_errors_not_defaults)
{
    expect_error("version: v1\nmiss_lien: 70\n", "policy: miss_lien: unknown key");
    expect_error("version: v1\npacing:\n  treshold: 50\n", "policy: pacing.treshold: unknown key");
}

Test(core_policy, version_is_required)
{
    expect_error("period: month\n", "policy: version: required");
}

Test(core_policy, bad_yaml_and_bad_shape)
{
    expect_error("version: [unclosed\n", "policy: invalid YAML");
    expect_error("- a\n- b\n", "must be a mapping");
    expect_error("version: v1\nversion: v2\n", "policy:");
}

Test(core_policy, missing_file)
{
    cr_assert_eq(qw_policy_load_file(&pol, "/nonexistent/policy.yaml", NULL, err, sizeof(err)),
                 QW_ERR);
    cr_assert(strstr(err, "cannot open") != NULL);
}
