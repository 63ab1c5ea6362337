/* Routing: resolution by type and audience, addresses from roster and config, the privacy
 * refusal at load, the opt-out rule. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "route.h"

static const char *const good =
    "routes:\n"
    "  - {name: rep-slack, audience: rep, channel: slack, types: ['*']}\n"
    "  - {name: rep-email, audience: rep, channel: email, types: ['warning.*', 'reward.*']}\n"
    "  - {name: manager, audience: manager, channel: email, types: ['*']}\n"
    "  - {name: team, audience: team, channel: slack, types: ['reward.*']}\n"
    "  - {name: hr, audience: hr, channel: webhook, types: [review.termination_review]}\n"
    "  - {name: ops, audience: sales_ops, channel: slack, types: ['health.*']}\n"
    "  - {name: ops-mail, audience: sales_ops, channel: email, types: ['integrity.*']}\n"
    "addresses:\n"
    "  teams:\n"
    "    team-east: {slack_webhook: 'http://sink/team-east'}\n"
    "  managers:\n"
    "    mgr-1: {email: boss@example.com, slack_webhook: 'http://sink/mgr-1'}\n"
    "  reps:\n"
    "    rep-7: {slack_webhook: 'http://sink/dm/rep-7'}\n"
    "  hr: {webhook: 'http://sink/hr'}\n"
    "  sales_ops: {slack_webhook: 'http://sink/ops', email: ops@example.com}\n";

static qw_route_cfg_t cfg;

static void load_good(void)
{
    char err[256];
    qw_route_cfg_init(&cfg);
    cr_assert_eq(qw_route_load_string(&cfg, good, strlen(good), err, sizeof(err)), 0, "%s", err);
}

static void unload(void)
{
    qw_route_cfg_free(&cfg);
}

static char *aud_all[] = {"rep", "manager", "team", "hr", "sales_ops"};

static Quotawatch__V1__Decision dec(const char *type, size_t naud)
{
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "d1";
    d.type = (char *)type;
    d.rep_id = "rep-7";
    d.team_id = "team-east";
    d.audience = aud_all;
    d.n_audience = naud;
    return d;
}

static const qw_target_t *find(const qw_target_t *t, size_t n, const char *ch)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].channel, ch) == 0) return &t[i];
    return NULL;
}

static qw_rep_profile_t rep_profile(void)
{
    qw_rep_profile_t r = {0};
    snprintf(r.rep_id, sizeof(r.rep_id), "%s", "rep-7");
    snprintf(r.email, sizeof(r.email), "%s", "rep7@example.com");
    snprintf(r.manager_id, sizeof(r.manager_id), "%s", "mgr-1");
    snprintf(r.team_id, sizeof(r.team_id), "%s", "team-east");
    return r;
}

Test(notifier_route, reward_goes_to_rep_and_team, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("reward.quota_achieved", 5);
    qw_rep_profile_t rep = rep_profile();
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &rep, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 4); /* rep.slack, rep.email, manager.email, team.slack */
    cr_assert_str_eq(find(t, n, "rep.slack")->address, "http://sink/dm/rep-7");
    cr_assert_str_eq(find(t, n, "rep.email")->address, "rep7@example.com");
    cr_assert_str_eq(find(t, n, "manager.email")->address, "boss@example.com");
    const qw_target_t *team = find(t, n, "team.slack");
    cr_assert_str_eq(team->address, "http://sink/team-east");
    cr_assert(team->shared);
    cr_assert_null(find(t, n, "hr.webhook"));
}

Test(notifier_route, only_named_audiences_served, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("reward.quota_achieved", 1); /* rep only */
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, NULL, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 2);
    cr_assert_null(find(t, n, "team.slack"));
    cr_assert_str_eq(find(t, n, "rep.email")->address, ""); /* no roster e-mail, none static */
}

Test(notifier_route, review_goes_to_hr_and_manager_never_shared, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("review.termination_review", 5);
    qw_rep_profile_t rep = rep_profile();
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &rep, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "hr.webhook")->address, "http://sink/hr");
    cr_assert_not_null(find(t, n, "manager.email"));
    for (size_t i = 0; i < n; i++)
        cr_assert_not(t[i].shared, "%s is shared", t[i].channel);
}

