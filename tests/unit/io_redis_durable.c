/* The start-up durability check (issue 14): with it on, a connect to a Redis that persists
 * nothing or may evict keys is refused with the reason and the fix, and r->refused set; fixing
 * the server with CONFIG SET makes the next connect succeed. Off (the default), nothing is
 * checked. Needs a real redis-server: the private one of redis_server.h (appendonly no, save "").
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/redis.h"
#include "redis_server.h"

static qw_test_redis_t server;

static void up(void)
{
    qw_test_redis_start(&server);
}

static void down(void)
{
    qw_redis_require_durable(0);
    /* SIGKILL first: a redis-server 7.0 with appendonly just turned on by CONFIG SET may not
     * finish a SIGTERM shutdown while its first rewrite runs, and nothing here needs one. */
    qw_test_redis_kill(&server);
    qw_test_redis_stop(&server);
}

/* CONFIG SET name value (value may hold spaces). */
static void admin(const char *name, const char *value)
{
    redisContext *c = redisConnect("127.0.0.1", server.port);
    cr_assert(c && !c->err);
    redisReply *rep = redisCommand(c, "CONFIG SET %s %s", name, value);
    cr_assert(rep && rep->type != REDIS_REPLY_ERROR, "%s: %s", name, rep ? rep->str : "no reply");
    freeReplyObject(rep);
    redisFree(c);
}

/* Connect once with a fresh wrapper; errstr copied out. */
static int connect_once(char *err, size_t errlen, int *refused)
{
    qw_redis_t r;
    char e[QW_ERRSTR_MAX];
    cr_assert_eq(qw_redis_init(&r, server.url, e, sizeof(e)), QW_OK, "%s", e);
    int rc = qw_redis_connect(&r);
    snprintf(err, errlen, "%s", r.errstr);
    *refused = r.refused;
    qw_redis_close(&r);
    return rc;
}

Test(io_redis_durable, off_by_default_anything_goes, .init = up, .fini = down)
{
    char err[QW_ERRSTR_MAX];
    int refused;
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_OK, "%s", err);
    cr_assert_eq(refused, 0);
}

Test(io_redis_durable, a_redis_that_persists_nothing_is_refused_until_fixed, .init = up,
     .fini = down)
{
    char err[QW_ERRSTR_MAX];
    int refused;
    qw_redis_require_durable(1);
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_ERR);
    cr_assert_eq(refused, 1);
    cr_assert(strstr(err, "persists nothing") && strstr(err, "appendonly yes") &&
                  strstr(err, "--redis-allow-volatile"),
              "the message names the problem and both fixes: %s", err);

    admin("appendonly", "yes");
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_OK, "%s", err);
    cr_assert_eq(refused, 0);

    /* RDB snapshots alone are persistence too. */
    admin("appendonly", "no");
    admin("save", "900 1");
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_OK, "%s", err);
}

Test(io_redis_durable, an_evicting_redis_is_refused_even_with_persistence, .init = up, .fini = down)
{
    char err[QW_ERRSTR_MAX];
    int refused;
    qw_redis_require_durable(1);
    admin("appendonly", "yes");
    admin("maxmemory-policy", "allkeys-lru");
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_ERR);
    cr_assert_eq(refused, 1);
    cr_assert(strstr(err, "allkeys-lru") && strstr(err, "noeviction"), "%s", err);

    admin("maxmemory-policy", "noeviction");
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_OK, "%s", err);
}

Test(io_redis_durable, an_unreachable_redis_is_not_refused_but_unavailable, .init = up,
     .fini = down)
{
    char err[QW_ERRSTR_MAX];
    int refused;
    qw_redis_require_durable(1);
    qw_test_redis_kill(&server);
    cr_assert_eq(connect_once(err, sizeof(err), &refused), QW_ERR);
    cr_assert_eq(refused, 0, "a down server is retried, not refused: %s", err);
}
