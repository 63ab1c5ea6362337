#include "quotawatch/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"
#include "quotawatch/metrics.h"
#include "quotawatch/version.h"

#define QW_HTTP_COMPONENTS 8
#define QW_HTTP_ROUTES     8

struct qw_http_s {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    struct {
        char name[32];
        int ready;
        qw_metric_t *gauge; /* qw_component_ready{component}: what /readyz says, for alerts */
    } comp[QW_HTTP_COMPONENTS];
    int ncomp;
    struct {
        char prefix[64];
        qw_http_handler_fn fn;
        void *opaque;
    } route[QW_HTTP_ROUTES];
    int nroute;
};

static enum MHD_Result reply(struct MHD_Connection *c, int status, char *body, size_t len,
                             const char *ctype)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_str(struct MHD_Connection *c, int status, const char *s,
                                 const char *ctype)
{
    size_t len = strlen(s);
    char *d = malloc(len + 1);
    if (!d) return MHD_NO;
    memcpy(d, s, len + 1);
    return reply(c, status, d, len, ctype);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)con_cls;
    qw_http_t *h = cls;
    size_t len;
    if (*upload_size) { /* no request bodies: the API is read-only */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/healthz")) return reply_str(c, 200, "ok\n", "text/plain");
    if (!strcmp(url, "/readyz")) {
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "{\"ready\":"), ok = 1;
        pthread_mutex_lock(&h->lock);
        for (int i = 0; i < h->ncomp; i++)
            ok &= h->comp[i].ready;
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s,\"components\":{",
                      ok ? "true" : "false");
        for (int i = 0; i < h->ncomp && n < (int)sizeof(buf); i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\"%s\":%s", i ? "," : "",
                          h->comp[i].name, h->comp[i].ready ? "true" : "false");
        pthread_mutex_unlock(&h->lock);
        if (n < (int)sizeof(buf)) snprintf(buf + n, sizeof(buf) - (size_t)n, "}}\n");
        return reply_str(c, ok ? 200 : 503, buf, "application/json");
    }
    if (!strcmp(url, "/metrics")) {
        char *m = qw_metrics_render(&len);
        if (!m) return MHD_NO;
        return reply(c, 200, m, len, "text/plain; version=0.0.4");
    }
    for (int i = 0; i < h->nroute; i++) {
        if (strncmp(url, h->route[i].prefix, strlen(h->route[i].prefix))) continue;
        int status = 500;
        char *body = NULL;
        const char *ctype = "application/json";
        len = 0;
        h->route[i].fn(h->route[i].opaque, method, url, &status, &body, &len, &ctype);
        if (!body) return reply_str(c, status, "", ctype);
        return reply(c, status, body, len, ctype);
    }
    return reply_str(c, 404, "not found\n", "text/plain");
}

int qw_http_bind_check(const char *addr, char *errbuf, size_t errlen)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (addr && (inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1))
        return QW_OK;
    return qw_err_set(errbuf, errlen,
                      "--http-bind %s: not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)",
                      addr ? addr : "(none)");
}

qw_http_t *qw_http_start_addr(const char *addr, int port, char *errbuf, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (!addr || !*addr) addr = QW_HTTP_BIND_DEFAULT;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        qw_err_set(errbuf, errlen,
                   "--http-bind %s: not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)", addr);
        return NULL;
    }
    qw_http_t *h = calloc(1, sizeof(*h));
    if (!h) return NULL;
    pthread_mutex_init(&h->lock, NULL);
    h->d =
        /* Probes must keep answering whatever other clients do: epoll (no select() fd limit),
         * room for many connections but few per client address, idle and slow clients dropped
         * after 5 s, and a request (line + headers) bounded by the connection's memory. */
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &ss,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)QW_HTTP_IDLE_S,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)QW_HTTP_CONN_MAX,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)QW_HTTP_CONN_PER_CLIENT,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)QW_HTTP_REQUEST_MAX,
                         MHD_OPTION_END);
    if (!h->d) {
        qw_err_set(errbuf, errlen,
                   "cannot listen on %s port %d (in use? set --http-port; not an address of this "
                   "host? set --http-bind)",
                   addr, port);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    char labels[96];
    snprintf(labels, sizeof(labels), "version=\"%s\"", qw_version());
    qw_metric_set(qw_metrics_gauge("qw_build_info",
                                   "The running build (its version label); always 1", labels),
                  1);
    return h;
}

void qw_http_stop(qw_http_t *h)
{
    if (!h) return;
    MHD_stop_daemon(h->d);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

int qw_http_port(const qw_http_t *h)
{
    return h ? h->port : 0;
}

void qw_http_set_ready(qw_http_t *h, const char *component, int ready)
{
    if (!h) return;
    pthread_mutex_lock(&h->lock);
    int i = 0;
    for (; i < h->ncomp; i++)
        if (!strcmp(h->comp[i].name, component)) break;
    if (i == h->ncomp && h->ncomp < QW_HTTP_COMPONENTS) {
        snprintf(h->comp[i].name, sizeof(h->comp[i].name), "%s", component);
        char labels[64];
        snprintf(labels, sizeof(labels), "component=\"%s\"", h->comp[i].name);
        h->comp[i].gauge = qw_metrics_gauge(
            "qw_component_ready", "1 while the component (kafka, redis, ...) is ready", labels);
        h->ncomp++;
    }
    if (i < h->ncomp) {
        h->comp[i].ready = ready;
        qw_metric_set(h->comp[i].gauge, ready ? 1 : 0);
    }
    pthread_mutex_unlock(&h->lock);
}

void qw_http_route(qw_http_t *h, const char *prefix, qw_http_handler_fn fn, void *opaque)
{
    if (!h || h->nroute >= QW_HTTP_ROUTES) return;
    snprintf(h->route[h->nroute].prefix, sizeof(h->route[0].prefix), "%s", prefix);
    h->route[h->nroute].fn = fn;
    h->route[h->nroute].opaque = opaque;
    h->nroute++;
}
