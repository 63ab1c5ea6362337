/* The webhook listener. A request is judged by the pure core once its body is in; an accepted
 * one is produced and its connection suspended until the delivery report resumes it, so no
 * thread blocks on Kafka and the answer says what the broker said. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "gateway.h"
#include "quotawatch/clock.h"
#include "quotawatch/file.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"

enum { RQ_HEAD, RQ_BODY, RQ_PRODUCING, RQ_DELIVERED };

typedef struct {
    qw_gw_t *g;
    struct MHD_Connection *c;
    int state, too_large, answered;
    char uri[QW_GW_URI_MAX];
    char *body;
    size_t len, cap;
    qw_gw_outcome_t out;
    rd_kafka_resp_err_t err;
    int64_t t0_ns, received_ms;
} qw_gw_rq_t;

static atomic_int open_requests;

static int64_t now_ms(void)
{
    return qw_clock_now(&qw_clock_system);
}

/* MHD hands the handler a decoded path; HubSpot signs the URI as sent, so it is kept here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    qw_gw_rq_t *rq = calloc(1, sizeof(*rq));
    if (!rq) return NULL;
    rq->g = cls;
    rq->c = c;
    rq->t0_ns = qw_clock_mono_ns();
    rq->received_ms = now_ms();
    size_t n = strlen(uri);
    if (n < sizeof(rq->uri)) memcpy(rq->uri, uri, n + 1);
    atomic_fetch_add(&open_requests, 1);
    return rq;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    qw_gw_rq_t *rq = *con_cls;
    if (!rq) return;
    /* The sender hung up before its answer. If the record was stored it will come again on
     * the sender's retry (at least once; the ledger's version check makes that harmless). */
    if (!rq->answered && rq->state != RQ_HEAD)
        qw_gw_count(rq->g, (int)rq->out.src,
                    rq->state == RQ_DELIVERED && !rq->err ? "stored_sender_gone" : "sender_gone");
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&open_requests, 1);
}

static const char *header(void *opaque, const char *name)
{
    return MHD_lookup_connection_value(opaque, MHD_HEADER_KIND, name);
}

