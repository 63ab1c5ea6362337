/* The calendar job over a real redis-server: owners keep committing while the job reads and
 * ticks (no hold yet), and what they wrote in that window is caught up under the short hold —
 * counted in the close, never overwritten by the job's older snapshot. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "decision_pb.h"
#include "evaluator_engine_fixture.h"
#include "redis_server.h"

static qw_test_redis_t server;
static qw_redis_t redis;
static qw_store_t store;
static qw_refdata_t ref;
static qw_calendar_t cal;
static fx_team_t team;

#define PERIOD "2026-11"
#define NPARTS 2

static void start(void)
{
    char err[QW_ERRSTR_MAX];
    fx_setup();
    qw_test_redis_start(&server);
    cr_assert_eq(qw_redis_init(&redis, server.url, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_redis_connect(&redis), QW_OK, "%s", redis.errstr);
    qw_store_init(&store, &redis, "t.");
    qw_refdata_init(&ref);
    fx_team(&team, 4, PERIOD, 100000); /* r1..r4 in team east */
    for (int i = 0; i < team.n; i++) {
        cr_assert_eq(qw_refdata_put_profile(&ref, &team.prof[i]), QW_OK);
        cr_assert_eq(qw_refdata_put_quota(&ref, &team.quota[i]), QW_OK);
    }
    qw_calendar_init(&cal, &store, &ref, &pol, "qw.credits.v1", NULL, 1000);
    cal.nparts = NPARTS;
}

static void stop(void)
{
    qw_calendar_free(&cal);
    qw_refdata_free(&ref);
    qw_redis_close(&redis);
    qw_test_redis_stop(&server);
    fx_teardown();
}

TestSuite(evaluator_calendar_job, .init = start, .fini = stop, .timeout = 60);

static int32_t part_of(const char *rep)
{
    return qw_partition_murmur2(rep, strlen(rep), NPARTS);
}

/* What an owner does for one batch: its state with a credit, through the batch script. */
static qw_commit_status_t owner_commit(int i, const char *deal, int64_t amount, int64_t offset)
{
    fx_credit_rep(&team, i, deal, amount, "2026-11-10");
    int32_t part = part_of(team.prof[i].rep_id);
    int64_t epoch, off, gen, v;
    cr_assert_eq(qw_store_take(&store, &part, 1, &epoch, &off, &gen), QW_OK, "%s", store.errstr);
    uint8_t blob[QW_REP_STATE_BLOB_MAX];
    size_t bl = qw_rep_state_encode(&team.st[i], blob, sizeof(blob));
    cr_assert_gt(bl, 0);
    char key[QW_STORE_KEY_MAX];
    qw_store_rep_key(&store, key, sizeof(key), part, team.prof[i].rep_id);
    qw_commit_t c;
    qw_commit_init(&c);
    c.part = part;
    c.epoch = epoch;
    c.gen = gen;
    c.first_offset = offset;
    c.next_offset = offset + 1;
    c.window = 100;
    qw_redis_args_add_str(&c.reps, key);
    qw_redis_args_add(&c.reps, blob, bl);
    qw_commit_status_t status;
    cr_assert_eq(qw_store_commit(&store, &c, &status, &v), QW_OK, "%s", store.errstr);
    qw_commit_free(&c);
    return status;
}

static void stored_state(int i, qw_rep_state_t *st)
{
    char key[QW_STORE_KEY_MAX], err[QW_ERRSTR_MAX];
    qw_store_rep_key(&store, key, sizeof(key), part_of(team.prof[i].rep_id), team.prof[i].rep_id);
    redisReply *r = qw_redis_command(&redis, "GET %s", key);
    cr_assert(r && r->type == REDIS_REPLY_STRING, "no state for %s", key);
    cr_assert_eq(qw_rep_state_decode(st, (const uint8_t *)r->str, r->len, err, sizeof(err)), QW_OK,
                 "%s", err);
    freeReplyObject(r);
}

