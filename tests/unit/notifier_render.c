/* Rendering: the template language, escaping for each target, Slack's limits, and the
 * shipped templates rendered with hostile values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_slack.h"
#include "templates.h"

#define TEMPLATES QW_FIXTURES "/../../services/notifier/templates"

static Quotawatch__V1__Evidence ev1 = QUOTAWATCH__V1__EVIDENCE__INIT;
static Quotawatch__V1__Evidence ev2 = QUOTAWATCH__V1__EVIDENCE__INIT;
static Quotawatch__V1__Evidence *evs[2] = {&ev1, &ev2};
static char *aud[] = {"rep", "team"};

static Quotawatch__V1__Decision sample(void)
{
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "dec-1";
    d.type = "reward.quota_achieved";
    d.rep_id = "rep-7";
    d.team_id = "team-east";
    d.period = "2026-11";
    d.time_ms = 1795910400123LL; /* 2026-11-29T00:00:00.123Z */
    d.policy_version = "policy-3";
    d.quota_version = "q-2";
    d.attainment_bp = 10420;
    d.credited_minor = 5210000;
    d.quota_minor = 5000000;
    d.currency = "USD";
    d.summary = "Crossed 100% <!channel> & \"more\"";
    d.n_audience = 2;
    d.audience = aud;
    ev1.key = "deals_won";
    ev1.value = 7;
    ev2.key = "note";
    ev2.text = "a<b>&c";
    d.n_evidence = 2;
    d.evidence = evs;
    return d;
}

static int render_str(const char *tmpl, qw_esc_t t, const qw_render_ctx_t *ctx, char *out,
                      size_t cap, char *err)
{
    qw_buf_t b;
    qw_buf_init(&b, out, cap);
    return qw_render(tmpl, strlen(tmpl), t, ctx, &b, err, 256);
}

Test(notifier_render, numbers_formatted_with_integers)
{
    char b[64];
    cr_assert_str_eq(qw_render_percent_bp(10420, b, sizeof(b)), "104.2%");
    cr_assert_str_eq(qw_render_percent_bp(10425, b, sizeof(b)), "104.3%");
    cr_assert_str_eq(qw_render_percent_bp(0, b, sizeof(b)), "0.0%");
    cr_assert_str_eq(qw_render_percent_bp(-1250, b, sizeof(b)), "-12.5%");
    cr_assert_str_eq(qw_render_percent_bp(-4, b, sizeof(b)), "0.0%");
    cr_assert_str_eq(qw_render_money(5210000, "USD", b, sizeof(b)), "52100.00 USD");
    cr_assert_str_eq(qw_render_money(-1500, "JPY", b, sizeof(b)), "-1500 JPY");
    cr_assert_str_eq(qw_render_money(12345, "KWD", b, sizeof(b)), "12.345 KWD");
    cr_assert_str_eq(qw_render_rfc3339(1795910400123LL, b, sizeof(b)), "2026-11-29T00:00:00.123Z");
}

