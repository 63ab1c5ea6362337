/* The delivery record against a real redis-server (started per test on a free loopback port):
 * claim states, the retry queue with leases and priorities, and the atomic outcome records. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "redis_server.h"

static qw_test_redis_t server;
static qw_redis_t redis;
static qw_dlv_t dlv;

static void start(void)
{
    char err[QW_ERRSTR_MAX];
    qw_test_redis_start(&server);
    cr_assert_eq(qw_redis_init(&redis, server.url, err, sizeof(err)), 0, "%s", err);
    qw_dlv_init(&dlv, &redis, "t.");
}

static void stop(void)
{
    qw_redis_close(&redis);
    qw_test_redis_stop(&server);
}

static qw_dlv_job_t job(const char *id, const char *ch, int prio)
{
    qw_dlv_job_t j;
    memset(&j, 0, sizeof(j));
    snprintf(j.decision_id, sizeof(j.decision_id), "%s", id);
    snprintf(j.channel, sizeof(j.channel), "%s", ch);
    snprintf(j.address, sizeof(j.address), "http://x/%s", ch);
    j.kind = QW_CHAN_WEBHOOK;
    j.audience = QW_AUD_HR;
    j.prio = prio;
    j.first_ms = 1000;
    j.dec = (unsigned char *)"\x0a\x02id\x00bin"; /* binary, with a NUL inside */
    j.dec_len = 8;
    return j;
}

TestSuite(notifier_delivery_record, .init = start, .fini = stop);

Test(notifier_delivery_record, claim_then_sent_is_done_forever)
{
    qw_dlv_job_t j = job("d1", "hr.webhook", 0);
    cr_assert_eq(qw_dlv_claim(&dlv, "d1", "hr.webhook"), QW_DLV_CLAIMED);
    /* A crash here leaves "sending": the next run sends again (the one allowed repeat). */
    cr_assert_eq(qw_dlv_claim(&dlv, "d1", "hr.webhook"), QW_DLV_STALE);
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &j), 0);
    cr_assert_eq(qw_dlv_claim(&dlv, "d1", "hr.webhook"), QW_DLV_DONE);
    /* Other channels of the same decision are independent. */
    cr_assert_eq(qw_dlv_claim(&dlv, "d1", "rep.email"), QW_DLV_CLAIMED);
    char st[16];
    cr_assert_eq(qw_dlv_state(&dlv, "d1", "hr.webhook", st, sizeof(st)), 0);
    cr_assert_str_eq(st, "sent");
    /* The key has the documented shape and a TTL (the de-duplication window). */
    redisReply *r = qw_redis_command(&redis, "PTTL t.qw:dlv:{d1}:hr.webhook");
    cr_assert(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0);
    freeReplyObject(r);
}

Test(notifier_delivery_record, queued_job_round_trip_and_lease)
{
    qw_dlv_job_t j = job("d2", "hr.webhook", 0);
    j.attempts = 2;
    snprintf(j.reason, sizeof(j.reason), "http_503");
    cr_assert_eq(qw_dlv_claim(&dlv, "d2", "hr.webhook"), QW_DLV_CLAIMED);
    cr_assert_eq(qw_dlv_schedule(&dlv, &j, 5000), 0);
    /* A redelivered decision leaves it to the queue. */
    cr_assert_eq(qw_dlv_claim(&dlv, "d2", "hr.webhook"), QW_DLV_QUEUED);
    char *m[8];
    cr_assert_eq(qw_dlv_due(&dlv, 0, 4999, m, 8), 0, "not due before its time");
    cr_assert_eq(qw_dlv_due(&dlv, 0, 5000, m, 8), 1);
    cr_assert_str_eq(m[0], "d2 hr.webhook");
    /* Claimed: leased, so not handed out again until the lease runs out. */
    cr_assert_eq(qw_dlv_due(&dlv, 0, 6000, m + 1, 8), 0);
    cr_assert_eq(qw_dlv_due(&dlv, 0, 5000 + dlv.lease_ms, m + 1, 8), 1);
    free(m[1]);
    qw_dlv_job_t l;
    cr_assert_eq(qw_dlv_job_load(&dlv, m[0], &l), 0);
    cr_assert_str_eq(l.decision_id, "d2");
    cr_assert_str_eq(l.channel, "hr.webhook");
    cr_assert_str_eq(l.address, "http://x/hr.webhook");
    cr_assert_eq(l.attempts, 2);
    cr_assert_eq(l.kind, QW_CHAN_WEBHOOK);
    cr_assert_eq(l.audience, QW_AUD_HR);
    cr_assert_eq(l.first_ms, 1000);
    cr_assert_str_eq(l.reason, "http_503");
    cr_assert_eq(l.dec_len, 8);
    cr_assert(memcmp(l.dec, j.dec, 8) == 0, "decision bytes survive, NUL included");
    cr_assert_eq(qw_dlv_backlog(&dlv), 1);
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &l), 0);
    /* Sent: out of the queue, job gone, state final - atomically. */
    cr_assert_eq(qw_dlv_backlog(&dlv), 0);
    qw_dlv_job_t gone;
    cr_assert_eq(qw_dlv_job_load(&dlv, m[0], &gone), 1);
    cr_assert_eq(qw_dlv_claim(&dlv, "d2", "hr.webhook"), QW_DLV_DONE);
    qw_dlv_job_free(&l);
    free(m[0]);
}

