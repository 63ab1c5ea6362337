/* `simulate` end to end in memory: deals of every source through the adapters, the ledger and
 * the engine, the event-time clock and its ordering, checkpoints and closes in order, --until,
 * --now over the demo's own files, evidence as value and text, refusals, convert -> simulate. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert.h"
#include "simulate.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/qw-ev-sim-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    write_file("roster.csv", "rep_id,name,manager_id,team_id,hire_date,cohort\n"
                             "r1,Ann,m1,east,2025-01-10,a\n"
                             "r2,Bob,m1,east,2025-01-10,b\n"
                             "r3,Cid,m1,east,2025-01-10,a\n"
                             "r4,Dee,m2,west,2025-01-10,b\n");
    char q[2048] = "rep_id,period,amount,currency,version\n";
    const char *reps[] = {"r1", "r2", "r3", "r4"}, *periods[] = {"2026-09", "2026-10", "2026-11"};
    for (int r = 0; r < 4; r++)
        for (int p = 0; p < 3; p++) {
            char line[64];
            snprintf(line, sizeof(line), "%s,%s,1000.00,USD,v1\n", reps[r], periods[p]);
            strcat(q, line);
        }
    write_file("quotas.csv", q);
    /* r1 sells 10% every month; r2 110%, r3 100%; r4 50% twice, then 130%. A replayed line
     * (same deal version) must change nothing; one line is garbage. */
    char d[8192] = "";
    int n = 0;
    for (int m = 9; m <= 11; m++) {
        const char *amt[] = {"100.00", "1100.00", "1000.00", m < 11 ? "500.00" : "1300.00"};
        for (int r = 0; r < 4; r++) {
            char line[400];
            snprintf(
                line, sizeof(line),
                "{\"deal_id\":\"D%d\",\"version\":1,\"event_time\":\"2026-%02d-20T10:00:00Z\","
                "\"status\":\"won\",\"amount\":\"%s\",\"currency\":\"USD\",\"owner_id\":\"%s\","
                "\"close_date\":\"2026-%02d-20\"}\n",
                ++n, m, amt[r], reps[r], m);
            strcat(d, line);
            if (n == 2) strcat(d, line); /* the replay */
        }
    }
    strcat(d, "not json\n");
    write_file("deals.jsonl", d);
}

static void teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(evaluator_simulate, .init = setup, .fini = teardown);

static char *run(const char *until, int *rc)
{
    char r[128], q[128], d[128];
    snprintf(r, sizeof(r), "%s/roster.csv", dir);
    snprintf(q, sizeof(q), "%s/quotas.csv", dir);
    snprintf(d, sizeof(d), "%s/deals.jsonl", dir);
    /* static: the stream keeps &buf until fclose, which gcc -O2 -Wdangling-pointer cannot see. */
    static char *buf;
    static size_t len;
    buf = NULL, len = 0;
    FILE *out = open_memstream(&buf, &len);
    qw_sim_opts_t o = {
        .policy = "", .roster = r, .quotas = q, .deals = d, .until = until, .out = out};
    *rc = qw_sim_run(&o);
    fclose(out);
    return buf;
}

static int has(const char *out, const char *id)
{
    char needle[200];
    snprintf(needle, sizeof(needle), "\"id\":\"%s\"", id);
    const char *p = strstr(out, needle);
    return p && !strstr(p + 1, needle) ? 1 : p ? 2 : 0; /* 2 = more than once */
}