/* The outbox entries of a rep and type: how many, and the last one's credited amount and id. */
static int outbox_digest(const char *rep, const char *type, int64_t *credited, char *id)
{
    int n = 0;
    for (int p = 0; p < NPARTS; p++) {
        char k[QW_STORE_KEY_MAX];
        qw_store_key(&store, k, sizeof(k), p, "outbox");
        redisReply *r = qw_redis_command(&redis, "LRANGE %s 0 -1", k);
        cr_assert(r && r->type == REDIS_REPLY_ARRAY);
        for (size_t i = 0; i < r->elements; i++) {
            Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(
                NULL, r->element[i]->len, (const uint8_t *)r->element[i]->str);
            cr_assert_not_null(d);
            if (!strcmp(d->rep_id, rep) && !strcmp(d->type, type)) {
                n++;
                *credited = d->credited_minor;
                snprintf(id, QW_DECISION_ID_MAX, "%s", d->id);
            }
            if (getenv("QW_TEST_DUMP"))
                fprintf(stderr, "outbox %s %s %s\n", d->rep_id, d->type, d->id);
            quotawatch__v1__decision__free_unpacked(d, NULL);
        }
        freeReplyObject(r);
    }
    return n;
}

/* Decisions the job appended for a rep, by type, over every partition's outbox. */
static int outbox_count(const char *rep, const char *type)
{
    int64_t credited;
    char id[QW_DECISION_ID_MAX];
    return outbox_digest(rep, type, &credited, id);
}

static qw_commit_status_t during_snapshot;
static int snapshot_calls;

static void sell_during_snapshot(void *opaque, const char *period)
{
    (void)opaque;
    /* The job also steps the periods before; and only the first 2026-11 step sees the sale. */
    if (strcmp(period, PERIOD) || snapshot_calls++) return;
    /* r1 closes a deal that takes it past quota while the job has already ticked its old
     * state: the owner is not held, and the job must count the deal. */
    during_snapshot = owner_commit(0, "d-late", 120000, 10);
}

/* Owners write r1 while the job ticks; with pre-write rounds r2..r4 go in before the hold and r1
 * is refused, re-read and re-ticked with its team (whose other states are already written: the
 * re-tick must not repeat their warnings); without, all of it is written under the hold. */
