/* qw_redis_t's pipelining and error replies against a real redis-server (label redis): replies
 * come back in order, every error reply (OOM, READONLY, NOAUTH, one inside EXEC) leaves its
 * text in errstr, a lost connection leaves no reply behind, and no error shows the password. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/redis.h"
#include "redis_server.h"

#define PW "pipeline-S3cret-pw"

static qw_test_redis_t server;
static qw_redis_t redis;
static char err[QW_ERRSTR_MAX];

static void start(void)
{
    qw_test_redis_start(&server);
    cr_assert_eq(qw_redis_init(&redis, server.url, err, sizeof(err)), QW_OK, "%s", err);
}

static void stop(void)
{
    qw_redis_close(&redis);
    qw_test_redis_stop(&server);
}

TestSuite(io_redis_pipeline, .init = start, .fini = stop, .timeout = 60);

static void admin(qw_redis_t *r, const char *cmd)
{
    redisReply *rep = qw_redis_command(r, cmd);
    cr_assert(rep && rep->type != REDIS_REPLY_ERROR, "%s: %s", cmd, rep ? rep->str : r->errstr);
    freeReplyObject(rep);
}

static void free_all(redisReply **reps, int n)
{
    for (int i = 0; i < n; i++)
        freeReplyObject(reps[i]);
}

Test(io_redis_pipeline, replies_in_order_with_builder_and_format)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    const char bin[] = {'v', 0, 'w'};
    for (int round = 0; round < 3; round++) {
        qw_redis_args_reset(&a);
        qw_redis_args_add(&a, "SET", 3);
        qw_redis_args_add_str(&a, "k");
        qw_redis_args_add(&a, bin, sizeof(bin));
        cr_assert_eq(qw_redis_append_args(&redis, &a), QW_OK, "%s", redis.errstr);
        cr_assert_eq(qw_redis_append(&redis, "GET %s", "k"), QW_OK);
        cr_assert_eq(qw_redis_append(&redis, "INCR %s", "n"), QW_OK);
        cr_assert_eq(redis.pending, 3);
        redisReply *reps[3];
        cr_assert_eq(qw_redis_read(&redis, "test", reps, 3), QW_OK, "%s", redis.errstr);
        cr_assert_eq(redis.pending, 0);
        cr_assert_eq(reps[0]->type, REDIS_REPLY_STATUS);
        cr_assert_eq(reps[1]->type, REDIS_REPLY_STRING);
        cr_assert_eq(reps[1]->len, sizeof(bin));
        cr_assert_eq(memcmp(reps[1]->str, bin, sizeof(bin)), 0);
        cr_assert_eq(reps[2]->integer, round + 1);
        free_all(reps, 3);
    }
    redisReply *rep = qw_redis_command_args(&redis, &a);
    cr_assert(rep && rep->type == REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    qw_redis_args_free(&a);
}

Test(io_redis_pipeline, unread_replies_never_answer_the_next_command)
{
    cr_assert_eq(qw_redis_append(&redis, "SET %s %s", "k", "v"), QW_OK);
    cr_assert_eq(qw_redis_append(&redis, "GET %s", "k"), QW_OK);
    redisReply *rep = qw_redis_command(&redis, "PING");
    cr_assert(rep && rep->type == REDIS_REPLY_STATUS && !strcmp(rep->str, "PONG"), "%s",
              rep ? rep->str : redis.errstr);
    freeReplyObject(rep);
    cr_assert_eq(redis.pending, 0);
    /* Reading more replies than were asked for is refused, not a hang. */
    cr_assert_eq(qw_redis_read(&redis, "test", &rep, 1), QW_ERR);
    cr_assert_null(rep);
    cr_assert(strstr(redis.errstr, "more replies"), "%s", redis.errstr);
}

static void expect_ereply(const char *cause)
{
    redisReply *reps[5];
    redis.errstr[0] = '\0';
    /* Plain pipeline: the refused write is an error reply, the read next to it is not. */
    cr_assert_eq(qw_redis_append(&redis, "GET %s", "k"), QW_OK);
    cr_assert_eq(qw_redis_append(&redis, "SET %s %s", "k", "v2"), QW_OK);
    cr_assert_eq(qw_redis_read(&redis, "plain", reps, 2), QW_REDIS_EREPLY);
    cr_assert(strstr(redis.errstr, cause) && strstr(redis.errstr, "plain"), "%s", redis.errstr);
    cr_assert_eq(reps[1]->type, REDIS_REPLY_ERROR);
    free_all(reps, 2);
    cr_assert(qw_redis_connected(&redis), "an error reply keeps the connection");
    /* MULTI/EXEC: the queued command's refusal is the cause, not EXECABORT. */
    redis.errstr[0] = '\0';
    qw_redis_append(&redis, "MULTI");
    qw_redis_append(&redis, "SET %s %s", "k", "v3");
    qw_redis_append(&redis, "EXEC");
    cr_assert_eq(qw_redis_read(&redis, "multi", reps, 3), QW_REDIS_EREPLY);
    cr_assert(strstr(redis.errstr, cause), "%s", redis.errstr);
    free_all(reps, 3);
    /* One command: the error reply comes back and its text is in errstr too. */
    redis.errstr[0] = '\0';
    redisReply *rep = qw_redis_command(&redis, "SET %s %s", "k", "v4");
    cr_assert(rep && rep->type == REDIS_REPLY_ERROR);
    cr_assert(strstr(redis.errstr, cause), "%s", redis.errstr);
    freeReplyObject(rep);
}