Test(evaluator_simulate, story_over_three_months)
{
    int rc;
    char *out = run("2026-12-10", &rc);
    cr_assert_eq(rc, 3, "the garbage line is reported (exit 3)");
    /* Event-driven, at event time. */
    cr_assert_eq(has(out, "d:r2:2026-09:reward.quota_achieved"), 1);
    cr_assert_eq(has(out, "d:r4:2026-11:reward.accelerator:bp12500"), 1);
    cr_assert_eq(has(out, "d:r4:2026-10:reward.quota_achieved"), 0);
    /* Pacing at the 75% checkpoint: only the reps behind. */
    cr_assert_eq(has(out, "d:r1:2026-09:warning.at_risk:cp7500"), 1);
    cr_assert_eq(has(out, "d:r2:2026-09:warning.at_risk:cp7500"), 0);
    /* Closes in order: two misses bring the final warning, three the review request (coaching
     * was recommended before); consistent hitters are rewarded at the third hit. */
    cr_assert_eq(has(out, "d:r1:2026-10:warning.final"), 1);
    cr_assert_eq(has(out, "d:r1:2026-10:review.termination_review"), 0);
    cr_assert_eq(has(out, "d:r1:2026-11:review.termination_review"), 1);
    cr_assert_eq(has(out, "d:r2:2026-11:reward.consistent_performer"), 1);
    cr_assert_eq(has(out, "d:r4:2026-10:warning.final"), 1);
    /* Lines carry time and evidence. */
    const char *review = strstr(out, "\"id\":\"d:r1:2026-11:review.termination_review\"");
    const char *eol = strchr(review, '\n');
    const char *t = strstr(review, "\"time\":\"2026-12-04T00:00:00.000Z\"");
    cr_assert(t && t < eol, "the review is raised at the close instant");
    const char *ev = strstr(review, "\"evidence\":{");
    cr_assert(ev && ev < eol, "evidence present");
    const char *ms = strstr(ev, "\"miss_streak\":{\"value\":3,\"text\":\"\"}");
    cr_assert(ms && ms < eol, "evidence entries carry a labelled value and text");
    free(out);
}

Test(evaluator_simulate, until_controls_the_closes)
{
    int rc;
    char *out = run("2026-12-03", &rc);
    cr_assert_eq(has(out, "d:r1:2026-10:warning.final"), 1);
    cr_assert_eq(has(out, "d:r1:2026-11:review.termination_review"), 0,
                 "November closes on 12-04 (3 grace days)");
    free(out);
    out = run("", &rc);
    cr_assert_eq(has(out, "d:r1:2026-11:warning.at_risk:cp5000"), 1);
    cr_assert_eq(has(out, "d:r1:2026-11:warning.at_risk:cp7500"), 0,
                 "without --until the clock stops at the last event (11-20)");
    free(out);
}

/* ---- evidence: both halves, labelled */

Test(evaluator_simulate, evidence_prints_value_and_text_labelled)
{
    static qw_decision_t d;
    memset(&d, 0, sizeof(d));
    snprintf(d.id, sizeof(d.id), "d:r1:2026-11:integrity.flag:reversal:x");
    snprintf(d.type, sizeof(d.type), "integrity.flag");
    snprintf(d.currency, sizeof(d.currency), "USD");
    d.nevidence = 3;
    snprintf(d.evidence[0].key, sizeof(d.evidence[0].key), "amount_minor");
    d.evidence[0].value = 125000;
    snprintf(d.evidence[0].text, sizeof(d.evidence[0].text), "USD");
    snprintf(d.evidence[1].key, sizeof(d.evidence[1].key), "days_since_close");
    d.evidence[1].value = 12;
    snprintf(d.evidence[1].text, sizeof(d.evidence[1].text), "2026-04-10");
    snprintf(d.evidence[2].key, sizeof(d.evidence[2].key), "deals");
    d.evidence[2].value = 4;
    json_t *o = qw_sim_decision_json(&d);
    cr_assert_not_null(o);
    json_t *ev = json_object_get(o, "evidence");
    json_t *a = json_object_get(ev, "amount_minor"), *c = json_object_get(ev, "days_since_close"),
           *n = json_object_get(ev, "deals");
    cr_assert_eq(json_integer_value(json_object_get(a, "value")), 125000);
    cr_assert_str_eq(json_string_value(json_object_get(a, "text")), "USD");
    cr_assert_eq(json_integer_value(json_object_get(c, "value")), 12);
    cr_assert_str_eq(json_string_value(json_object_get(c, "text")), "2026-04-10");
    cr_assert_eq(json_integer_value(json_object_get(n, "value")), 4);
    cr_assert_str_eq(json_string_value(json_object_get(n, "text")), "");
    json_decref(o);
}

