/* A private redis-server for the unit tests that need a real one: started on a free loopback
 * port in a temp dir, answering PING before the test runs, gone when the test ends (also when
 * the test process dies: PR_SET_PDEATHSIG). Include it in one test program only. */
#ifndef QW_TEST_REDIS_SERVER_H
#define QW_TEST_REDIS_SERVER_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct qw_test_redis_s {
    pid_t pid; /* 0 when not running */
    int port;
    char dir[64];
    char url[64]; /* redis://127.0.0.1:<port>/0 */
} qw_test_redis_t;

static inline int qw_test_redis_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert_geq(fd, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Start (or, after qw_test_redis_kill, restart on the same port and dir). */
static inline void qw_test_redis_start(qw_test_redis_t *r)
{
    if (!r->port) {
        snprintf(r->dir, sizeof(r->dir), "/tmp/qw-test-redis-XXXXXX");
        cr_assert_not_null(mkdtemp(r->dir));
        r->port = qw_test_redis_free_port();
        snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d/0", r->port);
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", r->port);
    r->pid = fork();
    cr_assert_geq(r->pid, 0);
    if (r->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", r->dir, "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        redisContext *c = redisConnect("127.0.0.1", r->port);
        int ok = 0;
        if (c && !c->err) {
            redisReply *rep = redisCommand(c, "PING");
            ok = rep && rep->type == REDIS_REPLY_STATUS;
            if (rep) freeReplyObject(rep);
        }
        if (c) redisFree(c);
        if (ok) return;
        usleep(25000);
    }
    cr_assert_fail("redis-server did not start on port %d", r->port);
}

/* Crash it (SIGKILL) and reap it: the port and dir stay for a restart. */
static inline void qw_test_redis_kill(qw_test_redis_t *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

/* Stop it and remove its dir. */
static inline void qw_test_redis_stop(qw_test_redis_t *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
    if (r->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", r->dir);
    }
    memset(r, 0, sizeof(*r));
}

#endif