Test(io_redis_pipeline, oom_reply_fills_errstr)
{
    admin(&redis, "SET k v");
    admin(&redis, "CONFIG SET maxmemory 1");
    expect_ereply("OOM");
    admin(&redis, "CONFIG SET maxmemory 0");
}

Test(io_redis_pipeline, readonly_reply_fills_errstr)
{
    admin(&redis, "REPLICAOF 127.0.0.1 1"); /* a primary that is not there: read-only */
    expect_ereply("READONLY");
    admin(&redis, "REPLICAOF NO ONE");
}

Test(io_redis_pipeline, error_inside_exec_fills_errstr)
{
    admin(&redis, "SET s notanumber");
    redisReply *reps[4];
    qw_redis_append(&redis, "MULTI");
    qw_redis_append(&redis, "INCR %s", "s");
    qw_redis_append(&redis, "SET %s %s", "t", "1");
    qw_redis_append(&redis, "EXEC");
    cr_assert_eq(qw_redis_read(&redis, "exec", reps, 4), QW_REDIS_EREPLY);
    cr_assert_eq(reps[3]->type, REDIS_REPLY_ARRAY, "EXEC ran");
    cr_assert(strstr(redis.errstr, "not an integer"), "%s", redis.errstr);
    free_all(reps, 4);
}

Test(io_redis_pipeline, noauth_and_wrong_password_never_show_it)
{
    admin(&redis, "CONFIG SET requirepass " PW);
    qw_redis_t anon, wrong;
    cr_assert_eq(qw_redis_init(&anon, server.url, err, sizeof(err)), QW_OK);
    cr_assert_eq(qw_redis_append(&anon, "GET %s", "k"), QW_OK, "%s", anon.errstr);
    redisReply *rep;
    cr_assert_eq(qw_redis_read(&anon, "get", &rep, 1), QW_REDIS_EREPLY);
    cr_assert(strstr(anon.errstr, "NOAUTH"), "%s", anon.errstr);
    freeReplyObject(rep);
    qw_redis_close(&anon);

    char url[128];
    snprintf(url, sizeof(url), "redis://:%s-x@127.0.0.1:%d/0", PW, server.port);
    cr_assert_eq(qw_redis_init(&wrong, url, err, sizeof(err)), QW_OK);
    cr_assert_eq(qw_redis_append(&wrong, "GET %s", "k"), QW_ERR);
    cr_assert(wrong.errstr[0]);
    cr_assert_null(strstr(wrong.errstr, PW), "%s", wrong.errstr);
    qw_redis_close(&wrong);

    snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d/0", PW, server.port);
    qw_redis_t right;
    cr_assert_eq(qw_redis_init(&right, url, err, sizeof(err)), QW_OK);
    admin(&right, "SET k v");
    /* A failure after AUTH (here: the server gone) does not show it either. */
    qw_test_redis_kill(&server);
    cr_assert_eq(qw_redis_append(&right, "GET %s", "k"), QW_OK); /* buffered, not yet sent */
    cr_assert_eq(qw_redis_read(&right, "get", &rep, 1), QW_ERR);
    cr_assert_null(strstr(right.errstr, PW), "%s", right.errstr);
    qw_redis_close(&right);
}

Test(io_redis_pipeline, lost_connection_leaves_no_reply_and_reconnects)
{
    admin(&redis, "SET k v");
    cr_assert_eq(qw_redis_append(&redis, "GET %s", "k"), QW_OK);
    cr_assert_eq(qw_redis_append(&redis, "GET %s", "k"), QW_OK);
    qw_test_redis_kill(&server);
    redisReply *reps[2] = {(redisReply *)1, (redisReply *)1};
    cr_assert_eq(qw_redis_read(&redis, "get", reps, 2), QW_ERR);
    cr_assert(reps[0] == NULL && reps[1] == NULL);
    cr_assert(!qw_redis_connected(&redis));
    cr_assert_eq(redis.pending, 0);
    cr_assert(strstr(redis.errstr, "get"), "%s", redis.errstr);
    /* Back on the same port: the wrapper reconnects once its backoff has passed. */
    qw_test_redis_start(&server);
    usleep(300 * 1000);
    redisReply *rep = qw_redis_command(&redis, "PING");
    cr_assert(rep && rep->type == REDIS_REPLY_STATUS, "%s", redis.errstr);
    freeReplyObject(rep);
}
