/* The subscription: login → handshake → subscribe (from the stored replay id) → /meta/connect
 * long polls, each reply's events one transaction. 403::Unknown client and advice
 * reconnect=handshake start a new session; 401 logs in again; a replay id past the retention
 * falls back (loudly) to -2 or -1; every other failure backs off exponentially. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/http.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "salesforce.h"

typedef enum { ST_LOGIN, ST_HANDSHAKE, ST_SUBSCRIBE, ST_CONNECT } state_t;

static void pause_backoff(qw_sf_t *s, const char *why)
{
    int64_t ms = qw_sf_backoff_next(&s->bo, (uint32_t)random());
    qw_metric_add(s->m.errors, 1);
    qw_http_set_ready(s->admin, "salesforce", 0);
    qw_log(QW_LOG_WARN, "salesforce.retry", "%s; retrying in %" PRId64 " ms", why, ms);
    qw_svc_sleep_ms((int)ms);
}

/* POST one Bayeux message and parse the reply. QW_OK with r filled; QW_ERR with the state to
 * go to in *next (LOGIN on HTTP 401, else HANDSHAKE after a backoff). */
static int bayeux(qw_sf_t *s, char *msg, const char *meta, long timeout_s, qw_sf_reply_t *r,
                  state_t *next)
{
    qw_sf_resp_t resp;
    char e[QW_ERRSTR_MAX], why[QW_ERRSTR_MAX + 64];
    *next = ST_HANDSHAKE;
    if (!msg) {
        pause_backoff(s, "cannot build the Bayeux message");
        return QW_ERR;
    }
    int rc = qw_sf_http(s->curl, s->cometd_url, "application/json", msg, s->tok.access_token,
                        timeout_s, &resp, e, sizeof(e));
    free(msg);
    if (rc && qw_svc_stop) return QW_ERR; /* the poll was ended for the stop */
    if (rc) {
        snprintf(why, sizeof(why), "%s: %s", meta, e);
        pause_backoff(s, why);
        return QW_ERR;
    }
    if (resp.status == 401) {
        qw_sf_resp_free(&resp);
        *next = ST_LOGIN;
        if (s->fresh_token) { /* a token just issued is refused: wrong instance or permissions */
            snprintf(why, sizeof(why), "%s answered 401 to a new token", meta);
            pause_backoff(s, why);
        } else {
            qw_log(QW_LOG_INFO, "salesforce.token_expired", "%s answered 401: logging in again",
                   meta);
        }
        return QW_ERR;
    }
    if (resp.status != 200) {
        snprintf(why, sizeof(why), "%s answered HTTP %ld", meta, resp.status);
        qw_sf_resp_free(&resp);
        pause_backoff(s, why);
        return QW_ERR;
    }
    rc = qw_sf_reply_parse(resp.body, resp.len, meta, s->o.channel, r, e, sizeof(e));
    qw_sf_resp_free(&resp);
    if (rc) {
        snprintf(why, sizeof(why), "%s: unreadable reply: %s", meta, e);
        pause_backoff(s, why);
        return QW_ERR;
    }
    return QW_OK;
}

static state_t login(qw_sf_t *s)
{
    char e[QW_ERRSTR_MAX];
    qw_metric_add(s->m.logins, 1);
    if (qw_sf_login(s->curl, &s->auth, &s->tok, e, sizeof(e)) != QW_OK) {
        qw_metric_add(s->m.login_fail, 1);
        qw_log(QW_LOG_ERROR, "salesforce.login_failed", "%s", e);
        pause_backoff(s, "login failed");
        return ST_LOGIN;
    }
    s->fresh_token = 1;
    snprintf(s->cometd_url, sizeof(s->cometd_url), "%s/cometd/%s", s->tok.instance_url,
             s->o.api_version);
    qw_log(QW_LOG_INFO, "salesforce.login", "logged in (%s), instance %s", s->o.auth,
           s->tok.instance_url);
    return ST_HANDSHAKE;
}

/* After a refused reply: where to go. */
static state_t after(qw_sf_t *s, const qw_sf_reply_t *r, const char *meta)
{
    switch (r->next) {
    case QW_SF_NEXT_LOGIN:
        return ST_LOGIN;
    case QW_SF_NEXT_HANDSHAKE:
        qw_metric_add(s->m.rehandshake, 1);
        qw_log(QW_LOG_INFO, "salesforce.rehandshake", "%s: %s: new session", meta,
               *r->error ? r->error : "advice reconnect=handshake");
        return ST_HANDSHAKE;
    case QW_SF_NEXT_STOP:
    default: {
        char why[QW_SF_ERROR_MAX + 64];
        snprintf(why, sizeof(why), "%s refused: %s", meta, r->error);
        pause_backoff(s, why);
        return ST_HANDSHAKE;
    }
    }
}