/* ---- inputs of every source, event-time order, refusals */

static char *run_opts(qw_sim_opts_t *o, int *rc)
{
    /* static: the stream keeps &buf until fclose, which gcc -O2 -Wdangling-pointer cannot see. */
    static char *buf;
    static size_t len;
    buf = NULL, len = 0;
    FILE *out = open_memstream(&buf, &len);
    o->out = out;
    *rc = qw_sim_run(o);
    fclose(out);
    return buf;
}

static char *path_of(const char *name)
{
    static char paths[8][160];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    return p;
}

/* The decision line of an id, or NULL. */
static const char *line_of(const char *out, const char *id)
{
    char needle[200];
    snprintf(needle, sizeof(needle), "\"id\":\"%s\"", id);
    return strstr(out, needle);
}

static int field_in_line(const char *line, const char *field)
{
    const char *eol = strchr(line, '\n');
    const char *f = strstr(line, field);
    return f && (!eol || f < eol);
}

Test(evaluator_simulate, inputs_are_ordered_by_event_time_across_files)
{
    /* The second file's deal happened first: it must be applied first, at its own time, and
     * not at the later time of the first file's deal (the clock never goes back). */
    write_file("late.jsonl",
               "{\"deal_id\":\"L1\",\"version\":1,\"event_time\":\"2026-11-20T10:00:00Z\","
               "\"status\":\"won\",\"amount\":\"1100.00\",\"currency\":\"USD\",\"owner_id\":\"r2\","
               "\"close_date\":\"2026-11-20\"}\n");
    write_file("early.jsonl",
               "{\"deal_id\":\"E1\",\"version\":1,\"event_time\":\"2026-11-05T10:00:00Z\","
               "\"status\":\"won\",\"amount\":\"1100.00\",\"currency\":\"USD\",\"owner_id\":\"r1\","
               "\"close_date\":\"2026-11-05\"}\n");
    qw_sim_opts_t o = {.policy = "",
                       .roster = path_of("roster.csv"),
                       .quotas = path_of("quotas.csv"),
                       .inputs = {path_of("late.jsonl"), path_of("early.jsonl")},
                       .ninputs = 2};
    int rc;
    char *out = run_opts(&o, &rc);
    cr_assert_eq(rc, 0);
    const char *r1 = line_of(out, "d:r1:2026-11:reward.quota_achieved");
    const char *r2 = line_of(out, "d:r2:2026-11:reward.quota_achieved");
    cr_assert(r1 && r2 && r1 < r2, "the earlier event is applied first");
    cr_assert(field_in_line(r1, "\"time\":\"2026-11-05T10:00:00.000Z\""), "at its own time");
    free(out);
}

static const char sf_won[] =
    "{\"channel\":\"/data/OpportunityChangeEvent\",\"data\":{\"payload\":{\"ChangeEventHeader\":"
    "{\"entityName\":\"Opportunity\",\"recordIds\":[\"006X1\"],\"changeType\":\"CREATE\","
    "\"commitTimestamp\":1793700000000,\"commitNumber\":1},\"StageName\":\"Closed Won\","
    "\"IsClosed\":true,\"IsWon\":true,\"Amount\":1250.5,\"CurrencyIsoCode\":\"%s\","
    "\"CloseDate\":\"2026-11-03\",\"OwnerId\":\"r1\"}}}\n";

