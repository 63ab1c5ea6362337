/* The ledger's Redis store against a real redis-server, started for each test on a free
 * loopback port in a temporary directory and stopped in teardown. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_ledger_fixture.h"
#include "ledger_store.h"
#include "redis_server.h"

static qw_test_redis_t server;
static char err[QW_ERRSTR_MAX];

/* The ledger reaches Redis through the one wrapper, as qw-ingest does. */
static qw_redis_t *connect_redis(void)
{
    qw_redis_t *c = malloc(sizeof(*c));
    cr_assert_not_null(c);
    cr_assert_eq(qw_redis_init(c, server.url, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_redis_connect(c), QW_OK, "connect: %s", c->errstr);
    return c;
}

static void close_redis(qw_redis_t *c)
{
    qw_redis_close(c);
    free(c);
}

static void start(void)
{
    fx_setup();
    qw_test_redis_start(&server);
}

static void stop(void)
{
    qw_test_redis_stop(&server);
}

TestSuite(ingest_ledger_store, .init = start, .fini = stop, .timeout = 60);

static qw_deal_change_t batch[8];

/* The revision Redis holds for a deal key: "<rev>:<state>" string, or an old-layout hash. */
static long long stored_rev(qw_redis_t *c, const char *key)
{
    redisReply *r = qw_redis_command(c, "TYPE %s", key);
    cr_assert(r && r->type == REDIS_REPLY_STATUS);
    int hash = strcmp(r->str, "hash") == 0;
    freeReplyObject(r);
    r = hash ? qw_redis_command(c, "HGET %s rev", key) : qw_redis_command(c, "GET %s", key);
    cr_assert(r && r->type == REDIS_REPLY_STRING, "%s holds no state", key);
    long long v = strtoll(r->str, NULL, 10);
    freeReplyObject(r);
    return v;
}

Test(ingest_ledger_store, batch_saves_and_replays_identically)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    batch[0] = fx_full("crm:A", 1, QW_DEAL_WON, 100000, "rep-a", 2026, 3, 15);
    batch[1] = fx_full("crm:B", 5, QW_DEAL_WON, 200000, "rep-b", 2026, 3, 16);
    batch[2] = fx_patch("crm:A", 2);
    fx_owner(&batch[2], "rep-c");
    batch[3] = fx_full("crm:C", 1, QW_DEAL_WON, 300, "rep-a", 2026, 3, 17);
    strcpy(batch[3].currency, "GBP"); /* not in the rate table: to the DLQ */
    batch[4] = fx_patch("crm:B", 4);  /* stale */
    fx_amount(&batch[4], 1, "USD");
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 5, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.conflicts, 0);
    cr_assert_eq(s.nentries, 4);
    cr_assert_str_eq(s.entries[0].id, "crm:A:1:rep-a");
    cr_assert_str_eq(s.entries[1].id, "crm:B:5:rep-b");
    cr_assert_str_eq(s.entries[2].id, "crm:A:2:rep-a");
    cr_assert_str_eq(s.entries[3].id, "crm:A:2:rep-c");
    cr_assert_eq(s.results[2].first, 2);
    cr_assert_eq(s.results[2].n, 2);
    cr_assert_eq(s.results[3].err, QW_LEDGER_E_UNKNOWN_CURRENCY);
    cr_assert_eq(s.results[4].n, 0);
    cr_assert_eq(s.results[4].err, QW_LEDGER_E_NONE);

    cr_assert_eq(stored_rev(c, "qw:deal:{crm:A}"), 1, "one save for both patches of the deal");
    /* First saves are SET NX, no script run: the script is for deals that exist. */
    redisReply *st = qw_redis_command(c, "INFO commandstats");
    cr_assert(st && st->type == REDIS_REPLY_STRING);
    cr_assert(strstr(st->str, "cmdstat_set:calls=2,"), "%s", st->str);
    cr_assert_null(strstr(st->str, "cmdstat_evalsha:"), "%s", st->str);
    freeReplyObject(st);
    redisReply *r = qw_redis_command(c, "EXISTS %s", "qw:deal:{crm:C}");
    cr_assert_eq(r->integer, 0, "a refused patch saves nothing");
    freeReplyObject(r);

    /* The transaction aborted: the same batch again gives the same entries, byte for byte. */
    static qw_credit_t first[4];
    memcpy(first, s.entries, sizeof(first));
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 5, err, sizeof(err)), QW_OK);
    cr_assert_eq(s.nentries, 4);
    cr_assert(memcmp(first, s.entries, sizeof(first)) == 0);
    cr_assert(s.results[0].replay && s.results[2].replay);
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:A}"), 1, "a replay writes nothing");
    qw_ledger_store_free(&s);
    close_redis(c);
}

