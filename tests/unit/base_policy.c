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

Test(base_policy, example_file_loads)
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

Test(base_policy, defaults_apply_when_keys_are_absent)
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

Test(base_policy, percentages_with_and_without_sign_and_decimals)
{
    cr_assert_eq(load("version: v1\nmiss_line: \"85%\"\npacing:\n  threshold: 62.5\n"
                      "  checkpoints: [25, 50.25%, 90]\nteam_health: {checkpoint: 90}\n"),
                 QW_OK, "%s", err);
    cr_assert_eq(pol.miss_line_bp, 8500);
    cr_assert_eq(pol.pacing_threshold_bp, 6250);
    cr_assert_eq(pol.ncheckpoints, 3);
    cr_assert_eq(pol.checkpoints_bp[1], 5025);
}

Test(base_policy, quarter_and_booleans)
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

/* The whole message, exactly as docs/policy.md lists it. */
static void expect_exact(const char *yaml, const char *msg)
{
    cr_assert_eq(load(yaml), QW_ERR, "accepted: %s", yaml);
    cr_assert_str_eq(err, msg);
}

Test(base_policy, errors_name_the_key_and_the_problem)
{
    expect_exact(
        "version: v1\npacing:\n  threshold: 170\n",
        "policy:3:14: pacing.threshold: must be a percentage between 0% and 100%, got 170");
    expect_exact("version: v1\nmiss_line: lots\n",
                 "policy:2:12: miss_line: must be a percentage between 0.01% and 100%, got lots");
    expect_exact("version: v1\npacing: {checkpoints: [50, 150]}\n",
                 "policy:2:28: pacing.checkpoints[1]: must be a percentage between 0.01% and "
                 "99.99%, got 150");
    expect_exact(
        "version: v1\npacing: {checkpoints: [75, 50]}\n",
        "policy:2:28: pacing.checkpoints[1]: must be in ascending order, got 50 after 75%");
    expect_exact("version: v1\nperiod: week\n",
                 "policy:2:9: period: must be month or quarter, got week");
    expect_exact("version: v1\ngrace_days: -1\n",
                 "policy:2:13: grace_days: must be a whole number between 0 and 60, got -1");
    expect_exact("version: v1\nleave: {prorate: maybe}\n",
                 "policy:2:18: leave.prorate: must be true or false, got maybe");
    expect_exact("version: v1\ncurrency: {base: XYZ}\n",
                 "policy:2:18: currency.base: not an ISO 4217 currency, got XYZ");
    expect_exact("version: v1\ncurrency: {rates: {USD: abc}}\n",
                 "policy:2:25: currency.rates.USD: must be a positive decimal rate, got abc");
    /* A rate longer than the value buffer: said so, without reading the unfilled buffer (the
     * stack overflow fuzz_policy found). */
    expect_exact(
        "version: v1\ncurrency: {rates: {USD: "
        "0.00000000000000000000000000000000000000000000000000000000000000000001}}\n",
        "policy:2:25: currency.rates.USD: must be a positive decimal rate, got a value too "
        "long to be a rate");
    expect_exact("version: v1\ncurrency: {rates: {usd: \"1\"}}\n",
                 "policy:2:20: currency.rates: keys must be ISO 4217 codes, got usd");
    expect_error("version: v1\ntimezone: Mars/Olympus\n",
                 "policy:2:1: timezone: unknown time zone");
    expect_error("version: v1\ntimezone: ../etc/passwd\n", "policy:2:1: timezone:");
    expect_exact("version: v1\nmisses: {final_warning_at: 3, review_at: 3}\n",
                 "policy:2:31: misses.review_at: must be greater than misses.final_warning_at (3), "
                 "got 3");
    expect_exact("version: v1\nrewards: {accelerators: [90]}\n",
                 "policy:2:11: rewards.accelerators: tiers must be above rewards.quota_achieved "
                 "(100%), got 90%");
    expect_exact("version: v1\nteam_health: {checkpoint: 60}\n",
                 "policy:2:15: team_health.checkpoint: must be one of pacing.checkpoints, got 60%");
    expect_exact("version: v1\npacing: 5\n", "policy:2:1: pacing: must be a mapping, got 5");
    expect_exact("version: v1\nmiss_line:\n",
                 "policy:2:1: miss_line: must be a percentage between 0.01% and 100%, got nothing");
    expect_exact("version: v1\nmiss_line: [80]\n",
                 "policy:2:1: miss_line: must be a single value, got a list or mapping");
}

