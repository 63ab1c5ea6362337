/* The API and the pages over libmicrohttpd (one internal polling thread: a request is answered
 * from the model under the read lock; nothing blocks on Kafka). Identity comes only from the
 * trusted header, and only when the peer is one of --trusted-proxy. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "web.h"
#include "web_view.h"

#define STATIC_MAX (1024 * 1024)

static qw_metric_t *m_req[6];
static qw_metric_t *m_cache[2]; /* hits, misses */

static void headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "private, no-cache");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, int status, const char *type, char *body,
                                size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    headers(r, type);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    int k = status < 300    ? 0
            : status == 400 ? 1
            : status == 401 ? 2
            : status == 403 ? 3
            : status == 404 ? 4
                            : 5;
    qw_metric_add(m_req[k], 1);
    return rc;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) return MHD_NO;
    return send_buf(c, status, "application/json", s, strlen(s));
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *msg)
{
    return send_json(c, status, qw_web_view_error(status, msg));
}

/* RFC 9110 §15.5.6: a 405 names the methods the resource has. */
static enum MHD_Result send_405(struct MHD_Connection *c)
{
    json_t *o = qw_web_view_error(405, "qw-web only reads: GET");
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    struct MHD_Response *r =
        s ? MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!r) {
        free(s);
        return MHD_NO;
    }
    headers(r, "application/json");
    MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(c, 405, r);
    MHD_destroy_response(r);
    qw_metric_add(m_req[5], 1);
    return rc;
}

static const char *type_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".json", "application/json"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext)) return types[i].type;
    return NULL;
}

/* A page or asset of --static-dir: [A-Za-z0-9_-] names with an allowed extension, one level, so
 * no path can climb out or name a hidden file. */
static enum MHD_Result send_static(qw_web_t *w, struct MHD_Connection *c, const char *url)
{
    const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
    const char *type = type_of(name);
    size_t n = strlen(name);
    int ok = type && n < 64;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = name[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '_' || ch == '-' || (ch == '.' && i > 0 && name + i == strrchr(name, '.'));
    }
    if (!ok || !w->static_dir || !*w->static_dir) return send_error(c, 404, "no such page");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", w->static_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX) {
        if (fd >= 0) close(fd);
        return send_error(c, 404, "no such page");
    }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) {
        free(buf);
        return send_error(c, 404, "no such page");
    }
    return send_buf(c, 200, type, buf, (size_t)got);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
    (void)version, (void)upload;
    qw_web_t *w = cls;
    if (!*state) { /* headers only so far: answer when the (empty) body is in */
        *state = (void *)1;
        return MHD_YES;
    }
    if (*upload_len || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return send_405(c);
    if (strncmp(url, "/api/", 5) != 0) return send_static(w, c, url);
    if (!atomic_load(&w->ready))
        return send_error(c, 503, "still reading the topics: ready in a moment");
    const char *email = NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && qw_web_proxy_trusted(w, ci->client_addr))
        email = MHD_lookup_connection_value(c, MHD_HEADER_KIND, w->auth_header);
    if (email && strlen(email) >= QW_EMAIL_MAX) email = NULL;
    /* No proxy identity: an OIDC bearer token, when qw-web is set up for them. A token that
     * is there but does not verify is a 401 with the reason, never anonymous access. */
    char bearer_email[QW_EMAIL_MAX];
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!email && authz && qw_web_oidc_on(w)) {
        char why[256];
        if (qw_web_oidc_identify(w, authz, bearer_email, sizeof(bearer_email), why, sizeof(why)) !=
            QW_OK) {
            char msg[300];
            snprintf(msg, sizeof(msg), "invalid bearer token: %s", why);
            return send_error(c, 401, msg);
        }
        email = bearer_email;
    }
    if (!strcmp(url, "/api/v1/events")) {
        int st;
        char e[256];
        struct MHD_Response *r = qw_web_sse_open(w, email, &st, e, sizeof(e));
        if (!r) return send_error(c, st, e);
        headers(r, "text/event-stream");
        enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        qw_metric_add(m_req[0], 1);
        return rc;
    }
    const char *period = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "period");
    char query[80] = "";
    if (period) {
        if (strlen(period) >= 32) return send_error(c, 400, "period is too long");
        snprintf(query, sizeof(query), "period=%s", period);
    }
    /* One answer per viewer, path, query and second, while the model stays the same. */
    int64_t now = qw_web_now(w);
    char key[QW_EMAIL_MAX + 1200];
    int cacheable = email && strlen(url) < 1024 &&
                    snprintf(key, sizeof(key), "%s\n%s\n%s\n%lld", email, url, query,
                             (long long)(now / 1000)) < (int)sizeof(key);
    int status = 500;
    char *body;
    size_t len;
    pthread_rwlock_rdlock(&w->lock);
    uint64_t mv = atomic_load(&w->version);
    if (cacheable && qw_web_cache_get(&w->cache, key, mv, &status, &body, &len)) {
        pthread_rwlock_unlock(&w->lock);
        qw_metric_add(m_cache[0], 1);
        return send_buf(c, status, "application/json", body, len);
    }
    json_t *o = qw_web_route(&w->model, email, url, query, now, &status);
    pthread_rwlock_unlock(&w->lock);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) return send_error(c, 503, "out of memory");
    if (cacheable) {
        qw_web_cache_put(&w->cache, key, mv, status, s, strlen(s));
        qw_metric_add(m_cache[1], 1);
    }
    return send_buf(c, status, "application/json", s, strlen(s));
}

int qw_web_server_start(qw_web_t *w, char *err, size_t errlen)
{
    static const char *const names[] = {"2xx", "400", "401", "403", "404", "other"};
    for (int i = 0; i < 6; i++) {
        char l[32];
        snprintf(l, sizeof(l), "status=\"%s\"", names[i]);
        m_req[i] = qw_metrics_counter("qw_web_requests_total", "API and page requests answered", l);
    }
    m_cache[0] =
        qw_metrics_counter("qw_web_cache_total", "API answers by cache outcome", "result=\"hit\"");
    m_cache[1] =
        qw_metrics_counter("qw_web_cache_total", "API answers by cache outcome", "result=\"miss\"");
    qw_web_cache_init(&w->cache);
    char host[256];
    snprintf(host, sizeof(host), "%s", w->listen);
    char *colon = strrchr(host, ':');
    if (!colon) return qw_err_set(err, errlen, "--listen %s: want ADDRESS:PORT", w->listen);
    *colon = '\0';
    int port = atoi(colon + 1);
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    const char *h = host;
    if (h[0] == '[') h++, host[strlen(host) - 1] = '\0';
    const struct sockaddr *sa;
    /* A thread per connection: an event stream waits on a condition in its own thread, and no
     * request ever waits behind another's. */
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, h, &a4.sin_addr) == 1) {
        sa = (const struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, h, &a6.sin6_addr) == 1) {
        sa = (const struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        return qw_err_set(err, errlen, "--listen %s: not an IP address", w->listen);
    }
    if (port <= 0 || port > 65535) return qw_err_set(err, errlen, "--listen: bad port");
    w->d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, w, MHD_OPTION_SOCK_ADDR, sa,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)512, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)128,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
    if (!w->d) return qw_err_set(err, errlen, "cannot listen on %s (in use?)", w->listen);
    return QW_OK;
}

void qw_web_server_stop(qw_web_t *w)
{
    if (!w->d) return;
    MHD_stop_daemon(w->d);
    w->d = NULL;
    qw_web_cache_free(&w->cache);
}
