/* `simulate` end to end in memory: canonical deals through the ledger and the engine, the
 * event-time clock, checkpoints and closes in order, --until. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    char *buf = NULL;
    size_t len = 0;
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
    cr_assert(ev && ev < eol && strstr(ev, "miss_streak"), "evidence present");
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