Test(notifier_delivery_record, failed_is_final_and_priorities_separate)
{
    qw_dlv_job_t review = job("rv", "hr.webhook", 0), reward = job("rw", "team.slack", 4);
    cr_assert_eq(qw_dlv_schedule(&dlv, &reward, 100), 0);
    cr_assert_eq(qw_dlv_schedule(&dlv, &review, 200), 0);
    char *m[4];
    /* Each priority has its own queue: the worker asks p0 first. */
    cr_assert_eq(qw_dlv_due(&dlv, 0, 1000, m, 4), 1);
    cr_assert_str_eq(m[0], "rv hr.webhook");
    free(m[0]);
    cr_assert_eq(qw_dlv_due(&dlv, 4, 1000, m, 4), 1);
    cr_assert_str_eq(m[0], "rw team.slack");
    free(m[0]);
    cr_assert_eq(qw_dlv_mark_failed(&dlv, &review), 0);
    cr_assert_eq(qw_dlv_claim(&dlv, "rv", "hr.webhook"), QW_DLV_DONE);
    cr_assert_eq(qw_dlv_backlog(&dlv), 1);
}

Test(notifier_delivery_record, release_gives_a_claim_back_without_the_lease)
{
    /* A claim Redis failed to follow up comes back when given back, not a lease later (so a
     * review claimed when Redis went away still goes before the rewards); a member finished
     * meanwhile is not queued again. */
    qw_dlv_job_t rv = job("rv", "hr.webhook", 0), done = job("dn", "hr.webhook", 0);
    cr_assert_eq(qw_dlv_schedule(&dlv, &rv, 100), 0);
    cr_assert_eq(qw_dlv_schedule(&dlv, &done, 100), 0);
    char *m[4];
    cr_assert_eq(qw_dlv_due(&dlv, 0, 1000, m, 4), 2);
    cr_assert_eq(qw_dlv_due(&dlv, 0, 2000, m + 2, 2), 0, "leased");
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &done), 0);
    cr_assert_eq(qw_dlv_release(&dlv, 0, "rv hr.webhook", 2000), 0);
    cr_assert_eq(qw_dlv_release(&dlv, 0, "dn hr.webhook", 2000), 0);
    cr_assert_eq(qw_dlv_due(&dlv, 0, 2000, m + 2, 2), 1, "given back: due again at once");
    cr_assert_str_eq(m[2], "rv hr.webhook");
    cr_assert_eq(qw_dlv_backlog(&dlv), 1, "the finished one stays out of the queue");
    for (int i = 0; i < 3; i++)
        free(m[i]);
}