Test(notifier_render, escaping_per_target)
{
    Quotawatch__V1__Decision d = sample();
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.email");
    char out[1024], err[256];
    cr_assert_eq(render_str("{{summary}}", QW_ESC_HTML, &ctx, out, sizeof(out), err), 0, "%s", err);
    cr_assert_str_eq(out, "Crossed 100% &lt;!channel&gt; &amp; &quot;more&quot;");
    cr_assert_eq(render_str("{{summary}}", QW_ESC_JSON, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "Crossed 100% <!channel> & \\\"more\\\"");
    cr_assert_eq(render_str("{{summary|mrkdwn}}", QW_ESC_JSON, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "Crossed 100% &lt;!channel&gt; &amp; \\\"more\\\"");
    cr_assert_eq(render_str("{{summary}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "Crossed 100% <!channel> & \"more\"");
    /* mrkdwn is a JSON-template filter only. */
    cr_assert_neq(render_str("{{summary|mrkdwn}}", QW_ESC_HTML, &ctx, out, sizeof(out), err), 0);
}

Test(notifier_render, controls_newlines_and_bad_utf8)
{
    Quotawatch__V1__Decision d = sample();
    d.summary = "line1\r\nBcc: x@evil\x01 \xff end";
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.email");
    char out[256], err[256];
    cr_assert_eq(render_str("{{summary}}", QW_ESC_HEADER, &ctx, out, sizeof(out), err), 0);
    cr_assert_null(strchr(out, '\n'));
    cr_assert_null(strchr(out, '\r'));
    cr_assert_str_eq(out, "line1  Bcc: x@evil \xEF\xBF\xBD end");
    cr_assert_eq(render_str("{{summary}}", QW_ESC_JSON, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "line1\\r\\nBcc: x@evil\\u0001 \xEF\xBF\xBD end");
    cr_assert_eq(render_str("{{summary}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "line1\nBcc: x@evil \xEF\xBF\xBD end");
}

Test(notifier_render, sections_loops_and_profile)
{
    Quotawatch__V1__Decision d = sample();
    qw_rep_profile_t rep = {0};
    snprintf(rep.name, sizeof(rep.name), "%s", "Ada <Lovelace>");
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, &rep, "team", "team.slack");
    char out[1024], err[256];
    const char *t =
        "{{rep_name}} {{attainment}} [{{#evidence}}{{^first}},{{/first}}{{key}}={{display}}"
        "{{/evidence}}]{{#withdraws}} W{{/withdraws}}{{^withdraws}} none{{/withdraws}}"
        "{{#to_team}} T{{/to_team}}{{#to_hr}} H{{/to_hr}}{{! comment }}";
    cr_assert_eq(render_str(t, QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0, "%s", err);
    cr_assert_str_eq(out, "Ada <Lovelace> 104.2% [deals_won=7,note=a<b>&c] none T");
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.slack");
    cr_assert_eq(render_str("{{rep_name}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert_str_eq(out, "rep-7"); /* no profile: the id */
}

Test(notifier_render, template_errors_reported)
{
    Quotawatch__V1__Decision d = sample();
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "x");
    char out[256], err[256];
    cr_assert_neq(render_str("{{nope}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert(strstr(err, "unknown variable 'nope'"), "%s", err);
    cr_assert_neq(render_str("{{#evidence}}x", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert(strstr(err, "not closed"), "%s", err);
    cr_assert_neq(render_str("{{/evidence}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert_neq(render_str("{{summary", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    cr_assert_neq(render_str("{{evidence}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err), 0);
    /* Errors inside a section that is not shown are still found. */
    cr_assert_neq(
        render_str("{{#withdraws}}{{bad}}{{/withdraws}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err),
        0);
    d.n_evidence = 0;
    cr_assert_neq(
        render_str("{{#evidence}}{{bad}}{{/evidence}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err),
        0);
}

Test(notifier_render, output_bounded)
{
    Quotawatch__V1__Decision d = sample();
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "x");
    char out[16], err[256];
    cr_assert_neq(render_str("{{summary}}{{summary}}", QW_ESC_TEXT, &ctx, out, sizeof(out), err),
                  0);
    cr_assert(strstr(err, "exceeds"), "%s", err);
    cr_assert_lt(strlen(out), sizeof(out));
}

static char *repeat(const char *unit, int n)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * (size_t)n + 1);
    for (int i = 0; i < n; i++)
        memcpy(s + ul * (size_t)i, unit, ul);
    s[ul * (size_t)n] = '\0';
    return s;
}

Test(notifier_render, slack_limits_enforced_utf8_aware)
{
    char *name = repeat("\xC3\xA9", 400); /* 400 x e-acute: 800 bytes */
    char *body = repeat("a&amp;", 1000);  /* 6000 characters of escaped mrkdwn */
    size_t cap = 200000;
    char *json = malloc(cap);
    qw_buf_t b;
    qw_buf_init(&b, json, cap);
    qw_buf_puts(&b, "{\"text\":\"fallback\",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":"
                    "\"plain_text\",\"text\":\"");
    qw_buf_puts(&b, name);
    qw_buf_puts(&b, "\"}},{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"");
    qw_buf_puts(&b, body);
    qw_buf_puts(&b, "\"}}");
    for (int i = 0; i < 60; i++)
        qw_buf_puts(&b, ",{\"type\":\"divider\"}");
    qw_buf_puts(&b, "]}");
    char *out = malloc(cap), err[256];
    qw_buf_t o;
    qw_buf_init(&o, out, cap);
    cr_assert_eq(qw_slack_finish(json, b.len, &o, err, sizeof(err)), 0, "%s", err);
    json_t *root = json_loads(out, 0, NULL);
    cr_assert_not_null(root);
    json_t *blocks = json_object_get(root, "blocks");
    cr_assert_eq(json_array_size(blocks), 50);
    const char *h = json_string_value(
        json_object_get(json_object_get(json_array_get(blocks, 0), "text"), "text"));
    cr_assert_eq(qw_utf8_count(h, strlen(h)), 150);
    cr_assert_str_eq(h + strlen(h) - 3, "\xE2\x80\xA6");
    cr_assert_eq(memcmp(h, "\xC3\xA9", 2), 0); /* cut between characters, never inside */
    const char *s = json_string_value(
        json_object_get(json_object_get(json_array_get(blocks, 1), "text"), "text"));
    size_t sl = strlen(s);
    cr_assert_leq(qw_utf8_count(s, sl), 3000);
    /* No half entity left before the ellipsis. */
    cr_assert(memcmp(s + sl - 4, ";", 1) == 0 || memcmp(s + sl - 4, "a", 1) == 0, "%s",
              s + sl - 10);
    json_decref(root);
    free(name), free(body), free(json), free(out);
}

Test(notifier_render, slack_shape_checked)
{
    char out[1024], err[256];
    qw_buf_t o;
    qw_buf_init(&o, out, sizeof(out));
    const char *no_text = "{\"blocks\":[]}";
    cr_assert_neq(qw_slack_finish(no_text, strlen(no_text), &o, err, sizeof(err)), 0);
    const char *bad_header = "{\"text\":\"x\",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":"
                             "\"mrkdwn\",\"text\":\"x\"}}]}";
    cr_assert_neq(qw_slack_finish(bad_header, strlen(bad_header), &o, err, sizeof(err)), 0);
    cr_assert_neq(qw_slack_finish("{", 1, &o, err, sizeof(err)), 0);
}

Test(notifier_render, shipped_templates_render_hostile_values_safely)
{
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    cr_assert_eq(qw_tmpl_load_dir(&set, TEMPLATES, err, sizeof(err)), 0, "%s", err);
    Quotawatch__V1__Decision d = sample();
    qw_rep_profile_t rep = {0};
    snprintf(rep.name, sizeof(rep.name), "%s", "Eve \"<script>alert(1)</script>\" & Co\n");
    static char b1[65536], b2[65536], b3[65536];
    qw_buf_t o1, o2, o3;
    qw_render_ctx_t ctx;

    qw_render_ctx_init(&ctx, &d, &rep, "rep", "rep.slack");
    qw_buf_init(&o1, b1, sizeof(b1));
    cr_assert_eq(qw_tmpl_slack(&set, &ctx, &o1, err, sizeof(err)), 0, "%s", err);
    json_t *j = json_loads(b1, 0, NULL);
    cr_assert_not_null(j);
    json_t *blocks = json_object_get(j, "blocks");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 0), "type")),
                     "header");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 1), "type")),
                     "section");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 2), "type")),
                     "context");
    const char *section = json_string_value(
        json_object_get(json_object_get(json_array_get(blocks, 1), "text"), "text"));
    cr_assert(strstr(section, "&lt;!channel&gt;"), "%s", section); /* no @channel ping */
    const char *ctxline = json_string_value(json_object_get(
        json_array_get(json_object_get(json_array_get(blocks, 2), "elements"), 0), "text"));
    cr_assert(strstr(ctxline, "policy-3"), "%s", ctxline);
    cr_assert(strstr(b1, "104.2%"));
    json_decref(j);

    qw_render_ctx_init(&ctx, &d, &rep, "rep", "rep.email");
    qw_buf_init(&o1, b1, sizeof(b1));
    qw_buf_init(&o2, b2, sizeof(b2));
    qw_buf_init(&o3, b3, sizeof(b3));
    cr_assert_eq(qw_tmpl_email(&set, &ctx, &o1, &o2, &o3, err, sizeof(err)), 0, "%s", err);
    cr_assert_null(strchr(b1, '\n'));
    cr_assert(strstr(b1, "Quota achieved"), "%s", b1);
    cr_assert(strstr(b2, "52100.00 USD"), "%s", b2);
    cr_assert_null(strstr(b3, "<script>"));
    cr_assert(strstr(b3, "&lt;script&gt;"));
    cr_assert(strstr(b3, "a&lt;b&gt;&amp;c"));

    qw_render_ctx_init(&ctx, &d, &rep, "hr", "hr.webhook");
    qw_buf_init(&o1, b1, sizeof(b1));
    cr_assert_eq(qw_tmpl_webhook(&set, &ctx, &o1, err, sizeof(err)), 0, "%s", err);
    j = json_loads(b1, 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "specversion")), "1.0");
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), "dec-1");
    json_t *data = json_object_get(j, "data");
    cr_assert_eq(json_integer_value(json_object_get(data, "attainment_bp")), 10420);
    cr_assert_str_eq(json_string_value(json_object_get(data, "rep_name")), rep.name);
    cr_assert_eq(json_array_size(json_object_get(data, "evidence")), 2);
    json_decref(j);
    qw_tmpl_free(&set);
}