Test(ingest_ledger_store, cas_conflict_between_two_contexts)
{
    qw_redis_t *c1 = connect_redis(), *c2 = connect_redis();
    static qw_ledger_store_t s1, s2;
    static qw_deal_state_t st;
    static qw_ledger_out_t out;
    qw_ledger_store_init(&s1);
    qw_ledger_store_init(&s2);

    /* Instance 1 loads the deal and applies v1... */
    const char *ids[1] = {"crm:H"};
    qw_deal_state_t *sts[1] = {&st};
    int64_t rev;
    int bad, saved;
    cr_assert_eq(qw_ledger_store_load(&s1, c1, ids, 1, sts, &rev, &bad, err, sizeof(err)), QW_OK);
    cr_assert_eq(rev, 0);
    qw_deal_change_t v1 = fx_full("crm:H", 1, QW_DEAL_WON, 50000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &v1, &out, err, sizeof(err)), QW_OK);

    /* ...while instance 2 saves v2 of the same deal first. */
    batch[0] = fx_patch("crm:H", 2);
    fx_amount(&batch[0], 70000, "USD");
    cr_assert_eq(qw_ledger_store_apply_batch(&s2, c2, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);

    /* Instance 1's save must fail: it would erase v2. */
    const qw_deal_state_t *csts[1] = {&st};
    cr_assert_eq(qw_ledger_store_save(&s1, c1, csts, 1, &rev, &saved, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(saved, 0, "compare-and-set refused a stale revision");

    /* The batch loop re-loads and re-applies: both changes stand. */
    batch[0] = v1;
    cr_assert_eq(qw_ledger_store_apply_batch(&s1, c1, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK);
    cr_assert_eq(s1.nentries, 1);
    cr_assert_eq(s1.entries[0].amount_minor, 70000, "v1 credits the amount v2 set");
    cr_assert_eq(qw_ledger_store_load(&s2, c2, ids, 1, sts, &rev, &bad, err, sizeof(err)), QW_OK);
    cr_assert_eq(rev, 2);
    cr_assert_eq(st.status, QW_DEAL_WON);
    cr_assert_eq(st.amount_minor, 70000);
    qw_ledger_store_free(&s1);
    qw_ledger_store_free(&s2);
    close_redis(c1);
    close_redis(c2);
}

/* Two instances hammer one deal: every update lands, and the entries they emit add up to what
 * the final state credits. */
#define HOT_N 150
typedef struct {
    int odd;
    int conflicts;
    int n;
    qw_credit_t *e;
} hot_t;

static void *hot_worker(void *arg)
{
    hot_t *h = arg;
    qw_redis_t *c = connect_redis();
    qw_ledger_store_t *s = malloc(sizeof(*s));
    char e[QW_ERRSTR_MAX];
    qw_ledger_store_init(s);
    for (int k = 1; k <= HOT_N; k++) {
        qw_deal_change_t p = fx_patch("crm:hot", 2 * k + h->odd);
        if (h->odd)
            fx_owner(&p, k % 2 ? "rep-x" : "rep-y");
        else
            fx_amount(&p, 1000 * k, "USD");
        if (qw_ledger_store_apply_batch(s, c, &fx_cfg, &p, 1, e, sizeof(e)) != QW_OK) {
            fprintf(stderr, "batch: %s\n", e);
            h->n = -1;
            break;
        }
        if (s->nentries) memcpy(&h->e[h->n], s->entries, sizeof(qw_credit_t) * s->nentries);
        h->n += (int)s->nentries;
        h->conflicts += s->conflicts;
    }
    qw_ledger_store_free(s);
    free(s);
    close_redis(c);
    return NULL;
}

Test(ingest_ledger_store, concurrent_instances_lose_no_update)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    batch[0] = fx_full("crm:hot", 1, QW_DEAL_WON, 500, "rep-x", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK);
    int64_t total_x = s.entries[0].amount_minor, total_y = 0;

    hot_t h[2] = {{.odd = 0}, {.odd = 1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        h[i].e = calloc(4 * HOT_N, sizeof(qw_credit_t));
        pthread_create(&t[i], NULL, hot_worker, &h[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        cr_assert_geq(h[i].n, 0);
        for (int j = 0; j < h[i].n; j++) {
            if (strcmp(h[i].e[j].rep_id, "rep-x") == 0)
                total_x += h[i].e[j].amount_minor;
            else
                total_y += h[i].e[j].amount_minor;
        }
    }
    /* 150 interleaved round trips each always collide in practice (about 60 here). */
    cr_assert_gt(h[0].conflicts + h[1].conflicts, 0, "the retry path ran");

    static qw_deal_state_t st;
    const char *ids[1] = {"crm:hot"};
    qw_deal_state_t *sts[1] = {&st};
    int64_t rev;
    cr_assert_eq(qw_ledger_store_load(&s, c, ids, 1, sts, &rev, NULL, err, sizeof(err)), QW_OK);
    cr_assert_eq(st.amount_minor, 1000 * HOT_N, "the last amount landed");
    cr_assert_str_eq(st.owner_id, HOT_N % 2 ? "rep-x" : "rep-y", "the last owner landed");
    cr_assert_eq(st.field_version[1], 2 * HOT_N);
    cr_assert_eq(st.field_version[3], 2 * HOT_N + 1);
    cr_assert_eq(st.nstanding, 1);
    cr_assert_eq(total_x + total_y, 1000 * HOT_N, "credits add up to the final state");
    cr_assert_eq(strcmp(st.standing[0].rep_id, "rep-x") == 0 ? total_x : total_y, 1000 * HOT_N);
    for (int i = 0; i < 2; i++)
        free(h[i].e);
    qw_ledger_store_free(&s);
    close_redis(c);
}

Test(ingest_ledger_store, corrupt_state_goes_to_dlq_and_noscript_recovers)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    redisReply *r =
        qw_redis_command(c, "HSET %s rev 3 state %b", "qw:deal:{crm:X}", "\x01garbage", (size_t)8);
    freeReplyObject(r);
    batch[0] = fx_full("crm:X", 9, QW_DEAL_WON, 100, "rep-a", 2026, 3, 15);
    batch[1] = fx_full("crm:Y", 9, QW_DEAL_WON, 100, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 2, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.results[0].err, QW_LEDGER_E_CORRUPT_STATE);
    cr_assert_str_eq(qw_ledger_err_name(s.results[0].err), "corrupt_state");
    cr_assert_eq(s.results[1].n, 1);
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:X}"), 3,
                 "a corrupt state is left for an operator, not overwritten");
    /* A hash of the old layout without its fields is no state either (not a retry loop). */
    freeReplyObject(qw_redis_command(c, "HSET %s other x", "qw:deal:{crm:E}"));
    batch[0] = fx_full("crm:E", 9, QW_DEAL_WON, 100, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.results[0].err, QW_LEDGER_E_CORRUPT_STATE);
    /* The same for the string layout: garbage, a revision that is no number, a wrong deal. */
    static const char *const junk[] = {"4:\x03garbage", "x:\x03", "4", ""};
    for (int k = 0; k < 4; k++) {
        freeReplyObject(
            qw_redis_command(c, "SET %s %b", "qw:deal:{crm:Z}", junk[k], strlen(junk[k])));
        batch[0] = fx_full("crm:Z", 9, QW_DEAL_WON, 100, "rep-a", 2026, 3, 15);
        cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                     "%s", err);
        cr_assert_eq(s.results[0].err, QW_LEDGER_E_CORRUPT_STATE, "junk %d", k);
    }

    /* Redis lost its scripts (restart, SCRIPT FLUSH): the save loads it again. */
    freeReplyObject(qw_redis_command(c, "SCRIPT FLUSH"));
    batch[0] = fx_patch("crm:Y", 10);
    fx_amount(&batch[0], 300, "USD");
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nentries, 1);
    cr_assert_eq(s.entries[0].amount_minor, 200);
    qw_ledger_store_free(&s);
    close_redis(c);
}