static void owners_during_snapshot(int rounds)
{
    cal.prewrite_rounds = rounds;
    cr_assert_eq(owner_commit(1, "d-a", 120000, 0), QW_COMMIT_OK);
    cr_assert_eq(owner_commit(2, "d-b", 30000, 0), QW_COMMIT_OK);
    cal.on_snapshot = sell_during_snapshot;

    /* Both pacing checkpoints (50%, 75%) at once. */
    qw_calendar_run(&cal, fx_at("2026-11-24T00:00:00Z"));
    cr_assert_eq(snapshot_calls, 1);
    cr_assert_eq(during_snapshot, QW_COMMIT_OK, "the owner was not held during the snapshot");
    cr_assert_eq(cal.steps, 4, "2026-08 to -10 closed, 2026-11 checkpoints: %s", cal.errstr);
    cr_assert_eq(cal.last_dirty, 1, "exactly r1 was caught up in the 2026-11 step");
    if (rounds)
        cr_assert_eq(cal.last_prewritten, 3, "r2..r4 were written before the hold, r1 refused");
    else
        cr_assert_eq(cal.last_prewritten, 0);
    cr_assert_eq(outbox_count("r1", "warning.at_risk"), 0,
                 "the warnings of r1's first tick (from its old state) were dropped");
    cr_assert_eq(outbox_count("r3", "warning.at_risk"), 1,
                 "missed checkpoints collapse: only the latest (75%%) is evaluated");
    cr_assert_eq(outbox_count("r4", "warning.at_risk"), 1);
    cr_assert_eq(outbox_count("r2", "warning.at_risk"), 0);
    qw_rep_state_t st;
    stored_state(0, &st);
    const qw_period_state_t *ps = qw_rep_state_find(&st, PERIOD);
    cr_assert_not_null(ps);
    cr_assert_eq(ps->credited_minor, 120000, "the deal sold during the snapshot is kept");
    cr_assert_eq(ps->checkpoints_done, 3);
    cr_assert_eq(ps->at_risk, 0);

    /* The close. Team east: r1 and r2 hit, r3 and r4 missed. Half the team is not more than
     * the 50% systemic share, so r3's miss counts; from r1's old state it would be 3 of 4. */
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, fx_close_time(PERIOD));
    cr_assert_eq(cal.steps, 5, "%s", cal.errstr);
    stored_state(0, &st);
    ps = qw_rep_state_find(&st, PERIOD);
    cr_assert_eq(ps->credited_minor, 120000);
    cr_assert(ps->flags & QW_PF_CLOSED);
    cr_assert_eq(ps->outcome, QW_OUTCOME_HIT);
    stored_state(2, &st);
    ps = qw_rep_state_find(&st, PERIOD);
    cr_assert_eq(ps->outcome, QW_OUTCOME_MISS);
    cr_assert_not(ps->flags & QW_PF_SYSTEMIC, "decided with r1's fresh state");

    /* Owners reload what the job wrote: it bumped each partition's generation. */
    for (int p = 0; p < NPARTS; p++) {
        int64_t gen = 0;
        cr_assert_eq(qw_store_get_gen(&store, p, &gen), QW_OK);
        cr_assert_geq(gen, 2, "partition %d: one bump per step that wrote", p);
    }
}

Test(evaluator_calendar_job, owners_write_during_the_snapshot_and_the_step_counts_it)
{
    owners_during_snapshot(QW_CALENDAR_PREWRITE_ROUNDS);
}

Test(evaluator_calendar_job, without_prewrite_rounds_the_hold_writes_it_all)
{
    owners_during_snapshot(0);
}

static int prewrite_calls;

static void sell_after_prewrite(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD) || prewrite_calls++) return;
    /* r3's closed state is in Redis already; its owner reloads it (the generation moved) and
     * sells before the hold. */
    stored_state(2, &team.st[2]);
    during_snapshot = owner_commit(2, "d-after", 120000, 10);
}

Test(evaluator_calendar_job, a_state_written_before_the_hold_then_sold_on_is_caught_up)
{
    cr_assert_eq(owner_commit(2, "d-b", 30000, 0), QW_COMMIT_OK);
    cal.on_prewrite = sell_after_prewrite;
    qw_calendar_run(&cal, fx_close_time(PERIOD));
    cr_assert_eq(prewrite_calls, 1);
    cr_assert_eq(during_snapshot, QW_COMMIT_OK, "the owner was not held after the pre-write");
    cr_assert_eq(cal.steps, 3, "2026-09 to -11 closed: %s", cal.errstr);
    cr_assert_eq(cal.last_dirty, 1, "r3, written by its owner after the pre-write, caught up");
    qw_rep_state_t st;
    stored_state(2, &st);
    const qw_period_state_t *ps = qw_rep_state_find(&st, PERIOD);
    cr_assert_not_null(ps);
    cr_assert_eq(ps->credited_minor, 150000, "the job's hold must not overwrite the owner's sale");
    cr_assert(ps->flags & QW_PF_CLOSED);
    if (getenv("QW_TEST_DUMP")) outbox_count("r3", "-");
}

static void sleep_past_snapshot(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD)) return;
    usleep(400 * 1000);
}