Test(notifier_render, team_template_chosen_for_team_audience)
{
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    cr_assert_eq(qw_tmpl_load_dir(&set, TEMPLATES, err, sizeof(err)), 0, "%s", err);
    const qw_tmpl_file_t *f = qw_tmpl_find(&set, "slack", "reward.quota_achieved", "team", "json");
    cr_assert_str_eq(f->name, "slack/reward.quota_achieved.team.json.tmpl");
    f = qw_tmpl_find(&set, "slack", "warning.at_risk", "rep", "json");
    cr_assert_str_eq(f->name, "slack/default.json.tmpl");
    qw_tmpl_free(&set);
}

Test(notifier_render, broken_template_refused_at_load)
{
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    const char *ok = "{\"text\":\"{{id}}\"}";
    qw_tmpl_add(&set, "slack/default.json.tmpl", ok, strlen(ok), err, sizeof(err));
    qw_tmpl_add(&set, "email/default.subject.tmpl", "s", 1, err, sizeof(err));
    qw_tmpl_add(&set, "email/default.txt.tmpl", "t", 1, err, sizeof(err));
    qw_tmpl_add(&set, "email/default.html.tmpl", "h", 1, err, sizeof(err));
    qw_tmpl_add(&set, "webhook/default.json.tmpl", "{}", 2, err, sizeof(err));
    cr_assert_eq(qw_tmpl_check(&set, err, sizeof(err)), 0, "%s", err);
    const char *bad = "{\"text\":\"{{summary}}\",}"; /* invalid JSON */
    qw_tmpl_add(&set, "slack/warning.at_risk.json.tmpl", bad, strlen(bad), err, sizeof(err));
    cr_assert_neq(qw_tmpl_check(&set, err, sizeof(err)), 0);
    cr_assert(strstr(err, "warning.at_risk"), "%s", err);
    qw_tmpl_free(&set);
}

