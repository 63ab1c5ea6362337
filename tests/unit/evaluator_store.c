/* The evaluator's Redis step against a real redis-server (started per test on a free loopback
 * port, stopped in teardown): fencing, the offset check, hold and generation, the applied-id
 * window, the fenced outbox trim, and the script reload after Redis forgot it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_server.h"
#include "store.h"

static qw_test_redis_t server;
static qw_redis_t redis;
static qw_store_t store;

static void start(void)
{
    char err[QW_ERRSTR_MAX];
    qw_test_redis_start(&server);
    cr_assert_eq(qw_redis_init(&redis, server.url, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_redis_connect(&redis), QW_OK, "%s", redis.errstr);
    qw_store_init(&store, &redis, "t.");
}

static void stop(void)
{
    qw_redis_close(&redis);
    qw_test_redis_stop(&server);
}

TestSuite(evaluator_store, .init = start, .fini = stop, .timeout = 60);

static long long get_int(const char *key)
{
    redisReply *r = qw_redis_command(&redis, "GET %s", key);
    cr_assert_not_null(r);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    return v;
}

static long long cmd_int(const char *fmt, const char *key)
{
    redisReply *r = qw_redis_command(&redis, fmt, key);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* A batch of one rep blob, one decision and the given ids at offsets first.. */
static void fill(qw_commit_t *c, int64_t epoch, int64_t first, int nids, const char *blob)
{
    qw_commit_reset(c);
    c->part = 3;
    c->epoch = epoch;
    c->gen = 0;
    c->first_offset = first;
    c->next_offset = first + nids;
    c->window = 4;
    qw_redis_args_add_str(&c->reps, "t.qw:rep:{p3}:r1");
    qw_redis_args_add_str(&c->reps, blob);
    qw_redis_args_add_str(&c->outbox, "decision-at-");
    for (int i = 0; i < nids; i++) {
        char id[32];
        snprintf(id, sizeof(id), "id%lld", (long long)(first + i));
        qw_redis_args_add_i64(&c->ids, first + i);
        qw_redis_args_add_str(&c->ids, id);
    }
}

Test(evaluator_store, commit_skip_fence)
{
    int32_t part = 3;
    int64_t ep, off, gen, v;
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep, &off, &gen), QW_OK, "%s", store.errstr);
    cr_assert_eq(ep, 1);
    cr_assert_eq(off, -1, "no stored offset yet");
    qw_commit_t c;
    qw_commit_init(&c);
    qw_commit_status_t st;
    redisReply *r;
    fill(&c, ep, 0, 3, "blob-A");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK, "%s", store.errstr);
    cr_assert_eq(st, QW_COMMIT_OK);
    cr_assert_eq(get_int("t.qw:ev:{p3}:offset"), 3);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 1);
    cr_assert_eq(cmd_int("ZCARD %s", "t.qw:ev:{p3}:ids"), 3);
    cr_assert_eq(cmd_int("SISMEMBER t.qw:ev:{p3}:reps %s", "t.qw:rep:{p3}:r1"), 1);

    /* The same batch again (an unknown outcome retried): skipped, nothing appended. */
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_SKIP);
    cr_assert_eq(v, 3);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 1);

    /* The next batch; the window keeps the last 4 ids only. */
    fill(&c, ep, 3, 3, "blob-B");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_OK);
    cr_assert_eq(cmd_int("ZCARD %s", "t.qw:ev:{p3}:ids"), 4);
    r = qw_redis_command(&redis, "ZSCORE t.qw:ev:{p3}:ids %s", "id1");
    cr_assert(r && r->type == REDIS_REPLY_NIL, "oldest ids trimmed");
    freeReplyObject(r);
    r = qw_redis_command(&redis, "ZSCORE t.qw:ev:{p3}:ids %s", "id5");
    cr_assert(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "5"), "scored by offset");
    freeReplyObject(r);

    /* A new owner takes the partition: the old epoch's write is refused and changes nothing. */
    int64_t ep2;
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep2, &off, &gen), QW_OK);
    cr_assert_eq(ep2, 2);
    cr_assert_eq(off, 6, "the new owner resumes at the stored next offset");
    fill(&c, ep, 6, 2, "blob-zombie");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_FENCED);
    cr_assert_eq(v, 2);
    cr_assert_eq(get_int("t.qw:ev:{p3}:offset"), 6);
    r = qw_redis_command(&redis, "GET %s", "t.qw:rep:{p3}:r1");
    cr_assert_str_eq(r->str, "blob-B");
    freeReplyObject(r);

    /* The outbox trim is fenced too. */
    int fenced = 0;
    cr_assert_eq(qw_store_outbox_trim(&store, 3, ep, 1, &fenced), QW_OK);
    cr_assert_eq(fenced, 1);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 2);
    cr_assert_eq(qw_store_outbox_trim(&store, 3, ep2, 1, &fenced), QW_OK);
    cr_assert_eq(fenced, 0);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 1);
    qw_commit_free(&c);
}