Test(base_policy, unknown_keys_are_errors_not_defaults)
{
    expect_exact("version: v1\nmiss_lien: 70\n", "policy:2:1: miss_lien: unknown key");
    expect_exact("version: v1\npacing:\n  treshold: 50\n",
                 "policy:3:3: pacing.treshold: unknown key");
}

Test(base_policy, version_is_required)
{
    expect_exact("period: month\n", "policy: version: required (recorded in decisions)");
}

Test(base_policy, bad_yaml_and_bad_shape)
{
    expect_exact("version: [unclosed\n",
                 "policy:2:1: invalid YAML: flow sequence without a closing bracket");
    expect_exact("- a\n- b\n", "policy: the document must be a mapping of keys");
}

/* Issue 8: a fraction written for a percentage was silently read as a tiny percentage. */
Test(base_policy, a_bare_fraction_is_ambiguous)
{
    expect_exact("version: v1\nmiss_line: 0.8\n",
                 "policy:2:12: miss_line: 0.8 is ambiguous: write 80% for eighty percent (or "
                 "0.8% if you mean it)");
    expect_exact("version: v1\nmiss_line: \"0.8\"\n",
                 "policy:2:13: miss_line: 0.8 is ambiguous: write 80% for eighty percent (or "
                 "0.8% if you mean it)");
    expect_exact("version: v1\nrewards: {quota_achieved: 1}\n",
                 "policy:2:27: rewards.quota_achieved: 1 is ambiguous: write 100% for one "
                 "hundred percent (or 1% if you mean it)");
    expect_exact("version: v1\npacing: {checkpoints: [0.5, 75]}\n",
                 "policy:2:24: pacing.checkpoints[0]: 0.5 is ambiguous: write 50% for fifty "
                 "percent (or 0.5% if you mean it)");
    expect_exact("version: v1\npacing: {threshold: 0.125}\n",
                 "policy:2:21: pacing.threshold: 0.125 is ambiguous: write 12.5% for 12.5 percent "
                 "(or 0.125% if you mean it)");
    expect_exact("version: v1\nintegrity: {discount_limit: 0.35}\n",
                 "policy:2:29: integrity.discount_limit: 0.35 is ambiguous: write 35% for "
                 "thirty-five percent (or 0.35% if you mean it)");
}

Test(base_policy, explicit_small_percentages_and_zero_are_fine)
{
    cr_assert_eq(load("version: v1\nmiss_line: 0.8%\npacing: {threshold: 0}\n"
                      "integrity: {discount_limit: 1 %}\nleave: {excuse_over: 1.5}\n"),
                 QW_OK, "%s", err);
    cr_assert_eq(pol.miss_line_bp, 80);
    cr_assert_eq(pol.pacing_threshold_bp, 0);
    cr_assert_eq(pol.discount_limit_bp, 100);
    cr_assert_eq(pol.leave_excuse_over_bp, 150);
}

Test(base_policy, fractional_accelerators_get_a_hint)
{
    expect_exact("version: v1\nrewards: {accelerators: [1.25, 1.5]}\n",
                 "policy:2:11: rewards.accelerators: tiers must be above rewards.quota_achieved "
                 "(100%), got 1.25% (write 125% for a 1.25x tier)");
}

/* Issue 10: libfyaml reported duplicates without the key, and the loader said "invalid YAML". */
Test(base_policy, duplicate_keys_name_the_key_path_and_both_lines)
{
    expect_exact("version: v1\nmiss_line: 80\nmiss_line: 70\n",
                 "policy:3:1: miss_line: duplicate key (first at line 2)");
    expect_exact("version: v1\npacing:\n  threshold: 50\n  threshold: 60\n",
                 "policy:4:3: pacing.threshold: duplicate key (first at line 3)");
    expect_exact("version: v1\ncurrency: {rates: {USD: \"1\", USD: \"2\"}}\n",
                 "policy:2:30: currency.rates.USD: duplicate key (first at line 2)");
}