Test(evaluator_simulate, vendor_payloads_are_read_like_the_service)
{
    char line[1024];
    snprintf(line, sizeof(line), sf_won, "USD");
    write_file("sf.jsonl", line);
    write_file(
        "hs.jsonl",
        "[{\"eventId\":1,\"occurredAt\":1793800000000,\"subscriptionType\":\"deal.creation\","
        "\"objectId\":77,\"changeFlag\":\"NEW\"},{\"eventId\":2,\"occurredAt\":1793800000000,"
        "\"subscriptionType\":\"deal.propertyChange\",\"objectId\":77,\"propertyName\":"
        "\"amount\",\"propertyValue\":\"2000.00\"},{\"eventId\":3,\"occurredAt\":"
        "1793800000000,\"subscriptionType\":\"deal.propertyChange\",\"objectId\":77,"
        "\"propertyName\":\"hubspot_owner_id\",\"propertyValue\":\"r4\"},{\"eventId\":4,"
        "\"occurredAt\":1793800000000,\"subscriptionType\":\"deal.propertyChange\","
        "\"objectId\":77,\"propertyName\":\"closedate\",\"propertyValue\":\"1793750400000\"},"
        "{\"eventId\":5,\"occurredAt\":1793800000000,\"subscriptionType\":"
        "\"deal.propertyChange\",\"objectId\":77,\"propertyName\":\"dealstage\","
        "\"propertyValue\":\"closedwon\"}]\n");
    qw_sim_opts_t o = {.policy = "",
                       .roster = path_of("roster.csv"),
                       .quotas = path_of("quotas.csv"),
                       .sorted = 1};
    char sf[200], hs[200];
    snprintf(sf, sizeof(sf), "salesforce:%s", path_of("sf.jsonl"));
    snprintf(hs, sizeof(hs), "hubspot:%s", path_of("hs.jsonl"));
    o.deals = sf;
    o.inputs[0] = hs;
    o.ninputs = 1;
    int rc;
    char *out = run_opts(&o, &rc);
    cr_assert_eq(rc, 0);
    const char *r1 = line_of(out, "d:r1:2026-11:reward.quota_achieved");
    cr_assert(r1 && field_in_line(r1, "\"credited_minor\":125050"), "Salesforce credit in cents");
    const char *r4 = line_of(out, "d:r4:2026-11:reward.accelerator:bp12500");
    cr_assert(r4 && field_in_line(r4, "\"credited_minor\":200000"), "HubSpot array applied");
    free(out);
}

Test(evaluator_simulate, refused_credits_exit_4_and_name_the_currency)
{
    cr_redirect_stderr();
    char line[1024];
    snprintf(line, sizeof(line), sf_won, "SEK"); /* a real currency, not in the rate table */
    write_file("sf.jsonl", line);
    char sf[200];
    snprintf(sf, sizeof(sf), "salesforce:%s", path_of("sf.jsonl"));
    qw_sim_opts_t o = {.policy = "",
                       .roster = path_of("roster.csv"),
                       .quotas = path_of("quotas.csv"),
                       .deals = sf};
    int rc;
    char *out = run_opts(&o, &rc);
    cr_assert_eq(rc, QW_SIM_EXIT_REFUSED);
    fflush(stderr);
    FILE *e = cr_get_redirected_stderr();
    char err[4096] = "";
    size_t n = fread(err, 1, sizeof(err) - 1, e);
    err[n] = '\0';
    cr_assert(strstr(err, "SEK"), "the refused currency is named: %s", err);
    cr_assert(strstr(err, "refused"), "%s", err);
    free(out);
}

/* ---- qw-ingest convert output read back by simulate: the same amounts */

Test(evaluator_simulate, convert_output_round_trips_through_simulate)
{
    char line[1024];
    snprintf(line, sizeof(line), sf_won, "USD");
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    FILE *conv = fopen(path_of("converted.jsonl"), "w"), *err = fopen("/dev/null", "w");
    cr_assert_eq(qw_convert_buffer(&cfg, QW_SRC_SALESFORCE, "sf", line, strlen(line), conv, err),
                 0);
    fclose(conv);
    fclose(err);
    write_file("sf.jsonl", line);
    char sf[200], cv[200];
    snprintf(sf, sizeof(sf), "salesforce:%s", path_of("sf.jsonl"));
    snprintf(cv, sizeof(cv), "canonical:%s", path_of("converted.jsonl"));
    qw_sim_opts_t a = {.policy = "",
                       .roster = path_of("roster.csv"),
                       .quotas = path_of("quotas.csv"),
                       .deals = sf,
                       .until = "2026-12-10",
                       .sorted = 1};
    qw_sim_opts_t b = a;
    b.deals = cv;
    int rca, rcb;
    char *oa = run_opts(&a, &rca), *ob = run_opts(&b, &rcb);
    cr_assert_eq(rca, 0);
    cr_assert_eq(rcb, 0);
    const char *r1 = line_of(ob, "d:r1:2026-11:reward.quota_achieved");
    cr_assert(r1 && field_in_line(r1, "\"credited_minor\":125050"), "1250.50 USD, not 100x");
    cr_assert_str_eq(oa, ob, "the raw payload and its conversion make the same decisions");
    free(oa);
    free(ob);
}

