/* Exact de-duplication of credit ids at any age: the batch step's per-rep id hashes against a
 * real redis-server (started per test on a free loopback port, stopped in teardown), with a
 * window far smaller than the ids in between, and the pruning of evicted periods. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "redis_server.h"
#include "store.h"

static qw_test_redis_t server;
static qw_redis_t redis;
static qw_store_t store;
static int64_t epoch;

static void start(void)
{
    char err[QW_ERRSTR_MAX];
    qw_test_redis_start(&server);
    cr_assert_eq(qw_redis_init(&redis, server.url, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_redis_connect(&redis), QW_OK, "%s", redis.errstr);
    qw_store_init(&store, &redis, "t.");
    int32_t part = 2;
    int64_t off, gen;
    cr_assert_eq(qw_store_take(&store, &part, 1, &epoch, &off, &gen), QW_OK, "%s", store.errstr);
}

static void stop(void)
{
    qw_redis_close(&redis);
    qw_test_redis_stop(&server);
}

TestSuite(evaluator_dedup, .init = start, .fini = stop, .timeout = 120);

static long long cmd_int(const char *fmt, const char *arg)
{
    redisReply *r = qw_redis_command(&redis, fmt, arg);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

typedef struct {
    int n;
    char ids[8][64];
} dups_t;

static int on_dup(void *opaque, const char *id, size_t len)
{
    dups_t *d = opaque;
    if (d->n < 8) snprintf(d->ids[d->n++], sizeof(d->ids[0]), "%.*s", (int)len, id);
    return QW_OK;
}

/* A batch for two reps (r1, r2) of partition 2 at offsets first..: credit i goes to rep i % 2
 * in `period`, with the id given by ids[i]. */
static void fill(qw_commit_t *c, int64_t first, const char *const *ids, int n, const char *period,
                 dups_t *d)
{
    qw_commit_reset(c);
    c->part = 2;
    c->epoch = epoch;
    c->gen = 0;
    c->first_offset = first;
    c->next_offset = first + n;
    c->window = 50;
    c->on_dup = on_dup;
    c->dup_opaque = d;
    const char *reps[2] = {"r1", "r2"};
    for (int k = 0; k < 2; k++) {
        char key[QW_STORE_KEY_MAX];
        qw_store_rep_key(&store, key, sizeof(key), 2, reps[k]);
        qw_redis_args_add_str(&c->reps, key);
        qw_redis_args_add_str(&c->reps, "blob");
        qw_store_cid_key(&store, key, sizeof(key), 2, reps[k]);
        qw_redis_args_add_str(&c->cids, key);
    }
    for (int i = 0; i < n; i++) {
        qw_redis_args_add_i64(&c->ids, first + i);
        qw_redis_args_add_str(&c->ids, ids[i]);
    }
    for (int k = 0; k < 2; k++) { /* one group per rep: index, check, count, (id, period)... */
        int cnt = n / 2 + (k < n % 2);
        if (!cnt) continue;
        qw_redis_args_add_i64(&c->exact, k);
        qw_redis_args_add_str(&c->exact, "1");
        qw_redis_args_add_i64(&c->exact, cnt);
        for (int i = k; i < n; i += 2) {
            qw_redis_args_add_str(&c->exact, ids[i]);
            qw_redis_args_add_str(&c->exact, period);
        }
    }
}

static qw_commit_status_t commit(qw_commit_t *c, int64_t *v)
{
    qw_commit_status_t st;
    cr_assert_eq(qw_store_commit(&store, c, &st, v), QW_OK, "%s", store.errstr);
    return st;
}