/* Issue 10: two bytes hung every service at start (libfyaml 0.7.12 loops on them). */
Test(base_policy, the_parser_hang_trigger_is_refused_within_a_second, .timeout = 1.0)
{
    expect_exact("%\x80", "policy:1:2: invalid UTF-8 (byte 0x80): a YAML file must be UTF-8 text");
    expect_exact("version: v1\n%YAML\xff\n",
                 "policy:2:6: invalid UTF-8 (byte 0xff): a YAML file must be UTF-8 text");
}

Test(base_policy, one_document_no_aliases_no_nul)
{
    expect_exact("version: v1\n---\nmiss_line: 70\n",
                 "policy:2:1: a second YAML document: one document per file (remove the ---)");
    expect_exact("x: &a 1\nversion: *a\n",
                 "policy:2:11: version: aliases (*a) are not supported: write the value out");
    expect_exact("", "policy: empty: no YAML document");
    cr_assert_eq(qw_policy_load_string(&pol, "version: v1\n\0x: 1\n", 17, NULL, err, sizeof(err)),
                 QW_ERR);
    cr_assert_str_eq(err, "policy:2:1: a NUL byte: the file is not text");
}

Test(base_policy, messages_are_named_by_the_file)
{
    const char *y = "version: v1\nmiss_line: 0.8\n";
    cr_assert_eq(qw_policy_load_named(&pol, "policy.yaml", y, strlen(y), NULL, err, sizeof(err)),
                 QW_ERR);
    cr_assert_str_eq(err, "policy.yaml:2:12: miss_line: 0.8 is ambiguous: write 80% for eighty "
                          "percent (or 0.8% if you mean it)");
}

Test(base_policy, missing_file)
{
    cr_assert_eq(qw_policy_load_file(&pol, "/nonexistent/policy.yaml", NULL, err, sizeof(err)),
                 QW_ERR);
    cr_assert(strstr(err, "cannot open") != NULL);
}

Test(base_policy, standings_leaderboard_is_off_unless_said)
{
    cr_assert_eq(load("version: v1\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.leaderboard, QW_LEADERBOARD_OFF);
    cr_assert_eq(load("version: v1\nstandings:\n  leaderboard: rank\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.leaderboard, QW_LEADERBOARD_RANK);
    cr_assert_eq(load("version: v1\nstandings:\n  leaderboard: attainment\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.leaderboard, QW_LEADERBOARD_ATTAINMENT);
    cr_assert_eq(load("version: v1\nstandings:\n  leaderboard: public\n"), QW_ERR);
    cr_assert(strstr(err, "standings.leaderboard") && strstr(err, "off, rank or attainment"), "%s",
              err);
}

Test(base_policy, digests_weekly_at_is_off_unless_said)
{
    cr_assert_eq(load("version: v1\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.digest_weekday, -1, "off by default");
    cr_assert_eq(load("version: v1\ndigests:\n  weekly_at: \"mon 08:00\"\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.digest_weekday, 0);
    cr_assert_eq(pol.digest_minute, 8 * 60);
    cr_assert_eq(load("version: v1\ndigests:\n  weekly_at: sun 23:59\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.digest_weekday, 6);
    cr_assert_eq(pol.digest_minute, 23 * 60 + 59);
    cr_assert_eq(load("version: v1\ndigests:\n  weekly_at: \"off\"\n"), QW_OK, "%s", err);
    cr_assert_eq(pol.digest_weekday, -1);
    expect_error("version: v1\ndigests:\n  weekly_at: monday 08:00\n",
                 "policy:3:14: digests.weekly_at: must be off or a weekday");
    expect_error("version: v1\ndigests:\n  weekly_at: mon 24:00\n", "got mon 24:00");
    expect_error("version: v1\ndigests:\n  weekly_at: mon 8:00\n", "digests.weekly_at");
    expect_error("version: v1\ndigests:\n  weekly_at: Mon 08:00\n", "digests.weekly_at");
    expect_error("version: v1\ndigests:\n  weekly_at: [mon]\n", "digests.weekly_at");
    expect_error("version: v1\ndigests:\n  weekly: mon 08:00\n", "digests.weekly: unknown key");
    char out[16];
    qw_policy_weekly_format(0, 8 * 60, out, sizeof(out));
    cr_assert_str_eq(out, "mon 08:00");
    qw_policy_weekly_format(-1, 0, out, sizeof(out));
    cr_assert_str_eq(out, "off");
}
