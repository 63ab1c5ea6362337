/* qw-salesforce's shell: one active Change Data Capture subscriber per org. libcurl for OAuth,
 * CometD long polling and REST reads; a transactional producer whose records carry the replay
 * id, so the topic itself is where the subscriber resumes. The decisions are the pure core's
 * (core/sf_*.h). See docs/salesforce.md. */
#ifndef QW_SALESFORCE_H
#define QW_SALESFORCE_H

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <openssl/evp.h>

#include "quotawatch/config.h"
#include "quotawatch/http.h"
#include "quotawatch/metrics.h"
#include "sf_backoff.h"
#include "sf_bayeux.h"
#include "sf_replay.h"
#include "sf_token.h"

typedef struct {
    const char *brokers, *topic_prefix, *txn_id, *channel, *login_url, *auth, *client_id;
    const char *client_secret_file, *jwt_key_file, *username, *api_version;
    const char *on_expired, *initial, *log_level, *http_bind;
    int64_t http_port, poll_timeout_s, backoff_max_ms;
    int resync;
} qw_sf_opts_t;

/* OAuth settings, shared with qwctl resync (read from the same QW_SALESFORCE_* variables). */
typedef struct {
    const char *login_url, *auth, *client_id, *username;
    char secret[1024]; /* client secret (client_credentials) */
    EVP_PKEY *key;     /* private key (jwt) */
} qw_sf_auth_t;

typedef struct {
    long status;
    char *body;
    size_t len;
} qw_sf_resp_t;

typedef struct {
    qw_metric_t *events, *txns, *aborts, *handshakes, *rehandshake, *logins, *login_fail;
    qw_metric_t *expired, *gaps, *resync_ok, *resync_fail, *dups, *last_replay, *errors;
} qw_sf_metrics_t;

typedef struct qw_sf_s {
    qw_sf_opts_t o;
    qw_config_t cfg;
    qw_sf_auth_t auth;
    qw_sf_from_t on_expired, initial;
    qw_sf_token_t tok;
    char client_id[QW_SF_CLIENT_ID_MAX];
    char topic[256];
    char cometd_url[QW_SF_URL_MAX + 32];
    CURL *curl; /* one handle: its cookie engine keeps the session's cookies (BAYEUX_BROWSER) */
    rd_kafka_t *rk;
    int64_t replay;            /* the last committed replay id, or -1/-2 before any */
    int64_t advice_timeout_ms; /* the server's advice: how long it holds a long poll */
    int fresh_token; /* logged in and no long poll answered since: a 401 now is not expiry */
    qw_http_t *admin;
    qw_sf_backoff_t bo;
    qw_sf_metrics_t m;
    char errstr[QW_ERRSTR_MAX];
} qw_sf_t;

/* Options and secret files: QW_OK, QW_CONFIG_HELP or QW_ERR (exit 2). */
int qw_sf_options(qw_sf_t *s, int argc, char **argv, char *errbuf, size_t errlen);
/* Read the client secret or the private key named by a's settings. */
int qw_sf_auth_load(qw_sf_auth_t *a, const char *secret_file, const char *key_file, char *errbuf,
                    size_t errlen);
void qw_sf_auth_free(qw_sf_auth_t *a);

/* HTTP through h: POST (body != NULL) or GET; bearer adds Authorization: Bearer. */
int qw_sf_http(CURL *h, const char *url, const char *ctype, const char *body, const char *bearer,
               long timeout_s, qw_sf_resp_t *r, char *errbuf, size_t errlen);
void qw_sf_resp_free(qw_sf_resp_t *r);

/* OAuth 2.0 login (client credentials or JWT bearer) into tok. */
int qw_sf_login(CURL *h, const qw_sf_auth_t *a, qw_sf_token_t *tok, char *errbuf, size_t errlen);

/* GET the Opportunity through REST: QW_OK with r (status 200 or 404), or QW_ERR. */
int qw_sf_fetch_opportunity(CURL *h, const qw_sf_token_t *tok, const char *api_version,
                            const char *id, qw_sf_resp_t *r, char *errbuf, size_t errlen);

/* The transactional producer. */
int qw_sf_producer_start(qw_sf_t *s);
/* Read the last committed replay id back from the topic (every partition, from the end). */
int qw_sf_resume(qw_sf_t *s, int *found, int64_t *last);
/* Produce a /meta/connect reply's events (and the snapshots of their gaps) in one
 * transaction; advances s->replay once it commits. QW_OK, or QW_ERR to retry the batch. */
int qw_sf_produce_batch(qw_sf_t *s, const qw_sf_reply_t *r);

/* The subscription: login, handshake, subscribe, connect until stopped. Exit code. */
int qw_sf_run(qw_sf_t *s);

void qw_sf_metrics_init(qw_sf_t *s);

#endif