Test(evaluator_calendar_job, an_expired_snapshot_fails_the_step_and_it_is_retried)
{
    cal.hold_ms = 50; /* the snapshot lives 5 x hold: 250 ms */
    cal.on_snapshot = sleep_past_snapshot;
    qw_calendar_run(&cal, fx_close_time(PERIOD));
    cr_assert_eq(cal.steps, 2, "a snapshot whose record of writes expired must not be written");
    cr_assert(strstr(cal.errstr, "expired"), "%s", cal.errstr);
    qw_rep_state_t st;
    stored_state(0, &st); /* written by the steps of 2026-09 and -10 */
    const qw_period_state_t *ps = qw_rep_state_find(&st, PERIOD);
    cr_assert(!ps || !(ps->flags & QW_PF_CLOSED), "2026-11 not written");
    /* Holds were lifted: an owner can commit, and the next run does the step. */
    cr_assert_eq(owner_commit(0, "d-1", 5000, 0), QW_COMMIT_OK);
    cal.hold_ms = 120000;
    cal.on_snapshot = NULL;
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, fx_close_time(PERIOD));
    cr_assert_eq(cal.steps, 3, "%s", cal.errstr);
    stored_state(0, &st);
    ps = qw_rep_state_find(&st, PERIOD);
    cr_assert(ps && (ps->flags & QW_PF_CLOSED));
    cr_assert_eq(ps->credited_minor, 5000);
}

static void second_job_begins(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD)) return;
    /* Another instance, believing the lease its own, starts a snapshot of its own. */
    cr_assert_eq(qw_store_snapshot_begin(&store, 1, "another-job", 60000), QW_OK);
}

Test(evaluator_calendar_job, a_snapshot_taken_over_by_another_job_is_not_written)
{
    cal.on_snapshot = second_job_begins;
    qw_calendar_run(&cal, fx_close_time(PERIOD));
    cr_assert_eq(cal.steps, 2, "2026-09 and -10 done, 2026-11 refused");
    cr_assert(strstr(cal.errstr, "taken over"), "%s", cal.errstr);
    qw_rep_state_t st;
    stored_state(0, &st);
    const qw_period_state_t *ps = qw_rep_state_find(&st, PERIOD);
    cr_assert(!ps || !(ps->flags & QW_PF_CLOSED), "2026-11 not written");
}

/* ---- weekly digests ---------------------------------------------------------------------- */

static int digest_snapshots;

static void sell_during_digest(void *opaque, const char *period)
{
    (void)opaque;
    /* The first 2026-11 snapshot is the 50% checkpoint's; the second the digest's. */
    if (strcmp(period, PERIOD) || ++digest_snapshots != 2) return;
    during_snapshot = owner_commit(2, "d-during", 7000, 20);
}