Test(notifier_delivery_record, reopen_clears_failed_only)
{
    /* qwctl dlq redrive: a failed delivery is opened once; a sent, queued or never-tried one
     * is left as it is, so a redrive never sends twice. */
    qw_dlv_job_t f = job("f", "rep.slack", 2), s = job("s", "rep.slack", 2),
                 q = job("q", "rep.slack", 2);
    cr_assert_eq(qw_dlv_claim(&dlv, "f", "rep.slack"), QW_DLV_CLAIMED);
    cr_assert_eq(qw_dlv_mark_failed(&dlv, &f), 0);
    cr_assert_eq(qw_dlv_claim(&dlv, "s", "rep.slack"), QW_DLV_CLAIMED);
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &s), 0);
    cr_assert_eq(qw_dlv_schedule(&dlv, &q, 100), 0);
    cr_assert_eq(qw_dlv_reopen(&dlv, "f", "rep.slack"), 1);
    cr_assert_eq(qw_dlv_claim(&dlv, "f", "rep.slack"), QW_DLV_CLAIMED, "reopened: claimable");
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &f), 0);
    cr_assert_eq(qw_dlv_reopen(&dlv, "f", "rep.slack"), 0, "sent since: a second redrive");
    cr_assert_eq(qw_dlv_claim(&dlv, "f", "rep.slack"), QW_DLV_DONE);
    cr_assert_eq(qw_dlv_reopen(&dlv, "s", "rep.slack"), 0);
    cr_assert_eq(qw_dlv_reopen(&dlv, "q", "rep.slack"), 0);
    cr_assert_eq(qw_dlv_claim(&dlv, "q", "rep.slack"), QW_DLV_QUEUED);
    cr_assert_eq(qw_dlv_reopen(&dlv, "never", "rep.slack"), 0);
    char st[16];
    cr_assert_eq(qw_dlv_state(&dlv, "never", "rep.slack", st, sizeof(st)), 0);
    cr_assert_str_eq(st, "", "a reopen creates nothing");
}

Test(notifier_delivery_record, redis_gone_is_an_error_not_a_claim)
{
    qw_test_redis_kill(&server);
    cr_assert_eq(qw_dlv_claim(&dlv, "d3", "hr.webhook"), QW_ERR);
    qw_dlv_job_t j = job("d3", "hr.webhook", 0);
    cr_assert_eq(qw_dlv_schedule(&dlv, &j, 0), QW_ERR);
}

/* A refused command (OOM, READONLY, NOAUTH) must leave Redis's reply text in redis.errstr:
 * that is what redis.down logs, and an empty message there says nothing. */
static void admin(const char *cmd)
{
    redisReply *rep = qw_redis_command(&redis, cmd);
    cr_assert(rep && rep->type != REDIS_REPLY_ERROR, "%s: %s", cmd, rep ? rep->str : redis.errstr);
    freeReplyObject(rep);
}

static void expect_cause(int rc, const char *cause, const char *what)
{
    cr_assert_lt(rc, 0, "%s failed", what);
    cr_assert(strstr(redis.errstr, cause) != NULL, "%s: errstr \"%s\" names %s", what, redis.errstr,
              cause);
    redis.errstr[0] = '\0';
}

/* A due job, so that claiming from the retry queue has to write. */
static void seed_due(void)
{
    qw_dlv_job_t j = job("d8", "hr.webhook", 1);
    cr_assert_eq(qw_dlv_schedule(&dlv, &j, 1000), 0, "%s", redis.errstr);
}

static void expect_writes_refused(const char *cause)
{
    qw_dlv_job_t j = job("d9", "hr.webhook", 1);
    redis.errstr[0] = '\0';
    expect_cause(qw_dlv_claim(&dlv, "d9", "hr.webhook"), cause, "claim");
    expect_cause(qw_dlv_mark_sending(&dlv, &j), cause, "mark_sending");
    expect_cause(qw_dlv_schedule(&dlv, &j, 5000), cause, "schedule");
    expect_cause(qw_dlv_mark_sent(&dlv, &j), cause, "mark_sent");
    expect_cause(qw_dlv_mark_failed(&dlv, &j), cause, "mark_failed");
    char *due[4];
    expect_cause(qw_dlv_due(&dlv, 1, 6000, due, 4), cause, "due");
}

Test(notifier_delivery_record, oom_reply_is_the_error_message)
{
    seed_due();
    admin("CONFIG SET maxmemory 1");
    expect_writes_refused("OOM");
}

