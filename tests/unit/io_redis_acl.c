/* Redis 6 ACL users (issue 10, finding 12): redis://user:password@ authenticates as that user,
 * a wrong password says WRONGPASS without repeating it, and QW_REDIS_PASSWORD_FILE supplies a
 * password kept out of the URL. Needs a real redis-server: the private one of redis_server.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/redis.h"
#include "redis_server.h"

static qw_test_redis_t server;

static void acl_user(void)
{
    qw_test_redis_start(&server);
    redisContext *c = redisConnect("127.0.0.1", server.port);
    cr_assert(c && !c->err);
    redisReply *rep = redisCommand(c, "ACL SETUSER qwsvc on >Acl-Pw-7781 ~* &* +@all");
    cr_assert(rep && rep->type != REDIS_REPLY_ERROR, "%s", rep ? rep->str : "no reply");
    freeReplyObject(rep);
    redisFree(c);
}

static void done(void)
{
    qw_test_redis_stop(&server);
}

static int ping_as(const char *url)
{
    qw_redis_t r;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_redis_init(&r, url, err, sizeof(err)), QW_OK, "%s", err);
    int rc = qw_redis_connect(&r);
    if (rc == QW_OK) {
        redisReply *rep = qw_redis_command(&r, "ACL WHOAMI");
        cr_assert(rep && rep->type == REDIS_REPLY_STRING, "ACL WHOAMI");
        cr_assert_str_eq(rep->str, "qwsvc");
        freeReplyObject(rep);
    } else {
        cr_assert(strstr(r.errstr, "WRONGPASS") != NULL, "%s", r.errstr);
        cr_assert_null(strstr(r.errstr, "wrong-one"), "the password is repeated: %s", r.errstr);
    }
    qw_redis_close(&r);
    return rc;
}

Test(io_redis_acl, a_url_user_authenticates_as_that_user, .init = acl_user, .fini = done)
{
    char url[128];
    snprintf(url, sizeof(url), "redis://qwsvc:Acl-Pw-7781@127.0.0.1:%d/0", server.port);
    cr_assert_eq(ping_as(url), QW_OK);
    snprintf(url, sizeof(url), "redis://qwsvc:wrong-one@127.0.0.1:%d/0", server.port);
    cr_assert_eq(ping_as(url), QW_ERR);
}

Test(io_redis_acl, the_password_can_come_from_a_file, .init = acl_user, .fini = done)
{
    char path[] = "/tmp/qw-redis-pw-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "Acl-Pw-7781\n", 12), 12);
    close(fd);
    setenv("QW_REDIS_PASSWORD_FILE", path, 1);
    char url[128];
    snprintf(url, sizeof(url), "redis://qwsvc:@127.0.0.1:%d/0", server.port);
    /* "qwsvc:@": a user with an empty password in the URL, so the file gives it. */
    cr_assert_eq(ping_as(url), QW_OK);
    qw_redis_t r;
    char err[QW_ERRSTR_MAX];
    setenv("QW_REDIS_PASSWORD_FILE", "/nonexistent/qw-pw", 1);
    cr_assert_eq(qw_redis_init(&r, url, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "/nonexistent/qw-pw") != NULL, "%s", err);
    unsetenv("QW_REDIS_PASSWORD_FILE");
    unlink(path);
}