Test(evaluator_dedup, a_duplicate_after_forty_windows_of_other_ids_is_found)
{
    qw_commit_t c;
    qw_commit_init(&c);
    dups_t d = {0};
    int64_t v, off = 0;
    const char *first[2] = {"deal-A:100:r1", "deal-B:100:r2"};
    fill(&c, off, first, 2, "2026-11", &d);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
    off += 2;
    /* 2000 other ids in batches of 100: forty times the window of 50. */
    static char buf[100][64];
    const char *ids[100];
    for (int b = 0; b < 20; b++) {
        for (int i = 0; i < 100; i++) {
            snprintf(buf[i], sizeof(buf[i]), "deal-%d:1:r%d", b * 100 + i, i % 2 + 1);
            ids[i] = buf[i];
        }
        fill(&c, off, ids, 100, "2026-11", &d);
        cr_assert_eq(commit(&c, &v), QW_COMMIT_OK, "batch %d", b);
        off += 100;
    }
    cr_assert_eq(cmd_int("ZCARD %s", "t.qw:ev:{p2}:ids"), 50, "the window forgot deal-A long ago");
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r1"), 1001);
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r2"), 1001);

    /* The retry of deal-A (same id) among new ones: the step writes nothing and names it. */
    /* credit i goes to rep i % 2: deal-A (third) to r1 again */
    const char *again[3] = {"deal-new1:1:r1", "deal-new2:1:r2", "deal-A:100:r1"};
    fill(&c, off, again, 3, "2026-11", &d);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_DUP);
    cr_assert_eq(v, 1);
    cr_assert_eq(d.n, 1);
    cr_assert_str_eq(d.ids[0], "deal-A:100:r1");
    redisReply *r = qw_redis_command(&redis, "GET %s", "t.qw:ev:{p2}:offset");
    cr_assert(r && r->type == REDIS_REPLY_STRING && atoll(r->str) == off, "offset not moved");
    freeReplyObject(r);
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "deal-new1:1:r1"), 0, "nothing written");
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r2 %s", "deal-new2:1:r2"), 0,
                 "a single id's HSETNX is undone");

    /* The redo without it commits. */
    fill(&c, off, again, 2, "2026-11", &d);
    c.next_offset = off + 3;
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "deal-new1:1:r1"), 1);

    /* An id of another rep is not a duplicate of this one's: sets are per rep. */
    const char *other[1] = {"deal-B:100:r2"}; /* applied to r2; sent as r1's */
    d.n = 0;
    fill(&c, off + 3, other, 1, "2026-11", &d);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);

    /* One id per rep (the HSETNX path): r2's is old, r1's new one is undone. */
    const char *pair[2] = {"deal-x:1:r1", "deal-B:100:r2"};
    d.n = 0;
    fill(&c, off + 4, pair, 2, "2026-11", &d);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_DUP);
    cr_assert_eq(d.n, 1);
    cr_assert_str_eq(d.ids[0], "deal-B:100:r2");
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "deal-x:1:r1"), 0, "undone");
    qw_commit_free(&c);
}

Test(evaluator_dedup, a_retried_batch_that_committed_is_a_skip_not_a_duplicate)
{
    qw_commit_t c;
    qw_commit_init(&c);
    dups_t d = {0};
    int64_t v;
    const char *ids[2] = {"x:1:r1", "y:1:r2"};
    fill(&c, 0, ids, 2, "2026-11", &d);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_SKIP, "the offset check comes first");
    cr_assert_eq(d.n, 0);
    qw_commit_free(&c);
}

Test(evaluator_dedup, pruning_keeps_the_ids_of_the_periods_a_state_retains)
{
    qw_commit_t c;
    qw_commit_init(&c);
    dups_t d = {0};
    int64_t v, off = 0;
    const char *periods[3] = {"2026-01", "2026-02", "2026-03"};
    for (int p = 0; p < 3; p++) {
        char a[32], b[32];
        snprintf(a, sizeof(a), "d%d:1:r1", p);
        snprintf(b, sizeof(b), "d%d:1:r2", p);
        const char *ids[2] = {a, b};
        fill(&c, off, ids, 2, periods[p], &d);
        cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
        off += 2;
    }
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r1"), 3);
    /* r1's state now keeps 2026-02 and 2026-03 only (its floor was 2026-01). */
    qw_rep_state_t st;
    qw_rep_state_init(&st, "r1");
    st.nperiods = 2;
    snprintf(st.p[0].period, sizeof(st.p[0].period), "2026-02");
    snprintf(st.p[1].period, sizeof(st.p[1].period), "2026-03");
    snprintf(st.ids_floor, sizeof(st.ids_floor), "2026-01");
    const char *none[1] = {"d9:1:r2"};
    fill(&c, off, none, 1, "2026-03", &d); /* credit 0 goes to rep index 0 = r1 */
    cr_assert_eq(qw_dedup_prune(&c.prune, 0, &st), 1);
    cr_assert_str_eq(st.ids_floor, "2026-02");
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "d0:1:r1"), 0, "the evicted period's");
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "d1:1:r1"), 1);
    cr_assert_eq(cmd_int("HEXISTS t.qw:cid:{p2}:r1 %s", "d9:1:r2"), 1, "added before the prune");
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r2"), 3, "r2 untouched");
    qw_commit_free(&c);
}