/* ---- the demo's own files, with the demo's clock (deploy/local/demo.sh) */

Test(evaluator_simulate, demo_files_with_the_demo_clock)
{
    const char *demo = QW_FIXTURES "/../../deploy/demo";
    char r[256], q[256], p[256], in[4][256];
    snprintf(r, sizeof(r), "%s/roster.csv", demo);
    snprintf(q, sizeof(q), "%s/quotas.csv", demo);
    snprintf(p, sizeof(p), "%s/../policy.example.yaml", demo);
    const char *src[] = {"salesforce", "hubspot", "pipedrive", "canonical"};
    qw_sim_opts_t o = {.policy = p,
                       .roster = r,
                       .quotas = q,
                       .now = "2026-11-24T12:00:00Z",
                       .sorted = 1,
                       .ninputs = 4};
    for (int i = 0; i < 4; i++) {
        snprintf(in[i], sizeof(in[i]), "%s:%s/%s.jsonl", src[i], demo, src[i]);
        o.inputs[i] = in[i];
    }
    cr_redirect_stderr();
    int rc;
    char *out = run_opts(&o, &rc);
    cr_assert_eq(rc, QW_SIM_EXIT_UNUSABLE, "the demo's XYZ-currency line is unusable (DLQ)");
    /* Every line: its id, then its type; sorted by id; all at the frozen clock. The feed is
     * history by then, so the checkpoints judge it whole: the 50% and 75% checkpoints, both
     * passed, collapse into the 75% one, and only reps really behind pace are warned. */
    static const char *const want[] = {
        "d:005DEMO0000AnnaAAA:2026-11:reward.quota_achieved reward.quota_achieved",
        "d:20230001:2026-11:support.coaching_recommended:cp7500 support.coaching_recommended",
        "d:20230001:2026-11:warning.at_risk:cp7500 warning.at_risk",
        "d:81920001:2026-11:reward.quota_achieved reward.quota_achieved",
        "d:rep-ada:2026-11:reward.accelerator:bp12500 reward.accelerator",
        "d:rep-ada:2026-11:reward.quota_achieved reward.quota_achieved",
        "d:rep-bob:2026-11:support.coaching_recommended:cp7500 support.coaching_recommended",
        "d:rep-bob:2026-11:warning.at_risk:cp7500 warning.at_risk",
        "d:rep-cy:2026-11:integrity.flag:discount:canonical:D-301 integrity.flag",
        "d:rep-cy:2026-11:integrity.flag:reversal:canonical:D-302 integrity.flag",
        "d:rep-cy:2026-11:support.coaching_recommended:cp7500 support.coaching_recommended",
        "d:rep-cy:2026-11:warning.at_risk:cp7500 warning.at_risk",
        "d:team:team-east:2026-11:health.quota_pressure:cp7500 health.quota_pressure",
    };
    size_t nwant = sizeof(want) / sizeof(want[0]), k = 0;
    for (char *l = out, *eol; l && *l; l = eol + 1, k++) {
        eol = strchr(l, '\n');
        cr_assert_not_null(eol);
        *eol = '\0';
        json_error_t je;
        json_t *d = json_loads(l, 0, &je);
        cr_assert_not_null(d, "line %zu is JSON: %s", k, je.text);
        char got[256];
        snprintf(got, sizeof(got), "%s %s", json_string_value(json_object_get(d, "id")),
                 json_string_value(json_object_get(d, "type")));
        cr_assert_lt(k, nwant, "unexpected decision %s", got);
        cr_assert_str_eq(got, want[k]);
        cr_assert_str_eq(json_string_value(json_object_get(d, "time")), "2026-11-24T12:00:00.000Z");
        if (k == 0) /* minor units of the base currency: 42 000.00 EUR against 40 000.00 */
            cr_assert_eq(json_integer_value(json_object_get(d, "credited_minor")), 4200000);
        json_decref(d);
    }
    cr_assert_eq(k, nwant, "%zu decisions, expected %zu", k, nwant);
    free(out);
}