Test(evaluator_calendar_job, weekly_digests_once_per_week_counting_what_owners_wrote)
{
    fx_policy("digests: {weekly_at: \"mon 08:00\"}\n");
    qw_rep_profile_t mgr;
    fx_rep(&mgr, "mgr-east", "east");
    mgr.manager_id[0] = '\0';
    mgr.role = QW_ROLE_MANAGER;
    cr_assert_eq(qw_refdata_put_profile(&ref, &mgr), QW_OK);
    team.prof[1].digest_opt_out = 1;
    cr_assert_eq(qw_refdata_put_profile(&ref, &team.prof[1]), QW_OK);
    cr_assert_eq(owner_commit(0, "d-a", 30000, 0), QW_COMMIT_OK);
    cal.on_snapshot = sell_during_digest;

    int64_t at = fx_at("2026-11-23T08:00:00Z"); /* a Monday; the policy is UTC */
    qw_calendar_run(&cal, at + 3600000);
    cr_assert_eq(during_snapshot, QW_COMMIT_OK);
    cr_assert_eq(cal.digests, 1, "%s", cal.errstr);
    int64_t credited = -1;
    char id[QW_DECISION_ID_MAX] = "";
    cr_assert_eq(outbox_digest("r1", "info.standing", &credited, id), 1);
    cr_assert_eq(credited, 30000);
    cr_assert_str_eq(id, "d:r1:2026-11:info.standing:2026-W48");
    cr_assert_eq(outbox_digest("r2", "info.standing", &credited, id), 0, "r2 opted out");
    cr_assert_eq(outbox_digest("r3", "info.standing", &credited, id), 1);
    cr_assert_eq(credited, 7000, "the deal written during the digest's snapshot counts");
    cr_assert_eq(outbox_digest("r4", "info.standing", &credited, id), 1);
    cr_assert_eq(outbox_digest("mgr-east", "info.team_digest", &credited, id), 1);
    cr_assert_eq(credited, 37000, "r1 + r3 (r2 is listed too, with nothing)");
    cr_assert_str_eq(id, "d:mgr-east:2026-11:info.team_digest:2026-W48");
    redisReply *r = qw_redis_command(&redis, "HGET t.qw:ev:calendar:digest 2026-W48");
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    cr_assert_eq(strtoll(r->str, NULL, 10), at);
    freeReplyObject(r);
    qw_rep_state_t st;
    stored_state(2, &st);
    cr_assert_eq(qw_rep_state_find(&st, PERIOD)->credited_minor, 7000, "the owner's write kept");

    /* Later the same week: nothing again. */
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, at + 2 * 86400000LL);
    cr_assert_eq(cal.digests, 1);
    cr_assert_eq(outbox_digest("r1", "info.standing", &credited, id), 1);

    /* A crash after the outbox write but before the week was recorded: the next run writes the
     * same ids again (the notifier delivers each id once per channel). */
    r = qw_redis_command(&redis, "HDEL t.qw:ev:calendar:digest 2026-W48");
    freeReplyObject(r);
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, at + 2 * 86400000LL);
    cr_assert_eq(cal.digests, 2);
    cr_assert_eq(outbox_digest("mgr-east", "info.team_digest", &credited, id), 2);
    cr_assert_str_eq(id, "d:mgr-east:2026-11:info.team_digest:2026-W48", "the same id");

    /* Weeks missed while the job was down are not sent: three weeks on, only 2026-W51. */
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, fx_at("2026-12-16T12:00:00Z"));
    cr_assert_eq(cal.digests, 3, "%s", cal.errstr);
    r = qw_redis_command(&redis, "HLEN t.qw:ev:calendar:digest");
    cr_assert_eq(r->integer, 2, "2026-W48 and 2026-W51; W49 and W50 were never sent");
    freeReplyObject(r);
    cr_assert_eq(outbox_digest("r1", "info.standing", &credited, id), 3, "W48 twice, W51");
    cr_assert_str_eq(id, "d:r1:2026-12:info.standing:2026-W51");
}

static void sell_to_r1_after_prewrite(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD) || prewrite_calls++) return;
    stored_state(0, &team.st[0]);
    during_snapshot = owner_commit(0, "d-small", 1000, 10);
}

Test(evaluator_calendar_job, a_team_decision_survives_a_catch_up_of_states_already_stepped)
{
    /* No one sold: the whole team is at risk at 75%, which is quota pressure on the team. Every
     * state is pre-written; then r1's owner sells a little, so the catch-up under the hold
     * re-ticks the team, all of whose reps have the step done: the re-tick decides nothing, and
     * the team's decision made by the first tick must still be written. */
    cal.on_prewrite = sell_to_r1_after_prewrite;
    qw_calendar_run(&cal, fx_at("2026-11-24T00:00:00Z"));
    cr_assert_eq(cal.steps, 4, "%s", cal.errstr);
    cr_assert_eq(prewrite_calls, 1);
    cr_assert_eq(during_snapshot, QW_COMMIT_OK);
    cr_assert_eq(cal.last_dirty, 1, "r1 caught up under the hold");
    int qp = outbox_count("", "health.quota_pressure");
    cr_assert_eq(qp, 1, "the team's quota pressure, once (%d)", qp);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(outbox_count(team.prof[i].rep_id, "warning.at_risk"), 1, "rep %d", i);
    qw_rep_state_t st;
    stored_state(0, &st);
    cr_assert_eq(qw_rep_state_find(&st, PERIOD)->credited_minor, 1000, "r1's sale is kept");
}