Test(evaluator_store, hold_stale_and_script_reload)
{
    int32_t part = 3;
    int64_t ep, off, gen, v;
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep, &off, &gen), QW_OK);
    qw_commit_t c;
    qw_commit_init(&c);
    qw_commit_status_t st;
    fill(&c, ep, 0, 1, "x");

    int got = 0;
    cr_assert_eq(qw_store_lease(&store, "t.qw:ev:{p3}:hold", "job1", 10000, &got), QW_OK);
    cr_assert_eq(got, 1);
    cr_assert_eq(qw_store_lease(&store, "t.qw:ev:{p3}:hold", "job2", 10000, &got), QW_OK);
    cr_assert_eq(got, 0, "a lease is exclusive");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_HELD);

    /* The job writes a rep and a decision while holding, which bumps the generation. */
    qw_redis_args_t reps, ob;
    qw_redis_args_init(&reps);
    qw_redis_args_init(&ob);
    qw_redis_args_add_str(&reps, "t.qw:rep:{p3}:r9");
    qw_redis_args_add_str(&reps, "closed-state");
    qw_redis_args_add_str(&ob, "close-decision");
    int lost = 1;
    cr_assert_eq(qw_store_job_write(&store, 3, "job1", &reps, 1, &ob, &lost), QW_OK, "%s",
                 store.errstr);
    cr_assert_eq(lost, 0);
    cr_assert_eq(qw_store_job_write(&store, 3, "job2", &reps, 1, &ob, &lost), QW_OK);
    cr_assert_eq(lost, 1, "a write without the hold is refused");
    cr_assert_eq(qw_store_lease_release(&store, "t.qw:ev:{p3}:hold", "job1"), QW_OK);
    cr_assert_eq(get_int("t.qw:ev:{p3}:gen"), 1);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 1);
    cr_assert_eq(cmd_int("SISMEMBER t.qw:ev:{p3}:reps %s", "t.qw:rep:{p3}:r9"), 1,
                 "a rep new to the partition joins its set");
    redisReply *b = qw_redis_command(&redis, "GET %s", "t.qw:rep:{p3}:r9");
    cr_assert(b && b->type == REDIS_REPLY_STRING && !strcmp(b->str, "closed-state"));
    freeReplyObject(b);

    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_STALE, "the owner must reload states the job changed");
    cr_assert_eq(v, 1);
    c.gen = v;

    /* Redis forgot the scripts (a restart without persistence of the script cache). */
    redisReply *r = qw_redis_command(&redis, "SCRIPT FLUSH");
    freeReplyObject(r);
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK, "%s", store.errstr);
    cr_assert_eq(st, QW_COMMIT_OK);
    qw_redis_args_free(&reps);
    qw_redis_args_free(&ob);
    qw_commit_free(&c);
}

Test(evaluator_store, unreachable_redis_is_an_error_not_a_crash)
{
    int32_t part = 0;
    int64_t ep, off, gen;
    qw_test_redis_kill(&server);
    qw_redis_reset(&redis);
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep, &off, &gen), QW_ERR);
    cr_assert(store.errstr[0]);
}