Test(evaluator_simulate, sales_ops_and_hr_are_never_evaluated)
{
    /* Even given a quota by mistake and no sales at all, staff get no decision; the same row
     * as a manager (who may carry a quota) is evaluated. */
    write_file("roster.csv", "rep_id,name,manager_id,team_id,hire_date,role\n"
                             "r1,Ann,m1,east,2025-01-10,\n"
                             "hr1,Hal,,east,2025-01-10,hr\n"
                             "ops1,Oda,,east,2025-01-10,sales_ops\n"
                             "m1,Max,,east,2025-01-10,manager\n");
    write_file("quotas.csv", "rep_id,period,amount,currency,version\n"
                             "r1,2026-09,1000.00,USD,v1\n"
                             "hr1,2026-09,1000.00,USD,v1\n"
                             "ops1,2026-09,1000.00,USD,v1\n"
                             "m1,2026-09,1000.00,USD,v1\n");
    int rc;
    char *out = run("2026-10-10", &rc);
    cr_assert_eq(rc, 3, "the garbage line is reported (exit 3)");
    cr_assert_eq(has(out, "d:r1:2026-09:warning.at_risk:cp7500"), 1, "%s", out);
    cr_assert_eq(has(out, "d:m1:2026-09:warning.at_risk:cp7500"), 1, "a manager with a quota");
    cr_assert_null(strstr(out, "\"rep_id\":\"hr1\""), "HR was evaluated: %s", out);
    cr_assert_null(strstr(out, "\"rep_id\":\"ops1\""), "sales ops was evaluated: %s", out);
    free(out);
}

/* Weekly digests: with digests.weekly_at set, simulate prints the latest due week's digests
 * (once, not the weeks before); without it, none. */
Test(evaluator_simulate, digests_of_the_latest_week_only)
{
    write_file("policy.yaml",
               "version: d1\ncurrency: {base: USD}\ndigests: {weekly_at: \"mon 08:00\"}\n");
    qw_sim_opts_t o = {.policy = path_of("policy.yaml"),
                       .roster = path_of("roster.csv"),
                       .quotas = path_of("quotas.csv"),
                       .deals = path_of("deals.jsonl"),
                       .now = "2026-11-25T12:00:00Z"};
    int rc;
    char *out = run_opts(&o, &rc);
    cr_assert_eq(rc, QW_SIM_EXIT_UNUSABLE, "the garbage line");
    cr_assert_eq(has(out, "d:r1:2026-11:info.standing:2026-W48"), 1, "%s", out);
    cr_assert_eq(has(out, "d:r4:2026-11:info.standing:2026-W48"), 1);
    cr_assert_eq(has(out, "d:m1:2026-11:info.team_digest:2026-W48"), 0, "m1 is not in the roster");
    cr_assert_null(strstr(out, "2026-W47"), "no earlier week");
    const char *l = line_of(out, "d:r2:2026-11:info.standing:2026-W48");
    cr_assert_not_null(l);
    cr_assert(strstr(l, "\"credited_minor\":110000,"), "%.300s", l);
    cr_assert(strstr(l, "\"days_left\":{\"value\":7,"), "%.600s", l);
    free(out);
    o.policy = "";
    out = run_opts(&o, &rc);
    cr_assert_null(strstr(out, "info."), "digests are off by default");
    free(out);
}