static void another_job_holds(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD) || prewrite_calls++) return;
    /* The job fails after its pre-writes, before its hold (here another job holds partition 1;
     * a crash or a lost lease leave the same behind): states and decisions written, step not
     * done. */
    char k[QW_STORE_KEY_MAX];
    qw_store_key(&store, k, sizeof(k), 1, "hold");
    redisReply *r = qw_redis_command(&redis, "SET %s other-job PX 60000", k);
    cr_assert(r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
}

Test(evaluator_calendar_job, a_step_that_fails_after_its_prewrites_is_redone_without_repeats)
{
    cal.on_prewrite = another_job_holds;
    qw_calendar_run(&cal, fx_at("2026-11-24T00:00:00Z"));
    cr_assert_eq(cal.steps, 3, "2026-08 to -10 closed, the 2026-11 checkpoints failed");
    cr_assert(strstr(cal.errstr, "could not hold"), "%s", cal.errstr);
    cr_assert_eq(cal.last_prewritten, 4);
    /* What went in before the hold is out: every warning, and the team's decision, whose reps
     * all have the step done (no re-run would judge the team again). */
    cr_assert_eq(outbox_count("", "health.quota_pressure"), 1);
    char k[QW_STORE_KEY_MAX];
    qw_store_key(&store, k, sizeof(k), 1, "hold");
    freeReplyObject(qw_redis_command(&redis, "DEL %s", k));
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, fx_at("2026-11-24T00:00:00Z"));
    cr_assert_eq(cal.steps, 4, "the re-run does the step: %s", cal.errstr);
    cr_assert_eq(outbox_count("", "health.quota_pressure"), 1, "not repeated by the re-run");
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(outbox_count(team.prof[i].rep_id, "warning.at_risk"), 1, "rep %d", i);
        qw_rep_state_t st;
        stored_state(i, &st);
        cr_assert_eq(qw_rep_state_find(&st, PERIOD)->checkpoints_done, 3);
    }
}

static void clawback_during_snapshot(void *opaque, const char *period)
{
    (void)opaque;
    if (strcmp(period, PERIOD) || snapshot_calls++) return;
    during_snapshot = owner_commit(0, "d-claw", -100000, 10);
}

Test(evaluator_calendar_job, a_team_rule_a_catch_up_fires_marks_the_states_already_written)
{
    /* r1 and r2 sold their quota, r3 and r4 nothing: 2 of 4 at risk, not more than half, so the
     * first tick raises no quota pressure and r2..r4 are written before the hold. r1's deal is
     * clawed back during the snapshot: its catch-up puts 3 of 4 at risk, the team's pressure is
     * raised, and every member's state is marked - r2..r4's too, although they were written. */
    cr_assert_eq(owner_commit(0, "d-a", 120000, 0), QW_COMMIT_OK);
    cr_assert_eq(owner_commit(1, "d-b", 120000, 1), QW_COMMIT_OK);
    cal.on_snapshot = clawback_during_snapshot;
    qw_calendar_run(&cal, fx_at("2026-11-24T00:00:00Z"));
    cr_assert_eq(cal.steps, 4, "%s", cal.errstr);
    cr_assert_eq(during_snapshot, QW_COMMIT_OK);
    cr_assert_eq(cal.last_prewritten, 3, "r2..r4 before the hold (%d)", cal.last_prewritten);
    cr_assert_eq(outbox_count("", "health.quota_pressure"), 1);
    for (int i = 0; i < 4; i++) {
        qw_rep_state_t st;
        stored_state(i, &st);
        const qw_period_state_t *ps = qw_rep_state_find(&st, PERIOD);
        cr_assert(ps && (ps->flags & QW_PF_TEAM_PRESSURE), "rep %d's state lacks the team's mark",
                  i);
    }
}