Test(notifier_render, team_mention_cannot_be_hijacked)
{
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    cr_assert_eq(qw_tmpl_load_dir(&set, TEMPLATES, err, sizeof(err)), 0, "%s", err);
    Quotawatch__V1__Decision d = sample();
    qw_rep_profile_t rep = {0};
    snprintf(rep.name, sizeof(rep.name), "%s", "Ada");
    snprintf(rep.slack_user_id, sizeof(rep.slack_user_id), "%s", "U123");
    static char b[65536];
    qw_buf_t o;
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, &rep, "team", "team.slack");
    qw_buf_init(&o, b, sizeof(b));
    cr_assert_eq(qw_tmpl_slack(&set, &ctx, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert(strstr(b, "(<@U123>)"), "%s", b);
    snprintf(rep.slack_user_id, sizeof(rep.slack_user_id), "%s", "U1>|<!channel");
    qw_render_ctx_init(&ctx, &d, &rep, "team", "team.slack");
    qw_buf_init(&o, b, sizeof(b));
    cr_assert_eq(qw_tmpl_slack(&set, &ctx, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_null(strstr(b, "<!channel"), "%s", b);
    cr_assert(strstr(b, "<@U1&gt;|&lt;!channel>"), "%s", b);
    snprintf(rep.slack_user_id, sizeof(rep.slack_user_id), "%s", "");
    qw_render_ctx_init(&ctx, &d, &rep, "team", "team.slack");
    qw_buf_init(&o, b, sizeof(b));
    cr_assert_eq(qw_tmpl_slack(&set, &ctx, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_null(strstr(b, "<@"), "%s", b);
    qw_tmpl_free(&set);
}

Test(notifier_render, evidence_by_key)
{
    Quotawatch__V1__Decision d = sample();
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.slack");
    char out[256], err[256];
    cr_assert_eq(render_str("[{{evidence.deals_won}}|{{evidence.note}}|{{evidence.none}}]",
                            QW_ESC_HTML, &ctx, out, sizeof(out), err),
                 0, "%s", err);
    cr_assert_str_eq(out, "[7|a&lt;b&gt;&amp;c|]", "value, escaped text, absent");
    cr_assert_eq(
        render_str("{{#evidence.none}}x{{/evidence.none}}{{^evidence.none}}y{{/evidence.none}}",
                   QW_ESC_TEXT, &ctx, out, sizeof(out), err),
        0, "%s", err);
    cr_assert_str_eq(out, "y");
}

/* The weekly digests' own templates: chosen by type, the numbers and report lines shown, every
 * value escaped (a hostile rep name in a report line cannot ping a channel or inject HTML). */
Test(notifier_render, digest_templates_show_the_numbers_escaped)
{
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    cr_assert_eq(qw_tmpl_load_dir(&set, TEMPLATES, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(qw_tmpl_find(&set, "slack", "info.team_digest", "rep", "json")->name,
                     "slack/info.team_digest.json.tmpl");
    cr_assert_str_eq(qw_tmpl_find(&set, "email", "info.standing", "rep", "txt")->name,
                     "email/info.standing.txt.tmpl");
    static Quotawatch__V1__Evidence e[6];
    static Quotawatch__V1__Evidence *ep[6];
    const char *keys[] = {"week", "reports", "behind_pace", "report.01", "report.02", "more"};
    const char *texts[] = {"2026-W48",
                           "",
                           "",
                           "<!channel> Eve <b>x</b> (eve): 10.0% of quota",
                           "Ada (ada): 90.0% of quota",
                           "and 3 more"};
    int64_t vals[] = {1795400000000LL, 5, 1, 1000, 9000, 3};
    for (int i = 0; i < 6; i++) {
        Quotawatch__V1__Evidence z = QUOTAWATCH__V1__EVIDENCE__INIT;
        e[i] = z;
        e[i].key = (char *)keys[i];
        e[i].text = (char *)texts[i];
        e[i].value = vals[i];
        ep[i] = &e[i];
    }
    Quotawatch__V1__Decision d = sample();
    d.type = "info.team_digest";
    d.id = "d:mgr-1:2026-11:info.team_digest:2026-W48";
    d.rep_id = "mgr-1";
    d.n_audience = 1;
    d.summary = "Week 2026-W48";
    d.n_evidence = 6;
    d.evidence = ep;
    static char b1[65536], b2[65536], b3[65536];
    qw_buf_t o1, o2, o3;
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.slack");
    qw_buf_init(&o1, b1, sizeof(b1));
    cr_assert_eq(qw_tmpl_slack(&set, &ctx, &o1, err, sizeof(err)), 0, "%s", err);
    json_t *j = json_loads(b1, 0, NULL);
    cr_assert_not_null(j, "%s", b1);
    json_t *lines = json_object_get(json_array_get(json_object_get(j, "blocks"), 2), "text");
    const char *t = json_string_value(json_object_get(lines, "text"));
    cr_assert(strstr(t, "• &lt;!channel&gt; Eve &lt;b&gt;x&lt;/b&gt; (eve): 10.0% of quota\n• Ada"),
              "%s", t);
    cr_assert(strstr(t, "_and 3 more_"), "%s", t);
    cr_assert(strstr(b1, "1 of 5 behind pace"), "%s", b1);
    json_decref(j);
    qw_render_ctx_init(&ctx, &d, NULL, "rep", "rep.email");
    qw_buf_init(&o1, b1, sizeof(b1));
    qw_buf_init(&o2, b2, sizeof(b2));
    qw_buf_init(&o3, b3, sizeof(b3));
    cr_assert_eq(qw_tmpl_email(&set, &ctx, &o1, &o2, &o3, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(b1, "[quotawatch] Your team, week 2026-W48: 1 of 5 behind pace");
    cr_assert(strstr(b2, "  - Ada (ada): 90.0% of quota\n"), "%s", b2);
    cr_assert(strstr(b2, "(and 3 more)"), "%s", b2);
    cr_assert_null(strstr(b3, "<b>x"));
    cr_assert(strstr(b3, "<li>&lt;!channel&gt; Eve &lt;b&gt;x&lt;/b&gt;"), "%s", b3);
    qw_tmpl_free(&set);
}