/* The job's snapshot: from its start the batch script names every rep it writes. */
Test(evaluator_store, snapshot_records_the_reps_owners_write)
{
    int32_t part = 3;
    int64_t ep, off, gen, v;
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep, &off, &gen), QW_OK, "%s", store.errstr);
    qw_commit_t c;
    qw_commit_init(&c);
    qw_commit_status_t st;
    fill(&c, ep, 0, 1, "before");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(cmd_int("EXISTS %s", "t.qw:ev:{p3}:dirty"), 0, "no snapshot, no record");

    cr_assert_eq(qw_store_snapshot_begin(&store, 3, "job1", 60000), QW_OK, "%s", store.errstr);
    void *reply = NULL;
    int expired = 1;
    cr_assert_eq(qw_store_snapshot_dirty(&store, 3, "job1", &reply, &expired), QW_OK);
    cr_assert_eq(expired, 0);
    cr_assert_eq(((redisReply *)reply)->elements, 1, "just the sentinel");
    freeReplyObject(reply);

    fill(&c, ep, 1, 1, "during");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_OK, "a snapshot does not hold owners");
    cr_assert_eq(qw_store_snapshot_dirty(&store, 3, "job1", &reply, &expired), QW_OK);
    cr_assert_eq(expired, 0);
    cr_assert_eq(((redisReply *)reply)->elements, 2);
    freeReplyObject(reply);
    cr_assert_eq(cmd_int("SISMEMBER t.qw:ev:{p3}:dirty %s", "t.qw:rep:{p3}:r1"), 1);

    /* Another job began a snapshot over ours: ours no longer records anything. */
    cr_assert_eq(qw_store_snapshot_begin(&store, 3, "job2", 60000), QW_OK);
    cr_assert_eq(qw_store_snapshot_dirty(&store, 3, "job1", &reply, &expired), QW_OK);
    cr_assert_eq(expired, 1, "taken over");
    freeReplyObject(reply);

    /* Gone (expired): the job must not trust what it has. */
    cr_assert_eq(cmd_int("DEL %s", "t.qw:ev:{p3}:dirty"), 1);
    cr_assert_eq(qw_store_snapshot_dirty(&store, 3, "job1", &reply, &expired), QW_OK);
    cr_assert_eq(expired, 1);
    freeReplyObject(reply);
    cr_assert_eq(qw_store_snapshot_begin(&store, 3, "job1", 60000), QW_OK);
    cr_assert_eq(qw_store_snapshot_end(&store, 3), QW_OK);
    cr_assert_eq(cmd_int("EXISTS %s", "t.qw:ev:{p3}:dirty"), 0);
    fill(&c, ep, 2, 1, "after");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(cmd_int("EXISTS %s", "t.qw:ev:{p3}:dirty"), 0, "no record after the end");
    qw_commit_free(&c);
}

/* The job's pre-write: a rep an owner wrote since the snapshot is refused (nothing of it goes
 * in: state, decisions), the others go in with their decisions and a generation bump; a lost
 * sentinel writes nothing; _take names what owners wrote and restarts the record. */