Test(notifier_route, runtime_guard_even_if_config_bypassed, .init = load_good, .fini = unload)
{
    /* A configuration that skipped the load check still never yields a shared target. */
    qw_route_t *r = &cfg.routes[cfg.n_routes++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "evil");
    r->audience = QW_AUD_SALES_OPS;
    r->kind = QW_CHAN_SLACK;
    snprintf(r->types[0], sizeof(r->types[0]), "*");
    r->n_types = 1;
    Quotawatch__V1__Decision d = dec("integrity.flag", 5);
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, NULL, NULL, t, QW_ROUTE_MAX_TARGETS);
    for (size_t i = 0; i < n; i++)
        cr_assert_not(t[i].shared, "%s is shared", t[i].channel);
    cr_assert_str_eq(find(t, n, "sales_ops.email")->address, "ops@example.com");
}

Test(notifier_route, opted_out_rep_gets_recognition_privately, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("reward.quota_achieved", 5);
    char *team_only[] = {"team"};
    d.audience = team_only;
    d.n_audience = 1;
    qw_rep_profile_t rep = rep_profile();
    rep.recognition_opt_out = 1;
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &rep, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(t[0].channel, "rep.slack");
    cr_assert_not(t[0].shared);
    cr_assert(t[0].private_replacement);
    /* No Slack DM known: the rep's e-mail. */
    cfg.n_addrs = 0;
    n = qw_route_resolve(&cfg, &d, &rep, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(t[0].channel, "rep.email");
    cr_assert_str_eq(t[0].address, "rep7@example.com");
}

Test(notifier_route, opt_out_does_not_duplicate_rep_channel, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("reward.quota_achieved", 5);
    qw_rep_profile_t rep = rep_profile();
    rep.recognition_opt_out = 1;
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &rep, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 3); /* rep.slack (once), rep.email, manager.email */
    cr_assert_null(find(t, n, "team.slack"));
}

Test(notifier_route, manager_address_from_roster_first, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("warning.at_risk", 5);
    qw_rep_profile_t rep = rep_profile(), mgr = {0};
    snprintf(mgr.email, sizeof(mgr.email), "%s", "roster-boss@example.com");
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &rep, &mgr, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "manager.email")->address, "roster-boss@example.com");
}

/* With a bot token, people without a DM webhook of their own are reached by Slack user id; a
 * configured webhook still wins, and without a token there is no Slack address at all. */
static const char *const dm_routes =
    "routes:\n"
    "  - {name: rep-slack, audience: rep, channel: slack, types: ['*']}\n"
    "  - {name: mgr-slack, audience: manager, channel: slack, types: ['*']}\n"
    "addresses:\n"
    "  reps:\n"
    "    rep-9: {slack_webhook: 'http://sink/dm/rep-9'}\n";

Test(notifier_route, slack_dm_by_user_id_with_a_bot_token)
{
    char err[256];
    qw_route_cfg_t c;
    qw_route_cfg_init(&c);
    cr_assert_eq(qw_route_load_string(&c, dm_routes, strlen(dm_routes), err, sizeof(err)), 0, "%s",
                 err);
    Quotawatch__V1__Decision d = dec("warning.at_risk", 2);
    qw_rep_profile_t rep = rep_profile(), mgr = {0};
    snprintf(rep.slack_user_id, sizeof(rep.slack_user_id), "%s", "U07REP");
    snprintf(mgr.slack_user_id, sizeof(mgr.slack_user_id), "%s", "U01BOSS");
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&c, &d, &rep, &mgr, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "rep.slack")->address, "", "no token: no Slack address");
    c.slack_api = 1;
    n = qw_route_resolve(&c, &d, &rep, &mgr, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "rep.slack")->address, QW_ROUTE_SLACK_USER "U07REP");
    cr_assert_str_eq(find(t, n, "manager.slack")->address, QW_ROUTE_SLACK_USER "U01BOSS");
    cr_assert_not(find(t, n, "rep.slack")->shared, "a DM is private");
    d.rep_id = "rep-9"; /* has a DM webhook of their own */
    n = qw_route_resolve(&c, &d, &rep, &mgr, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "rep.slack")->address, "http://sink/dm/rep-9");
    snprintf(rep.slack_user_id, sizeof(rep.slack_user_id), "%s",
             ""); /* not in the roster: no address, dead-lettered as no_address */
    d.rep_id = "rep-7";
    n = qw_route_resolve(&c, &d, &rep, &mgr, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_str_eq(find(t, n, "rep.slack")->address, "");
    qw_route_cfg_free(&c);
}

Test(notifier_route, generic_webhook_gets_everything, .init = load_good, .fini = unload)
{
    snprintf(cfg.webhook_url, sizeof(cfg.webhook_url), "http://sink/all");
    Quotawatch__V1__Decision d = dec("review.termination_review", 0);
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, NULL, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(t[0].channel, "webhook");
    cr_assert_eq(t[0].kind, QW_CHAN_WEBHOOK);
    cr_assert_str_eq(t[0].address, "http://sink/all");
}