Test(ingest_ledger_store, dead_connection_is_an_error_to_reconnect)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    qw_test_redis_kill(&server); /* gone; same port when it comes back */
    batch[0] = fx_full("crm:Z", 1, QW_DEAL_WON, 100, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_ERR);
    cr_assert(!qw_redis_connected(c), "the dead connection was dropped");
    cr_assert(strstr(err, "reconnect"), "%s", err);
    /* Redis back: the same wrapper reconnects (after its backoff) and the batch goes through. */
    qw_test_redis_start(&server);
    usleep(300 * 1000);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nentries, 1);
    qw_ledger_store_free(&s);
    close_redis(c);
}

/* Two pipelines on one Redis (different --topic-prefix) keep separate ledgers. */
/* A deal saved before the string layout (a hash {rev, state} holding a format-2 blob) loads,
 * replays its history byte for byte, and is replaced by a string on its next save, its
 * revision going on from the hash's. A hash among strings costs one more round trip only. */
Test(ingest_ledger_store, old_hash_layout_upgrades_on_save)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    static qw_deal_state_t st;
    static qw_ledger_out_t out;
    static uint8_t blob[1 << 16];
    qw_ledger_store_init(&s);
    qw_deal_state_init(&st, "crm:O");
    qw_deal_change_t v1 = fx_full("crm:O", 1, QW_DEAL_WON, 5000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &v1, &out, err, sizeof(err)), QW_OK, "%s", err);
    static qw_credit_t first;
    first = out.e[0];
    size_t n = qw_deal_state_encode_format(&st, 2, blob, sizeof(blob));
    cr_assert_gt(n, 0);
    freeReplyObject(qw_redis_command(c, "HSET %s rev 7 state %b", "qw:deal:{crm:O}", blob, n));

    batch[0] = v1; /* a retry of v1: found in the old state's history */
    batch[1] = fx_full("crm:P", 1, QW_DEAL_WON, 100, "rep-b", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 2, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert(s.results[0].replay);
    cr_assert_eq(s.results[0].n, 1);
    cr_assert(memcmp(&s.entries[0], &first, sizeof(first)) == 0, "the same entry, byte for byte");
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:O}"), 7, "a replay writes nothing");

    batch[0] = fx_patch("crm:O", 2);
    fx_amount(&batch[0], 6000, "USD");
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nentries, 1);
    cr_assert_eq(s.entries[0].amount_minor, 1000);
    redisReply *r = qw_redis_command(c, "TYPE %s", "qw:deal:{crm:O}");
    cr_assert_str_eq(r->str, "string", "saved in the new layout");
    freeReplyObject(r);
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:O}"), 8);
    r = qw_redis_command(c, "GET %s", "qw:deal:{crm:O}");
    cr_assert_eq(r->str[2], QW_DEAL_STATE_FORMAT, "\"8:\" then a current-format blob");
    freeReplyObject(r);
    qw_ledger_store_free(&s);
    close_redis(c);
}

