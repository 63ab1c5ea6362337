/* The health server under hostile clients (issue 10, finding 6): 200 slow connections from one
 * client must neither exhaust the server nor stop /healthz answering another client (an
 * orchestrator's probe); an oversized request is refused. No servers needed: it starts its own
 * qw_http on a free loopback port. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quotawatch/common.h"
#include "quotawatch/http.h"

static int dial(int port, const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    inet_pton(AF_INET, from, &src.sin_addr);
    cr_assert_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0, "bind %s", from);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send req, read until the peer closes or 2 s pass; the first line of the answer in out. */
static void ask(int fd, const char *req, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    if (write(fd, req, len) != (ssize_t)len) return;
    size_t n = 0;
    struct pollfd p = {fd, POLLIN, 0};
    while (n + 1 < cap && poll(&p, 1, 2000) == 1) {
        ssize_t r = read(fd, out + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        out[n] = '\0';
        if (strstr(out, "\r\n")) break;
    }
}

Test(io_http, healthz_answers_while_one_client_holds_200_slow_connections)
{
    char err[QW_ERRSTR_MAX];
    qw_http_t *h = qw_http_start_addr("127.0.0.1", 0, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    int port = qw_http_port(h);
    int slow[200], nslow = 0;
    for (int i = 0; i < 200; i++) {
        int fd = dial(port, "127.0.0.2");
        if (fd < 0) continue;
        /* An unfinished request: the slowloris pattern. */
        const char *part = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
        if (write(fd, part, strlen(part)) < 0) {
            close(fd);
            continue;
        }
        slow[nslow++] = fd;
    }
    int probe = dial(port, "127.0.0.1");
    cr_assert_geq(probe, 0, "the probe could not even connect");
    char ans[256];
    const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ask(probe, req, strlen(req), ans, sizeof(ans));
    cr_assert(strncmp(ans, "HTTP/1.1 200", 12) == 0, "/healthz answered \"%.40s\"", ans);
    close(probe);
    for (int i = 0; i < nslow; i++)
        close(slow[i]);
    qw_http_stop(h);
}

Test(io_http, an_oversized_request_is_refused)
{
    char err[QW_ERRSTR_MAX];
    qw_http_t *h = qw_http_start_addr("127.0.0.1", 0, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    int fd = dial(qw_http_port(h), "127.0.0.1");
    cr_assert_geq(fd, 0);
    size_t len = 2 * QW_HTTP_REQUEST_MAX;
    char *req = malloc(len + 64);
    int n = snprintf(req, 64, "GET /healthz HTTP/1.1\r\nX-Pad: ");
    memset(req + n, 'a', len - (size_t)n - 4);
    memcpy(req + len - 4, "\r\n\r\n", 4);
    char ans[256];
    ask(fd, req, len, ans, sizeof(ans));
    cr_assert(strncmp(ans, "HTTP/1.1 200", 12) != 0, "an oversized request was served");
    free(req);
    close(fd);
    qw_http_stop(h);
}

/* --http-bind (issue 9): an address, the same option in every service; a bad one is refused
 * by name before anything starts; the server answers on the address it was given. */
Test(io_http, bind_address_is_checked_and_used)
{
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_http_bind_check("127.0.0.1", err, sizeof(err)), QW_OK);
    cr_assert_eq(qw_http_bind_check("::", err, sizeof(err)), QW_OK);
    cr_assert_eq(qw_http_bind_check("localhost", err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "--http-bind localhost"), "%s", err);
    cr_assert_null(qw_http_start_addr("999.1.1.1", 0, err, sizeof(err)));
    cr_assert(strstr(err, "--http-bind"), "%s", err);

    /* Bound to 127.0.0.2: a client reaches it there, and it holds neither 127.0.0.1 nor the
     * wildcard - so 127.0.0.1 with its port can still be bound. (A connect there would prove
     * nothing: another program may listen on that port number of 127.0.0.1; then bind fails too
     * and the check is taken again on another port.) */
    int proved = 0;
    for (int attempt = 0; attempt < 5 && !proved; attempt++) {
        qw_http_t *h = qw_http_start_addr("127.0.0.2", 0, err, sizeof(err));
        cr_assert_not_null(h, "%s", err);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in dst = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)qw_http_port(h))};
        inet_pton(AF_INET, "127.0.0.2", &dst.sin_addr);
        cr_assert_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
        char line[256];
        const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
        ask(fd, req, sizeof(req) - 1, line, sizeof(line));
        cr_assert(strstr(line, "200"), "%s", line);
        close(fd);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
        proved = bind(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0;
        close(fd);
        qw_http_stop(h);
    }
    cr_assert(proved, "127.0.0.1 with the server's port could never be bound: it listens there");
}