static void refused(const char *yaml, const char *needle)
{
    qw_route_cfg_t c;
    char err[256] = "";
    qw_route_cfg_init(&c);
    cr_assert_neq(qw_route_load_string(&c, yaml, strlen(yaml), err, sizeof(err)), 0, "accepted: %s",
                  yaml);
    cr_assert(strstr(err, needle), "message '%s' lacks '%s'", err, needle);
    qw_route_cfg_free(&c);
}

Test(notifier_route, privacy_violations_refused_at_load)
{
    refused("routes:\n  - {name: leaky, audience: team, channel: slack, types: ['*']}\n",
            "route 'leaky'");
    refused("routes:\n  - {name: leaky2, audience: sales_ops, channel: slack, "
            "types: [integrity.flag]}\n",
            "integrity flags");
    refused("routes:\n  - {name: leaky3, audience: team, channel: email, "
            "types: [review.termination_review]}\n",
            "route 'leaky3'");
    refused("routes:\n  - {name: warn-team, audience: team, channel: slack, "
            "types: [warning.at_risk]}\n",
            "public recognition");
    refused("routes:\n  - {name: ops-all, audience: sales_ops, channel: slack, types: ['*']}\n",
            "route 'ops-all'");
}

Test(notifier_route, malformed_config_refused)
{
    refused("routes:\n  - {name: x, audience: ceo, channel: slack, types: ['*']}\n", "audience");
    refused("routes:\n  - {name: x, audience: rep, channel: pager, types: ['*']}\n", "channel");
    refused("routes:\n  - {name: x, audience: hr, channel: slack, types: ['*']}\n", "cannot use");
    refused("routes:\n  - {name: x, audience: rep, channel: slack}\n", "types");
    refused("routes: [\n", "YAML");
}

Test(notifier_route, type_patterns)
{
    cr_assert(qw_route_type_match("*", "reward.x"));
    cr_assert(qw_route_type_match("reward.*", "reward.accelerator"));
    cr_assert_not(qw_route_type_match("reward.*", "rewards.x"));
    cr_assert_not(qw_route_type_match("reward.*", "review.termination_review"));
    cr_assert(qw_route_type_match("integrity.flag", "integrity.flag"));
    cr_assert_not(qw_route_type_match("integrity.flag", "integrity.flagged"));
}

Test(notifier_route, example_config_loads)
{
    qw_route_cfg_t c;
    char err[256];
    qw_route_cfg_init(&c);
    cr_assert_eq(
        qw_route_load_file(&c, QW_FIXTURES "/../../deploy/notifier.example.yaml", err, sizeof(err)),
        0, "%s", err);
    cr_assert_gt(c.n_routes, 0);
    qw_route_cfg_free(&c);
}

/* The whole message, as docs/notifier.md and docs/policy.md describe it. */
static void refused_exact(const char *yaml, size_t len, const char *msg)
{
    qw_route_cfg_t c;
    char err[QW_ERRSTR_MAX] = "";
    qw_route_cfg_init(&c);
    cr_assert_neq(qw_route_load_string(&c, yaml, len, err, sizeof(err)), 0, "accepted: %s", yaml);
    cr_assert_str_eq(err, msg);
    qw_route_cfg_free(&c);
}
#define REFUSED(yaml, msg) refused_exact(yaml, sizeof(yaml) - 1, msg)

/* Issue 10: the routing loader said only "routing: not valid YAML". */
Test(notifier_route, yaml_errors_name_line_column_and_key)
{
    REFUSED("routes: [\n", "routing:2:1: invalid YAML: flow sequence without a closing bracket");
    REFUSED("routes:\n  - {name: a, audience: rep, channel: slack, types: [a], types: [b]}\n",
            "routing:2:58: routes[0].types: duplicate key (first at line 2)");
    REFUSED("routes:\n  - {name: x, audience: ceo, channel: slack, types: ['*']}\n",
            "routing:2:25: routes[0].audience: route 'x': audience 'ceo' is not one of rep, "
            "manager, team, hr, sales_ops");
    REFUSED("routes:\n  - {name: leaky, audience: team, channel: slack, types: ['*']}\n",
            "routing:2:6: routes[0]: route 'leaky' refused: types '*' would send termination "
            "reviews or integrity flags to the shared team slack channel");
    REFUSED("addresses:\n  hr: {webhook: [x]}\n",
            "routing:2:18: addresses.hr.webhook: expected a single value, got a list or mapping");
}

