/* The Redis URL parser: what it accepts, and that no error message shows the password (a URL
 * with one is a secret; its errors go to stderr and the logs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/redis.h"

#define PW "s3cr3t-Pl4nted"

static qw_redis_t r;
static char err[QW_ERRSTR_MAX];

Test(io_redis_url, parses_password_host_port_db)
{
    cr_assert_eq(qw_redis_init(&r, "redis://:" PW "@cache.local:6380/3", err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_str_eq(r.password, PW);
    cr_assert_str_eq(r.host, "cache.local");
    cr_assert_eq(r.port, 6380);
    cr_assert_eq(r.db, 3);
    cr_assert_eq(qw_redis_init(&r, "redis://user:" PW "@h:1/0", err, sizeof(err)), QW_OK);
    cr_assert_str_eq(r.password, PW);
    char d[256];
    qw_redis_describe(&r, d, sizeof(d));
    cr_assert_null(strstr(d, PW), "%s", d);
}

Test(io_redis_url, no_error_message_shows_the_password)
{
    /* One URL per error path (scheme, host missing or too long, port, database), each with the
     * password in the forms the parser knows (":pw@", "user:pw@", "pw@"), plus awkward
     * passwords holding '@', ':' and "://". */
    char longhost[300];
    memset(longhost, 'h', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    const char *auth[] = {":" PW "@",   "user:" PW "@", PW "@",
                          ":" PW "@x@", ":a://" PW "@", "user:" PW ":more@"};
    char tails[5][400];
    snprintf(tails[0], sizeof(tails[0]), "/0");                  /* no host */
    snprintf(tails[1], sizeof(tails[1]), "%s:6379/0", longhost); /* host too long */
    snprintf(tails[2], sizeof(tails[2]), "h:0/0");               /* bad port */
    snprintf(tails[3], sizeof(tails[3]), "h:70000/0");           /* bad port */
    snprintf(tails[4], sizeof(tails[4]), "h:6379/-1");           /* bad database */
    const char *schemes[] = {"redis://", "rediss://", "http://", ""};
    int n = 0;
    for (size_t s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++)
        for (size_t a = 0; a < sizeof(auth) / sizeof(auth[0]); a++)
            for (size_t t = 0; t < 5; t++) {
                char url[4096]; /* gcc -O2 bounds tails[t] by the whole array */
                snprintf(url, sizeof(url), "%s%s%s", schemes[s], auth[a], tails[t]);
                err[0] = '\0';
                if (qw_redis_init(&r, url, err, sizeof(err)) == QW_OK) continue;
                n++;
                cr_assert(err[0], "an error says why: %s", url);
                cr_assert_null(strstr(err, PW), "password shown for %s: %s", url, err);
                cr_assert_null(strstr(err, "user"), "user name shown for %s: %s", url, err);
            }
    cr_assert_geq(n, 100, "the error paths were exercised (%d)", n);
    /* A password too long for the buffer is an error of its own, also without the password. */
    char url[1024];
    snprintf(url, sizeof(url), "redis://:%s%0300d@h:1/0", PW, 0);
    cr_assert_eq(qw_redis_init(&r, url, err, sizeof(err)), QW_ERR);
    cr_assert_null(strstr(err, PW), "%s", err);
    /* The redacted form still names the rest, so the operator can see what is wrong. */
    cr_assert_eq(qw_redis_init(&r, "redis://:" PW "@h:70000/0", err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "***@h:70000/0") != NULL, "%s", err);
}