static state_t handshake(qw_sf_t *s)
{
    /* A new session: the cookies of the last one (BAYEUX_BROWSER, the load balancer's) go. */
    curl_easy_setopt(s->curl, CURLOPT_COOKIELIST, "ALL");
    qw_sf_reply_t r;
    state_t next;
    qw_metric_add(s->m.handshakes, 1);
    if (bayeux(s, qw_sf_handshake_msg(), "/meta/handshake", 30, &r, &next)) return next;
    state_t st = ST_SUBSCRIBE;
    if (r.next != QW_SF_NEXT_OK || !*r.client_id) {
        st = r.next == QW_SF_NEXT_OK ? ST_HANDSHAKE : after(s, &r, "/meta/handshake");
        if (r.next == QW_SF_NEXT_OK) pause_backoff(s, "handshake without a clientId");
    } else {
        snprintf(s->client_id, sizeof(s->client_id), "%s", r.client_id);
        if (r.advice.timeout_ms >= 0) s->advice_timeout_ms = r.advice.timeout_ms;
    }
    qw_sf_reply_free(&r);
    return st;
}

static state_t subscribe(qw_sf_t *s)
{
    qw_sf_reply_t r;
    state_t next;
    char *msg = qw_sf_subscribe_msg(s->client_id, s->o.channel, s->replay);
    if (bayeux(s, msg, "/meta/subscribe", 30, &r, &next)) return next;
    state_t st = ST_CONNECT;
    if (r.next == QW_SF_NEXT_REPLAY_EXPIRED) {
        int64_t to = qw_sf_from_replay(s->on_expired);
        qw_metric_add(s->m.expired, 1);
        qw_log(QW_LOG_ERROR, "salesforce.replay_expired",
               "REPLAY ID %" PRId64
               " IS PAST SALESFORCE'S RETENTION (%s); resubscribing from %" PRId64 " (%s)%s",
               s->replay, r.error, to, s->o.on_expired,
               to == -1 ? ": EVENTS SINCE THE LAST COMMITTED ONE ARE LOST, resync the deals"
                        : ": every retained event again; the ledger drops what it already has");
        s->replay = to;
        st = ST_SUBSCRIBE;
    } else if (r.next != QW_SF_NEXT_OK) {
        st = after(s, &r, "/meta/subscribe");
    } else {
        qw_log(QW_LOG_INFO, "salesforce.subscribed", "%s from replay id %" PRId64, s->o.channel,
               s->replay);
    }
    qw_sf_reply_free(&r);
    return st;
}

static state_t connect_once(qw_sf_t *s)
{
    qw_sf_reply_t r;
    state_t next;
    /* Wait at least as long as the server says it holds a poll (advice.timeout), plus slack. */
    int64_t wait_s = s->advice_timeout_ms / 1000 + 15;
    if (wait_s < s->o.poll_timeout_s) wait_s = s->o.poll_timeout_s;
    if (wait_s > 600) wait_s = 600;
    if (bayeux(s, qw_sf_connect_msg(s->client_id), "/meta/connect", (long)wait_s, &r, &next))
        return next;
    if (r.advice.timeout_ms >= 0) s->advice_timeout_ms = r.advice.timeout_ms;
    state_t st = ST_CONNECT;
    /* Events that came with the reply are kept even when the reply also says to reconnect. */
    while (r.nevents && qw_sf_produce_batch(s, &r) != QW_OK && !qw_svc_stop) {
        qw_log(QW_LOG_WARN, "salesforce.batch_retry", "%s; producing the batch again", s->errstr);
        qw_http_set_ready(s->admin, "kafka", 0);
        qw_svc_sleep_ms(500);
    }
    if (r.next != QW_SF_NEXT_OK) {
        st = after(s, &r, "/meta/connect");
    } else {
        qw_http_set_ready(s->admin, "salesforce", 1);
        qw_sf_backoff_reset(&s->bo);
        s->fresh_token = 0;
        if (r.advice.interval_ms > 0) qw_svc_sleep_ms((int)r.advice.interval_ms);
    }
    qw_sf_reply_free(&r);
    return st;
}

int qw_sf_run(qw_sf_t *s)
{
    s->curl = curl_easy_init();
    if (!s->curl) return 1;
    curl_easy_setopt(s->curl, CURLOPT_COOKIEFILE, ""); /* the cookie engine, in memory */
    qw_sf_backoff_init(&s->bo, 500, s->o.backoff_max_ms);
    state_t st = ST_LOGIN;
    while (!qw_svc_stop) {
        switch (st) {
        case ST_LOGIN:
            st = login(s);
            break;
        case ST_HANDSHAKE:
            st = handshake(s);
            break;
        case ST_SUBSCRIBE:
            st = subscribe(s);
            break;
        case ST_CONNECT:
            st = connect_once(s);
            break;
        }
    }
    if (st == ST_CONNECT) { /* polite: tell the server the client goes */
        qw_sf_resp_t resp;
        char e[QW_ERRSTR_MAX], *msg = qw_sf_disconnect_msg(s->client_id);
        if (msg && qw_sf_http(s->curl, s->cometd_url, "application/json", msg, s->tok.access_token,
                              5, &resp, e, sizeof(e)) == QW_OK)
            qw_sf_resp_free(&resp);
        free(msg);
    }
    curl_easy_cleanup(s->curl);
    s->curl = NULL;
    return 0;
}