Test(evaluator_store, prewrite_refuses_what_owners_wrote_and_take_restarts_the_record)
{
    int32_t part = 3;
    int64_t ep, off, gen, v;
    cr_assert_eq(qw_store_take(&store, &part, 1, &ep, &off, &gen), QW_OK, "%s", store.errstr);
    cr_assert_eq(qw_store_snapshot_begin(&store, 3, "job1", 60000), QW_OK);
    qw_commit_t c;
    qw_commit_init(&c);
    qw_commit_status_t st;
    fill(&c, ep, 0, 1, "owner-r1"); /* the owner writes r1 during the snapshot */
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_OK);

    qw_redis_args_t kb, hdr, decs;
    qw_redis_args_init(&kb);
    qw_redis_args_init(&hdr);
    qw_redis_args_init(&decs);
    qw_redis_args_add_str(&kb, "t.qw:rep:{p3}:r1");
    qw_redis_args_add_str(&kb, "job-r1");
    qw_redis_args_add_i64(&hdr, 2 * 1); /* one decision, not new */
    qw_redis_args_add_str(&decs, "dec-r1");
    qw_redis_args_add_str(&kb, "t.qw:rep:{p3}:r2");
    qw_redis_args_add_str(&kb, "job-r2");
    qw_redis_args_add_i64(&hdr, 2 * 2 + 1); /* two decisions, new to the rep set */
    qw_redis_args_add_str(&decs, "dec-r2a");
    qw_redis_args_add_str(&decs, "dec-r2b");
    qw_redis_args_add_str(&decs, "dec-team"); /* of no rep: always appended */
    unsigned char refused[2] = {9, 9};
    int lost = 1;
    cr_assert_eq(qw_store_job_prewrite(&store, 3, "job1", &kb, &hdr, &decs, &lost, refused), QW_OK,
                 "%s", store.errstr);
    cr_assert_eq(lost, 0);
    cr_assert_eq(refused[0], 1, "r1 was written by its owner since the snapshot");
    cr_assert_eq(refused[1], 0);
    redisReply *r = qw_redis_command(&redis, "GET %s", "t.qw:rep:{p3}:r1");
    cr_assert(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "owner-r1"),
              "the owner's write is kept");
    freeReplyObject(r);
    r = qw_redis_command(&redis, "GET %s", "t.qw:rep:{p3}:r2");
    cr_assert(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "job-r2"));
    freeReplyObject(r);
    r = qw_redis_command(&redis, "LRANGE %s 0 -1", "t.qw:ev:{p3}:outbox");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4,
              "the owner's, r2's two and the team's");
    cr_assert_str_eq(r->element[1]->str, "dec-r2a");
    cr_assert_str_eq(r->element[2]->str, "dec-r2b");
    cr_assert_str_eq(r->element[3]->str, "dec-team");
    freeReplyObject(r);
    cr_assert_eq(cmd_int("SISMEMBER t.qw:ev:{p3}:reps %s", "t.qw:rep:{p3}:r2"), 1);
    cr_assert_eq(get_int("t.qw:ev:{p3}:gen"), gen + 1, "owners must reload what went in");
    fill(&c, ep, 1, 1, "owner-stale");
    cr_assert_eq(qw_store_commit(&store, &c, &st, &v), QW_OK);
    cr_assert_eq(st, QW_COMMIT_STALE);

    /* Take: r1 is named, and the record starts again with the sentinel alone. */
    void *reply = NULL;
    int expired = 1;
    cr_assert_eq(qw_store_snapshot_take(&store, 3, "job1", 60000, &reply, &expired), QW_OK);
    cr_assert_eq(expired, 0);
    cr_assert_eq(((redisReply *)reply)->elements, 2, "the sentinel and r1");
    freeReplyObject(reply);
    cr_assert_eq(qw_store_snapshot_dirty(&store, 3, "job1", &reply, &expired), QW_OK);
    cr_assert_eq(expired, 0);
    cr_assert_eq(((redisReply *)reply)->elements, 1, "restarted: the sentinel alone");
    freeReplyObject(reply);
    int alive = 0;
    cr_assert_eq(qw_store_snapshot_alive(&store, 3, "job1", &alive), QW_OK);
    cr_assert_eq(alive, 1);

    /* Another job's snapshot: a pre-write and a take of ours find no sentinel. */
    cr_assert_eq(qw_store_snapshot_begin(&store, 3, "job2", 60000), QW_OK);
    cr_assert_eq(qw_store_job_prewrite(&store, 3, "job1", &kb, &hdr, &decs, &lost, refused), QW_OK);
    cr_assert_eq(lost, 1);
    cr_assert_eq(cmd_int("LLEN %s", "t.qw:ev:{p3}:outbox"), 4, "nothing written");
    cr_assert_eq(qw_store_snapshot_take(&store, 3, "job1", 60000, &reply, &expired), QW_OK);
    cr_assert_eq(expired, 1);
    freeReplyObject(reply);
    cr_assert_eq(qw_store_snapshot_alive(&store, 3, "job1", &alive), QW_OK);
    cr_assert_eq(alive, 0);
    qw_redis_args_free(&kb);
    qw_redis_args_free(&hdr);
    qw_redis_args_free(&decs);
    qw_commit_free(&c);
}