static enum MHD_Result answer(qw_gw_rq_t *rq, int status, const char *reason, int retry_after)
{
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"status\":%d,\"reason\":\"%s\"}\n", status, reason);
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    qw_gw_count(rq->g, rq->out.status == 404 ? QW_GW_SOURCES : (int)rq->out.src, reason);
    rq->answered = 1;
    enum MHD_Result ret = MHD_queue_response(rq->c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static int64_t content_length(struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (!v) return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    return end != v && *end == '\0' && n >= 0 ? (int64_t)n : -1;
}

static void take(qw_gw_rq_t *rq, const char *data, size_t n)
{
    size_t max = rq->g->auth.max_body;
    if (rq->too_large || n > max - rq->len) {
        rq->too_large = 1; /* keep reading (and dropping) so the 413 reaches the sender */
        return;
    }
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 4096;
        while (cap < rq->len + n)
            cap *= 2;
        if (cap > max) cap = max;
        char *b = realloc(rq->body, cap);
        if (!b) {
            rq->too_large = 1;
            return;
        }
        rq->body = b;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
}

void qw_gw_delivered(void *opaque, rd_kafka_resp_err_t err)
{
    qw_gw_rq_t *rq = opaque;
    qw_gw_t *g = rq->g;
    rq->err = err;
    rq->state = RQ_DELIVERED;
    if (!err) qw_kafka_mark_ok();
    atomic_fetch_sub(&g->inflight, 1);
    /* Last touch of rq here: once resumed, MHD may complete and free it at any moment. */
    MHD_resume_connection(rq->c);
}

static enum MHD_Result delivered(qw_gw_rq_t *rq)
{
    qw_gw_t *g = rq->g;
    if (rq->err) {
        qw_log(QW_LOG_WARN, "gateway.not_stored", "%s request not stored: %s (answered 503)",
               qw_gw_source_name(rq->out.src), rd_kafka_err2str(rq->err));
        return answer(rq, 503, "kafka", (int)g->o.retry_after_s);
    }
    qw_metric_observe_us(g->latency[rq->out.src], (qw_clock_mono_ns() - rq->t0_ns) / 1000);
    qw_metric_add(g->bytes[rq->out.src], (int64_t)rq->len);
    return answer(rq, 200, "accepted", 0);
}

static enum MHD_Result produce(qw_gw_rq_t *rq)
{
    qw_gw_t *g = rq->g;
    int64_t retry = 0;
    pthread_mutex_lock(&g->rate_lock);
    int ok = qw_gw_rate_take(&g->rate[rq->out.src], now_ms(), &retry);
    pthread_mutex_unlock(&g->rate_lock);
    if (!ok) return answer(rq, 429, "rate_limited", (int)retry);
    if (!qw_kafka_is_ok()) return answer(rq, 503, "kafka", (int)g->o.retry_after_s);
    rq->state = RQ_PRODUCING;
    atomic_fetch_add(&g->inflight, 1);
    MHD_suspend_connection(rq->c);
    rd_kafka_resp_err_t e =
        qw_gw_produce(g, &rq->out, rq->body ? rq->body : "", rq->len, rq->received_ms, rq);
    if (e) { /* queue full or unknown topic: no report will come */
        atomic_fetch_sub(&g->inflight, 1);
        rq->state = RQ_DELIVERED;
        rq->err = e;
        MHD_resume_connection(rq->c);
    }
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    qw_gw_rq_t *rq = *con_cls;
    if (!rq) return MHD_NO;
    switch (rq->state) {
    case RQ_HEAD:
        if (atomic_load(&rq->g->draining)) {
            qw_gw_judge_head(&rq->g->auth, method, rq->uri, -1, &rq->out);
            return answer(rq, 503, "shutting_down", (int)rq->g->o.retry_after_s);
        }
        if (!rq->uri[0]) {
            rq->out.status = 404;
            return answer(rq, 414, "not_found", 0);
        }
        qw_gw_judge_head(&rq->g->auth, method, rq->uri, content_length(c), &rq->out);
        if (rq->out.status) return answer(rq, rq->out.status, rq->out.reason, 0);
        rq->state = RQ_BODY;
        return MHD_YES;
    case RQ_BODY:
        if (*upload_size) {
            take(rq, upload, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        if (rq->too_large) return answer(rq, 413, "too_large", 0);
        qw_gw_req_t r = {method, rq->uri, rq->body ? rq->body : "", rq->len, header, c, now_ms()};
        qw_gw_judge(&rq->g->auth, &r, &rq->out);
        if (rq->out.status) return answer(rq, rq->out.status, rq->out.reason, 0);
        return produce(rq);
    case RQ_DELIVERED:
        return delivered(rq);
    default: /* RQ_PRODUCING: suspended; not called */
        return MHD_YES;
    }
}

static int tls_load(qw_gw_t *g, char **cert, char **key, char *errbuf, size_t errlen)
{
    char err[QW_ERRSTR_MAX];
    size_t n;
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
        return qw_err_set(errbuf, errlen, "this libmicrohttpd has no TLS: use a TLS proxy");
    *cert = qw_file_read(g->o.tls_cert_file, 1 << 20, &n, err, sizeof(err));
    if (!*cert) return qw_err_set(errbuf, errlen, "--tls-cert-file: %s", err);
    *key = qw_file_read(g->o.tls_key_file, 1 << 20, &n, err, sizeof(err));
    if (!*key) return qw_err_set(errbuf, errlen, "--tls-key-file: %s", err);
    return QW_OK;
}

int qw_gw_server_start(qw_gw_t *g, char *errbuf, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (inet_pton(AF_INET, g->o.bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)g->o.port);
    } else {
        inet_pton(AF_INET6, g->o.bind, &v6->sin6_addr); /* checked by the options */
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)g->o.port);
        flags |= MHD_USE_IPv6;
    }
    char *cert = NULL, *key = NULL;
    if (g->o.tls_cert_file) {
        if (tls_load(g, &cert, &key, errbuf, errlen)) {
            free(cert);
            return QW_ERR;
        }
        flags |= MHD_USE_TLS;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (unsigned)ncpu;
    struct MHD_OptionItem tls[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    g->d =
        MHD_start_daemon(flags, (uint16_t)g->o.port, NULL, NULL, handle, g, MHD_OPTION_SOCK_ADDR,
                         &ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, g, MHD_OPTION_NOTIFY_COMPLETED,
                         on_done, g, MHD_OPTION_THREAD_POOL_SIZE, threads,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)g->o.max_conns, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (key) memset(key, 0, strlen(key));
    free(cert);
    free(key);
    if (!g->d)
        return qw_err_set(errbuf, errlen,
                          "cannot listen on %s port %lld (in use? set --port; not an address of "
                          "this host? set --bind; bad certificate or key?)",
                          g->o.bind, (long long)g->o.port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(g->d, MHD_DAEMON_INFO_BIND_PORT);
    qw_log(QW_LOG_INFO, "gateway.listening", "webhooks on %s%s port %u", g->o.bind,
           cert ? " (https)" : "", info ? info->port : (unsigned)g->o.port);
    return QW_OK;
}

void qw_gw_server_stop(qw_gw_t *g)
{
    if (!g->d) return;
    atomic_store(&g->draining, 1);
    MHD_socket s = MHD_quiesce_daemon(g->d); /* no new connections from here on */
    if (s != MHD_INVALID_SOCKET) close(s);
    /* Every started request gets its answer: produced ones wait for their report. */
    int64_t until = qw_clock_mono_ns() + (g->o.timeout_ms + 35000) * 1000000;
    while (atomic_load(&open_requests) > 0 && qw_clock_mono_ns() < until)
        usleep(10000);
    usleep(50000); /* let the last answers leave their sockets */
    MHD_stop_daemon(g->d);
    g->d = NULL;
}