/* A typo'd key used to be ignored: the route or the addresses silently did nothing. */
Test(notifier_route, unknown_keys_refused)
{
    REFUSED("adresses: {}\n", "routing:1:1: adresses: unknown key");
    REFUSED("routes:\n  - name: x\n    audience: rep\n    chanel: slack\n",
            "routing:4:5: routes[0].chanel: unknown key");
    REFUSED("addresses:\n  reps:\n    rep-1: {slack: 'http://x'}\n",
            "routing:3:13: addresses.reps.rep-1.slack: unknown key");
}

/* Issue 10: `%` + a non-UTF-8 byte at a line start hung the notifier at start (libfyaml). */
Test(notifier_route, parser_hang_trigger_refused_within_a_second, .timeout = 1.0)
{
    REFUSED("%\xff", "routing:1:2: invalid UTF-8 (byte 0xff): a YAML file must be UTF-8 text");
    REFUSED("routes: []\n%\x80\n",
            "routing:2:2: invalid UTF-8 (byte 0x80): a YAML file must be UTF-8 text");
}

Test(notifier_route, file_messages_name_the_file)
{
    char path[] = "/tmp/qw-route-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char bad[] = "routes:\n  - {name: a, audience: rep, channel: slack, types: [a]}\n"
                       "routes: []\n";
    cr_assert_eq(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
    close(fd);
    qw_route_cfg_t c;
    char err[QW_ERRSTR_MAX], want[QW_ERRSTR_MAX];
    qw_route_cfg_init(&c);
    cr_assert_neq(qw_route_load_file(&c, path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s:3:1: routes: duplicate key (first at line 1)", path);
    cr_assert_str_eq(err, want);
    qw_route_cfg_free(&c);
    unlink(path);
}

static void load_example(qw_route_cfg_t *c)
{
    char err[QW_ERRSTR_MAX];
    qw_route_cfg_init(c);
    cr_assert_eq(
        qw_route_load_file(c, QW_FIXTURES "/../../deploy/notifier.example.yaml", err, sizeof(err)),
        0, "%s", err);
}

Test(notifier_route, example_file_loads)
{
    qw_route_cfg_t c;
    load_example(&c);
    cr_assert_eq(c.n_routes, 7);
    qw_route_cfg_free(&c);
}

/* Weekly digests: audience rep, so a team digest (rep_id = the manager) reaches the manager's
 * own DM and mailbox, never their manager; no route may put info.* on a team channel. */
Test(notifier_route, digests_reach_their_recipient_only, .init = load_good, .fini = unload)
{
    Quotawatch__V1__Decision d = dec("info.team_digest", 1); /* audience rep only */
    d.rep_id = "mgr-1";
    qw_rep_profile_t mgr = rep_profile();
    snprintf(mgr.rep_id, sizeof(mgr.rep_id), "mgr-1");
    snprintf(mgr.email, sizeof(mgr.email), "grace@example.com");
    snprintf(mgr.manager_id, sizeof(mgr.manager_id), "vp-1");
    qw_rep_profile_t vp = rep_profile();
    snprintf(vp.email, sizeof(vp.email), "vp@example.com");
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&cfg, &d, &mgr, &vp, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 1, "rep-slack only ('*'); rep-email does not list info.*");
    cr_assert_str_eq(t[0].channel, "rep.slack");
    for (size_t i = 0; i < n; i++) {
        cr_assert_not(t[i].shared);
        cr_assert_neq(strcmp(t[i].address, "vp@example.com"), 0);
    }
    cr_assert_eq(qw_route_priority("info.standing"), QW_PRIO_LEVELS - 1, "last under backlog");
    refused("routes:\n  - {name: digest-team, audience: team, channel: slack, "
            "types: ['info.*']}\n",
            "public recognition");
    refused("routes:\n  - {name: digest-team2, audience: team, channel: email, "
            "types: [info.standing]}\n",
            "public recognition");
}

Test(notifier_route, example_routes_send_digests_by_dm_and_mail)
{
    qw_route_cfg_t c;
    load_example(&c);
    char *aud[] = {"rep"};
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "d:mgr-1:2026-11:info.team_digest:2026-W48";
    d.type = "info.team_digest";
    d.rep_id = "mgr-1";
    d.audience = aud;
    d.n_audience = 1;
    qw_rep_profile_t mgr = rep_profile();
    snprintf(mgr.rep_id, sizeof(mgr.rep_id), "mgr-1");
    snprintf(mgr.email, sizeof(mgr.email), "grace@example.com");
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_route_resolve(&c, &d, &mgr, NULL, t, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 2);
    cr_assert_not_null(find(t, n, "rep.slack"));
    cr_assert_str_eq(find(t, n, "rep.email")->address, "grace@example.com");
    qw_route_cfg_free(&c);
}
