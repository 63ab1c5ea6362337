/* Server-Sent Events (GET /api/v1/events): the pages re-fetch what an update concerns. Each
 * stream runs on its own connection thread (the daemon is thread-per-connection), waits on a
 * condition the projection signals, and sends only the changes its viewer may see: a rep hears
 * of their own numbers, a manager of their reports, sales ops of everyone — never of people
 * outside their view. A keepalive comment every 15 s; at most 256 streams. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"
#include "web_authz.h"

#define STREAMS_MAX 256
#define RING        256

typedef struct {
    qw_web_t *w;
    char email[QW_EMAIL_MAX];
    uint64_t seen; /* changes[] entries sent or skipped */
    int hello;
    char out[2048];
    size_t out_len, out_off;
} stream_t;

void qw_web_sse_note(void *opaque, const char *rep_id, const char *team_id, const char *period,
                     uint64_t version)
{
    qw_web_t *w = opaque;
    pthread_mutex_lock(&w->change_mu);
    size_t i = (size_t)(w->nchanges % RING);
    snprintf(w->changes[i].rep_id, sizeof(w->changes[i].rep_id), "%s", rep_id);
    snprintf(w->changes[i].team_id, sizeof(w->changes[i].team_id), "%s", team_id);
    snprintf(w->changes[i].period, sizeof(w->changes[i].period), "%s", period);
    w->changes[i].version = version;
    w->nchanges++;
    pthread_cond_broadcast(&w->change_cv);
    pthread_mutex_unlock(&w->change_mu);
}

/* JSON string content of an id: ids are validated UTF-8 without controls; only " and \ need it. */
static void put_escaped(char *out, size_t cap, size_t *len, const char *s)
{
    for (; *s && *len + 3 < cap; s++) {
        if (*s == '"' || *s == '\\') out[(*len)++] = '\\';
        out[(*len)++] = *s;
    }
}

/* The changes after s->seen that the viewer may see, as events into s->out. Under the read
 * lock (the viewer is rebuilt each time: the roster may have changed). */
static void collect(stream_t *s)
{
    qw_web_t *w = s->w;
    s->out_len = s->out_off = 0;
    pthread_rwlock_rdlock(&w->lock);
    pthread_mutex_lock(&w->change_mu);
    uint64_t n = w->nchanges;
    if (n - s->seen > RING) s->seen = n - RING; /* fell behind: older changes are gone */
    qw_web_viewer_t v;
    char why[128];
    int ok = qw_web_viewer_init(&v, &w->model, s->email, why, sizeof(why)) == QW_OK;
    if (!s->hello) {
        s->out_len =
            (size_t)snprintf(s->out, sizeof(s->out), "event: hello\ndata: {\"version\":%llu}\n\n",
                             (unsigned long long)qw_web_model_version(&w->model));
        s->hello = 1;
    }
    for (; ok && s->seen < n && s->out_len + 600 < sizeof(s->out); s->seen++) {
        const char *rep = w->changes[s->seen % RING].rep_id;
        const char *team = w->changes[s->seen % RING].team_id;
        int may =
            rep[0] ? qw_web_authz_rep(&w->model, &v, rep, why, sizeof(why)) == QW_WEB_ALLOW : 0;
        if (!may && team[0]) {
            qw_web_team_scope_t sc;
            may = qw_web_authz_team(&w->model, &v, team, &sc, why, sizeof(why)) == QW_WEB_ALLOW;
        }
        if (!rep[0] && !team[0]) may = 1; /* a roster change: no names in it */
        if (!may) continue;
        size_t l = s->out_len;
        l +=
            (size_t)snprintf(s->out + l, sizeof(s->out) - l, "event: update\ndata: {\"rep_id\":\"");
        put_escaped(s->out, sizeof(s->out), &l, rep);
        l += (size_t)snprintf(s->out + l, sizeof(s->out) - l, "\",\"team_id\":\"");
        put_escaped(s->out, sizeof(s->out), &l, team);
        l += (size_t)snprintf(s->out + l, sizeof(s->out) - l,
                              "\",\"period\":\"%s\",\"version\":%llu}\n\n",
                              w->changes[s->seen % RING].period,
                              (unsigned long long)w->changes[s->seen % RING].version);
        s->out_len = l < sizeof(s->out) ? l : sizeof(s->out) - 1;
    }
    if (!ok) s->seen = n;
    pthread_mutex_unlock(&w->change_mu);
    if (ok) qw_web_viewer_free(&v);
    pthread_rwlock_unlock(&w->lock);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_t *s = cls;
    qw_web_t *w = s->w;
    if (s->out_off == s->out_len) {
        collect(s);
        if (s->out_len == 0) {
            /* Nothing to say: wait for a change, up to the keepalive. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 15;
            pthread_mutex_lock(&w->change_mu);
            while (w->nchanges == s->seen && !atomic_load(&w->stop))
                if (pthread_cond_timedwait(&w->change_cv, &w->change_mu, &until) != 0) break;
            int changed = w->nchanges != s->seen;
            pthread_mutex_unlock(&w->change_mu);
            if (atomic_load(&w->stop)) return MHD_CONTENT_READER_END_OF_STREAM;
            if (changed) collect(s);
            if (s->out_len == 0) {
                s->out_len = (size_t)snprintf(s->out, sizeof(s->out), ": keepalive\n\n");
            }
        }
    }
    size_t n = s->out_len - s->out_off;
    if (n > max) n = max;
    memcpy(buf, s->out + s->out_off, n);
    s->out_off += n;
    return (ssize_t)n;
}

static void done(void *cls)
{
    stream_t *s = cls;
    atomic_fetch_sub(&s->w->streams, 1);
    free(s);
}

struct MHD_Response *qw_web_sse_open(qw_web_t *w, const char *email, int *status, char *err,
                                     size_t errlen)
{
    char why[128];
    pthread_rwlock_rdlock(&w->lock);
    qw_web_viewer_t v;
    int rc = email && *email ? qw_web_viewer_init(&v, &w->model, email, why, sizeof(why)) : -2;
    if (rc != -2) qw_web_viewer_free(&v);
    pthread_rwlock_unlock(&w->lock);
    if (rc == -2) {
        *status = 401;
        snprintf(err, errlen, "no identity: log in through the SSO proxy");
        return NULL;
    }
    if (rc != QW_OK) {
        *status = 403;
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    if (atomic_fetch_add(&w->streams, 1) >= STREAMS_MAX) {
        atomic_fetch_sub(&w->streams, 1);
        *status = 503;
        snprintf(err, errlen, "too many event streams: the page falls back to reloading");
        return NULL;
    }
    stream_t *s = calloc(1, sizeof(*s));
    if (!s) {
        atomic_fetch_sub(&w->streams, 1);
        *status = 503;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->w = w;
    snprintf(s->email, sizeof(s->email), "%s", email);
    pthread_mutex_lock(&w->change_mu);
    s->seen = w->nchanges; /* from now on */
    pthread_mutex_unlock(&w->change_mu);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 2048, reader, s, done);
    if (!r) {
        done(s);
        *status = 503;
        snprintf(err, errlen, "cannot open the stream");
        return NULL;
    }
    *status = 200;
    return r;
}

void qw_web_sse_close_all(qw_web_t *w)
{
    atomic_store(&w->stop, 1);
    pthread_mutex_lock(&w->change_mu);
    pthread_cond_broadcast(&w->change_cv);
    pthread_mutex_unlock(&w->change_mu);
}