Test(ingest_ledger_store, namespaces_keep_pipelines_apart)
{
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t a, b;
    qw_ledger_store_init(&a);
    qw_ledger_store_init(&b);
    cr_assert_eq(qw_ledger_store_set_ns(&a, "east."), QW_OK);
    cr_assert_eq(qw_ledger_store_set_ns(&b, "west."), QW_OK);
    char longns[QW_LEDGER_NS_MAX + 1];
    memset(longns, 'x', sizeof(longns) - 1);
    longns[sizeof(longns) - 1] = '\0';
    cr_assert_eq(qw_ledger_store_set_ns(&b, longns), QW_ERR, "too long to fit a key");

    batch[0] = fx_full("crm:N", 1, QW_DEAL_WON, 5000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_store_apply_batch(&a, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(a.nentries, 1);
    redisReply *r = qw_redis_command(c, "EXISTS %s", "east.qw:deal:{crm:N}");
    cr_assert(r && r->integer == 1, "the key carries the namespace");
    freeReplyObject(r);
    r = qw_redis_command(c, "EXISTS %s", "qw:deal:{crm:N}");
    cr_assert(r && r->integer == 0);
    freeReplyObject(r);

    /* The other pipeline has never seen the deal: the same version is new there. */
    cr_assert_eq(qw_ledger_store_apply_batch(&b, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(b.nentries, 1);
    cr_assert_eq(b.results[0].replay, 0);
    qw_ledger_store_free(&a);
    qw_ledger_store_free(&b);
    close_redis(c);
}

/* A refused save (OOM, READONLY) is an error naming Redis's reply, on a connection that stays:
 * nothing is produced, and the batch goes through once Redis accepts writes again. */
static void expect_refused(qw_redis_t *c, const char *cause)
{
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    batch[0] = fx_full("crm:R", 1, QW_DEAL_WON, 700, "rep-a", 2026, 3, 15);
    err[0] = '\0';
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, cause), "%s", err);
    cr_assert(qw_redis_connected(c), "an error reply keeps the connection");
    qw_ledger_store_free(&s);
}

static void admin(qw_redis_t *c, const char *cmd)
{
    redisReply *r = qw_redis_command(c, cmd);
    cr_assert(r && r->type != REDIS_REPLY_ERROR, "%s: %s", cmd, c->errstr);
    freeReplyObject(r);
}

Test(ingest_ledger_store, refused_writes_name_the_cause)
{
    qw_redis_t *c = connect_redis();
    admin(c, "CONFIG SET maxmemory 1");
    expect_refused(c, "OOM");
    admin(c, "CONFIG SET maxmemory 0");
    admin(c, "REPLICAOF 127.0.0.1 1"); /* a replica of nothing: read-only */
    expect_refused(c, "READONLY");
    admin(c, "REPLICAOF NO ONE");
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, batch, 1, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nentries, 1);
    qw_ledger_store_free(&s);
    close_redis(c);
}

/* A batch of more deals than one chunk of working states (QW_LEDGER_STORE_CHUNK): each chunk is
 * loaded, applied and saved in turn in the same reused states, a deal's later patch may sit
 * chunks away from its first, and the entries still come in patch order; the stored states are
 * each deal's own (a later batch builds on them), and the batch replays byte for byte. */
Test(ingest_ledger_store, a_batch_larger_than_a_chunk_keeps_each_deal_its_own)
{
    enum { NDEALS = 3 * QW_LEDGER_STORE_CHUNK + 7, NMOVED = NDEALS / 3 };
    qw_redis_t *c = connect_redis();
    static qw_ledger_store_t s;
    qw_ledger_store_init(&s);
    static qw_deal_change_t big[NDEALS + NMOVED];
    static char ids[NDEALS][32], reps[8][16];
    for (int r = 0; r < 8; r++)
        snprintf(reps[r], sizeof(reps[r]), "rep-%d", r);
    int64_t want = 0;
    for (int i = 0; i < NDEALS; i++) {
        snprintf(ids[i], sizeof(ids[i]), "crm:big-%d", i);
        big[i] = fx_full(ids[i], 1, QW_DEAL_WON, 100 * (i + 1), reps[i % 7], 2026, 3, 15);
        want += 100 * (i + 1);
    }
    /* Every third deal moves to rep-7 at the end of the batch: its chain spans the chunks. */
    for (int j = 0; j < NMOVED; j++) {
        big[NDEALS + j] = fx_patch(ids[3 * j], 2);
        fx_owner(&big[NDEALS + j], reps[7]);
    }
    size_t n = NDEALS + NMOVED;
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, big, n, err, sizeof(err)), QW_OK, "%s",
                 err);
    cr_assert_eq(s.nentries, NDEALS + 2 * NMOVED,
                 "one credit per deal, a reversal and a credit per move");
    int64_t sum = 0, moved = 0;
    for (size_t i = 0; i < s.nentries; i++)
        sum += s.entries[i].amount_minor;
    cr_assert_eq(sum, want, "moves change owners, not totals");
    for (int i = 0; i < NDEALS; i++) {
        const qw_credit_t *e = &s.entries[s.results[i].first];
        cr_assert_eq(s.results[i].n, 1);
        cr_assert_str_eq(e->deal_id, ids[i]);
        cr_assert_eq(e->amount_minor, 100 * (i + 1));
    }
    for (int j = 0; j < NMOVED; j++) {
        const qw_ledger_result_t *r = &s.results[NDEALS + j];
        cr_assert_eq(r->n, 2);
        const qw_credit_t *back = &s.entries[r->first], *to = &s.entries[r->first + 1];
        cr_assert_str_eq(back->rep_id, reps[(3 * j) % 7]);
        cr_assert_eq(back->amount_minor, -100 * (3 * j + 1), "deal %s", ids[3 * j]);
        cr_assert_str_eq(to->rep_id, reps[7]);
        moved += to->amount_minor;
    }
    cr_assert_gt(moved, 0);
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:big-0}"), 1);
    cr_assert_eq(stored_rev(c, "qw:deal:{crm:big-3078}"), 1);

    static qw_credit_t first[NDEALS + 2 * NMOVED];
    memcpy(first, s.entries, sizeof(first));
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, big, n, err, sizeof(err)), QW_OK);
    cr_assert_eq(s.nentries, NDEALS + 2 * NMOVED);
    cr_assert(memcmp(first, s.entries, sizeof(first)) == 0, "the replay re-emits the same entries");

    /* A later batch on deals of the last chunk: each state was saved as its own. */
    qw_deal_change_t later[2];
    later[0] = fx_patch(ids[NDEALS - 1], 2);
    fx_amount(&later[0], 1, "USD");
    later[1] = fx_patch(ids[NDEALS - 2], 2);
    fx_amount(&later[1], 1, "USD");
    cr_assert_eq(qw_ledger_store_apply_batch(&s, c, &fx_cfg, later, 2, err, sizeof(err)), QW_OK);
    cr_assert_eq(s.nentries, 2, "one adjustment each");
    cr_assert_eq(s.entries[0].amount_minor, 1 - 100 * NDEALS);
    cr_assert_str_eq(s.entries[0].rep_id, reps[(NDEALS - 1) % 7]);
    cr_assert_eq(s.entries[1].amount_minor, 1 - 100 * (NDEALS - 1));
    cr_assert_str_eq(s.entries[1].rep_id, reps[(NDEALS - 2) % 7]);
    qw_ledger_store_free(&s);
    close_redis(c);
}
