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

/* Listen on 127.0.0.1 or all interfaces (bind_all) at port (0 = any free port). NULL on error
 * with errbuf saying why. */
/* Limits of the health/metrics server (docs/security.md): connections in all and per client
 * address, seconds before an idle or slow client is dropped, bytes per connection (request
 * line and headers; there are no request bodies). */
#define QW_HTTP_CONN_MAX        1000
#define QW_HTTP_CONN_PER_CLIENT 16
#define QW_HTTP_IDLE_S          5
#define QW_HTTP_REQUEST_MAX     16384

qw_http_t *qw_http_start(int port, int bind_all, char *errbuf, size_t errlen);
void qw_http_stop(qw_http_t *h);
int qw_http_port(const qw_http_t *h);

/* Declare a readiness component (e.g. "kafka", "redis"); all must be ready for /readyz. */
void qw_http_set_ready(qw_http_t *h, const char *component, int ready);

/* Serve GET requests whose path starts with prefix (set before traffic; at most 8). */
void qw_http_route(qw_http_t *h, const char *prefix, qw_http_handler_fn fn, void *opaque);

#endif
