/* The HTTP port every service serves (libmicrohttpd, its own thread):
 * /healthz (the process is alive), /readyz (every component is ready: 503 names those that are
 * not), /metrics (Prometheus text), plus routes a service adds (the operator API). */
#ifndef QW_HTTP_H
#define QW_HTTP_H
#ifdef QW_PURE
#error "quotawatch/http.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <stddef.h>

typedef struct qw_http_s qw_http_t;

/* A route handler: fill *status, *body (malloc'd, freed by the server), *body_len and
 * *content_type (static string). Called on the HTTP thread: must be thread-safe. */
typedef void (*qw_http_handler_fn)(void *opaque, const char *method, const char *path, int *status,
                                   char **body, size_t *body_len, const char **content_type);

/* Limits of the health/metrics server (docs/security.md): connections in all and per client
 * address, seconds before an idle or slow client is dropped, bytes per connection (request
 * line and headers; there are no request bodies). */
#define QW_HTTP_CONN_MAX        1000
#define QW_HTTP_CONN_PER_CLIENT 16
#define QW_HTTP_IDLE_S          5
#define QW_HTTP_REQUEST_MAX     16384

/* Listen on addr (an IPv4 or IPv6 literal: "127.0.0.1", "0.0.0.0", "::1", "::") at port (0 =
 * any free port) and publish qw_build_info{version=...}. NULL on error with errbuf saying why
 * (a bad address names the option --http-bind). */
qw_http_t *qw_http_start_addr(const char *addr, int port, char *errbuf, size_t errlen);
/* QW_OK when addr is an address qw_http_start_addr takes; else QW_ERR naming --http-bind (for
 * the option checks, so a typo exits 2 before anything starts). */
int qw_http_bind_check(const char *addr, char *errbuf, size_t errlen);

/* The --http-bind option, the same in every service (docs/operations.md): a qw_opt_t entry
 * writing a const char * at dst. */
#define QW_HTTP_BIND_DEFAULT "127.0.0.1"
#define QW_HTTP_OPT_BIND(dst)                                                                      \
    {                                                                                              \
        "http-bind", "QW_HTTP_BIND", QW_OPT_STR, QW_HTTP_BIND_DEFAULT,                             \
            "Address of the health and metrics server (0.0.0.0 or :: for all interfaces)", (dst),  \
            0                                                                                      \
    }
void qw_http_stop(qw_http_t *h);
int qw_http_port(const qw_http_t *h);

/* Declare a readiness component (e.g. "kafka", "redis"); all must be ready for /readyz. */
void qw_http_set_ready(qw_http_t *h, const char *component, int ready);

/* Serve GET requests whose path starts with prefix (set before traffic; at most 8). */
void qw_http_route(qw_http_t *h, const char *prefix, qw_http_handler_fn fn, void *opaque);

#endif
