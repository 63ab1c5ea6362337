/* qw-web's shell: options, the projection thread that follows the four topics into the core
 * model, and the libmicrohttpd server that answers the API and the pages. */
#ifndef QW_WEB_H
#define QW_WEB_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "quotawatch/clock.h"
#include "quotawatch/config.h"
#include "quotawatch/follow.h"
#include "quotawatch/http.h"
#include "quotawatch/policy.h"
#include "refdata.h"
#include "cache.h"
#include "web_jwt.h"
#include "web_model.h"

#define QW_WEB_PROXIES_MAX 16

typedef struct qw_web_proxy_s {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    int prefix; /* bits compared */
} qw_web_proxy_t;

typedef struct qw_web_s {
    qw_config_t cfg;
    const char *brokers, *prefix, *policy_path, *quotas_csv, *listen, *auth_header, *static_dir,
        *fake_now, *trusted_proxy, *http_bind, *log_level;
    int64_t http_port;
    qw_policy_t policy;
    qw_web_proxy_t proxies[QW_WEB_PROXIES_MAX];
    int nproxies;
    qw_clock_t clock;
    int64_t fake_now_ms;

    /* The projection: written by its thread, read by the server's, under lock. */
    pthread_rwlock_t lock;
    qw_refdata_t ref;
    qw_web_model_t model;
    qw_follow_t follow; /* qw.credits.v1 + qw.decisions.v1 */
    atomic_int ready;   /* caught up with everything there was at start */
    /* Bumped under the write lock whenever the projection changed the model: the response
     * cache's tag (cache.h). */
    atomic_uint_fast64_t version;
    qw_web_cache_t cache;
    atomic_int stop;
    pthread_t thread;
    int64_t invalid;

    /* Changes for the event streams: a ring the projection fills (on_change), read by the
     * stream threads under the same lock; a condition wakes them. */
    struct {
        char rep_id[QW_ID_MAX], team_id[QW_ID_MAX], period[QW_PERIOD_ID_MAX];
        uint64_t version;
    } changes[256];
    uint64_t nchanges; /* total ever appended; slot = n % 256 */
    pthread_mutex_t change_mu;
    pthread_cond_t change_cv;
    atomic_int streams;

    struct MHD_Daemon *d;
    qw_http_t *http; /* /healthz /readyz /metrics */

    /* OIDC bearer tokens (oidc.c): the key set, refetched under oidc_mu. */
    const char *oidc_issuer, *oidc_audience, *oidc_jwks, *oidc_jwks_url, *oidc_email_claim;
    qw_jwks_t jwks;
    pthread_mutex_t oidc_mu;
    int64_t oidc_fetched_s;
} qw_web_t;

int qw_web_options(qw_web_t *w, int argc, char **argv); /* 0, QW_CONFIG_HELP or 2 */
int qw_web_proxies_parse(qw_web_t *w, const char *list, char *err, size_t errlen);
int qw_web_proxy_trusted(const qw_web_t *w, const struct sockaddr *sa);
int64_t qw_web_now(const qw_web_t *w);

/* oidc.c: loads the JWKS when --oidc-jwks or --oidc-jwks-url is set (QW_ERR: errbuf). */
int qw_web_oidc_start(qw_web_t *w, char *errbuf, size_t errlen);
int qw_web_oidc_on(const qw_web_t *w);
/* The e-mail of a valid "Bearer <JWT>" Authorization value; QW_ERR with why (loggable). */
int qw_web_oidc_identify(qw_web_t *w, const char *authorization, char *email, size_t cap, char *why,
                         size_t whylen);

int qw_web_project_start(qw_web_t *w, char *err, size_t errlen); /* the projection thread */
void qw_web_project_stop(qw_web_t *w);

int qw_web_server_start(qw_web_t *w, char *err, size_t errlen);
/* sse.c: GET /api/v1/events for an identified viewer (the projection calls qw_web_sse_note). */
struct MHD_Response *qw_web_sse_open(qw_web_t *w, const char *email, int *status, char *err,
                                     size_t errlen);
/* Ends every stream (at shutdown, before the daemon stops). */
void qw_web_sse_close_all(qw_web_t *w);
void qw_web_sse_note(void *opaque, const char *rep_id, const char *team_id, const char *period,
                     uint64_t version);
void qw_web_server_stop(qw_web_t *w);

#endif