Test(notifier_delivery_record, readonly_reply_is_the_error_message)
{
    /* A replica of a primary that is not there: still read-only to clients. */
    seed_due();
    admin("REPLICAOF 127.0.0.1 1");
    expect_writes_refused("READONLY");
    admin("REPLICAOF NO ONE");
}

Test(notifier_delivery_record, noauth_reply_is_the_error_message)
{
    admin("CONFIG SET requirepass hunter2-not-ours");
    qw_redis_reset(&redis); /* the next command connects without a password */
    char st[16];
    qw_dlv_job_t j;
    redis.errstr[0] = '\0';
    expect_cause(qw_dlv_state(&dlv, "d1", "hr.webhook", st, sizeof(st)), "NOAUTH", "state");
    expect_cause(qw_dlv_claim(&dlv, "d1", "hr.webhook"), "NOAUTH", "claim");
    expect_cause(qw_dlv_job_load(&dlv, "d1 hr.webhook", &j), "NOAUTH", "job_load");
    expect_cause(qw_dlv_forget(&dlv, 0, "d1 hr.webhook"), "NOAUTH", "forget");
    cr_assert_lt(qw_dlv_backlog(&dlv), 0);
    cr_assert(strstr(redis.errstr, "NOAUTH") != NULL, "backlog: %s", redis.errstr);
}

/* A command failing inside EXEC (here ZREM on a queue key someone made a string) does not undo
 * the others and would fail again: the outcome is recorded as before, the cause is in errstr. */
Test(notifier_delivery_record, error_inside_exec_records_the_outcome_and_says_why)
{
    qw_dlv_job_t j = job("d7", "hr.webhook", 2);
    cr_assert_eq(qw_dlv_claim(&dlv, "d7", "hr.webhook"), QW_DLV_CLAIMED);
    admin("SET t.qw:dlv:retry:p2 not-a-zset");
    redis.errstr[0] = '\0';
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &j), 0, "%s", redis.errstr);
    cr_assert(strstr(redis.errstr, "WRONGTYPE"), "errstr: %s", redis.errstr);
    char st[16];
    cr_assert_eq(qw_dlv_state(&dlv, "d7", "hr.webhook", st, sizeof(st)), 0);
    cr_assert_str_eq(st, "sent");
}

/* Issue 10, finding 3: ids at the engine's bound (QW_DECISION_ID_MAX - 1 bytes) that differ
 * only in their last byte are two deliveries, and a job keeps its whole id. */
Test(notifier_delivery_record, decision_ids_at_the_bound_stay_distinct)
{
    static char a[QW_DECISION_ID_MAX], b[QW_DECISION_ID_MAX];
    memset(a, 'x', sizeof(a) - 1);
    a[0] = 'd', a[1] = ':';
    memcpy(b, a, sizeof(a));
    a[sizeof(a) - 2] = 'a';
    b[sizeof(b) - 2] = 'b';
    cr_assert_eq(strlen(a), QW_DECISION_ID_MAX - 1);
    cr_assert_eq(qw_dlv_claim(&dlv, a, "hr.webhook"), QW_DLV_CLAIMED);
    cr_assert_eq(qw_dlv_claim(&dlv, b, "hr.webhook"), QW_DLV_CLAIMED, "merged with the first");
    qw_dlv_job_t j = job(b, "hr.webhook", 1);
    cr_assert_str_eq(j.decision_id, b);
    cr_assert_eq(qw_dlv_schedule(&dlv, &j, 100), 0);
    char *m[2];
    cr_assert_eq(qw_dlv_due(&dlv, 1, 100, m, 2), 1);
    qw_dlv_job_t l;
    cr_assert_eq(qw_dlv_job_load(&dlv, m[0], &l), 0);
    cr_assert_str_eq(l.decision_id, b);
    cr_assert_eq(qw_dlv_mark_sent(&dlv, &l), 0);
    cr_assert_eq(qw_dlv_claim(&dlv, b, "hr.webhook"), QW_DLV_DONE);
    cr_assert_eq(qw_dlv_claim(&dlv, a, "hr.webhook"), QW_DLV_STALE);
    qw_dlv_job_free(&l);
    free(m[0]);
}