Test(evaluator_dedup, the_floor_follows_the_oldest_period)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    qw_rep_state_t st;
    qw_rep_state_init(&st, "r1");
    cr_assert_eq(qw_dedup_prune(&a, 0, &st), 0, "no period: nothing");
    cr_assert_str_eq(st.ids_floor, "");
    st.nperiods = 1;
    snprintf(st.p[0].period, sizeof(st.p[0].period), "2026-05");
    cr_assert_eq(qw_dedup_prune(&a, 0, &st), 0, "an empty floor (new rep, old blob): nothing");
    cr_assert_str_eq(st.ids_floor, "2026-05");
    cr_assert_eq(qw_dedup_prune(&a, 0, &st), 0, "unchanged oldest period: nothing");
    cr_assert_eq(a.n, 0);
    snprintf(st.p[0].period, sizeof(st.p[0].period), "2026-06");
    cr_assert_eq(qw_dedup_prune(&a, 3, &st), 1);
    cr_assert_eq(a.n, 3, "rep index, count, the one period");
    cr_assert_str_eq(st.ids_floor, "2026-06");
    qw_redis_args_free(&a);
}

/* One rep with more ids in one batch than the script's chunks (1000 per HMGET, 500 per HSET),
 * and an old id at the very end of a later one. */
static void one_group(qw_commit_t *c, int64_t first, int n, const char *fmt, const char *last)
{
    static char buf[2600][32];
    qw_commit_reset(c);
    c->part = 2;
    c->epoch = epoch;
    c->first_offset = first;
    c->next_offset = first + n + (last != NULL);
    c->window = 50;
    char key[QW_STORE_KEY_MAX];
    qw_store_rep_key(&store, key, sizeof(key), 2, "r1");
    qw_redis_args_add_str(&c->reps, key);
    qw_redis_args_add_str(&c->reps, "blob");
    qw_store_cid_key(&store, key, sizeof(key), 2, "r1");
    qw_redis_args_add_str(&c->cids, key);
    qw_redis_args_add_i64(&c->exact, 0);
    qw_redis_args_add_str(&c->exact, "1");
    qw_redis_args_add_i64(&c->exact, n + (last != NULL));
    for (int i = 0; i < n; i++) {
        snprintf(buf[i], sizeof(buf[i]), fmt, i);
        qw_redis_args_add(&c->exact, buf[i], strlen(buf[i]));
        qw_redis_args_add(&c->exact, "2026-11", 7);
    }
    if (last) {
        qw_redis_args_add_str(&c->exact, last);
        qw_redis_args_add(&c->exact, "2026-11", 7);
    }
}

Test(evaluator_dedup, large_groups_are_chunked)
{
    qw_commit_t c;
    qw_commit_init(&c);
    dups_t d = {0};
    c.on_dup = on_dup;
    int64_t v;
    one_group(&c, 0, 2500, "a%d:1:r1", NULL);
    cr_assert_eq(commit(&c, &v), QW_COMMIT_OK);
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r1"), 2500);
    one_group(&c, 2500, 2500, "b%d:1:r1", "a7:1:r1");
    c.on_dup = on_dup;
    c.dup_opaque = &d;
    cr_assert_eq(commit(&c, &v), QW_COMMIT_DUP);
    cr_assert_eq(d.n, 1);
    cr_assert_str_eq(d.ids[0], "a7:1:r1");
    cr_assert_eq(cmd_int("HLEN %s", "t.qw:cid:{p2}:r1"), 2500, "nothing written");
    qw_commit_free(&c);
}
