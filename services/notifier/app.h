/* The notifier service's state, shared by its shell files (main.c, dispatch.c, dlq.c,
 * intake.c). The pure parts (route, render, templates, sign, mail, delivery_policy) know
 * nothing of it. */
#ifndef QW_NOTIFIER_APP_H
#define QW_NOTIFIER_APP_H

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>

#include "channels/channel.h"
#include "delivery.h"
#include "delivery_policy.h"
#include "quotawatch/clock.h"
#include "quotawatch/config.h"
#include "quotawatch/http.h"
#include "quotawatch/metrics.h"
#include "quotawatch/redis.h"
#include "roster_cache.h"
#include "route.h"
#include "sign.h"
#include "templates.h"

#define QW_NTF_MAX_ENDPOINTS 1024

/* Per endpoint (a webhook URL, or the SMTP server): rate limit, breaker, Retry-After. */
typedef struct qw_endpoint_s {
    char key[QW_ROUTE_ADDR_MAX];
    qw_bucket_t bucket;
    qw_breaker_t breaker;
    int64_t not_before_ms; /* set by a 429's Retry-After: nothing goes before */
    int64_t used_ms;       /* last looked up: the table evicts the least recently used */
} qw_endpoint_t;

typedef struct qw_ntf_opts_s {
    const char *brokers, *redis_url, *routes, *templates, *webhook_url, *webhook_secret_file,
        *webhook_secret, *smtp_url, *smtp_from, *smtp_user, *smtp_password, *smtp_cacert,
        *topic_prefix, *group, *log_level, *slack_api_url, *slack_token_file, *slack_token;
    int64_t http_port, max_attempts, backoff_base_ms, backoff_cap_ms, slack_interval_ms,
        slack_burst, webhook_interval_ms, smtp_interval_ms, breaker_failures, breaker_cooldown_ms,
        send_timeout_ms, batch, max_age_ms;
    int smtp_starttls, smtp_insecure, smtp_allow_plaintext, allow_insecure_webhook;
} qw_ntf_opts_t;

typedef struct qw_ntf_s {
    qw_ntf_opts_t o;
    qw_config_t cfg;
    qw_route_cfg_t routes;
    qw_tmpl_set_t *tmpl;
    qw_roster_cache_t roster;
    qw_redis_t redis;
    qw_dlv_t dlv;
    qw_http_t *http;
    rd_kafka_t *consumer, *roster_rk, *producer;
    char topic_decisions[256], topic_roster[256], topic_dlq[256];
    CURL *curl;
    qw_sign_key_t key;
    int have_key;
    char slack_token[256]; /* bot token for chat.postMessage; "" when none; never logged */
    qw_backoff_t backoff;
    qw_endpoint_t *endpoints;
    size_t n_endpoints;
    const qw_clock_t *clock;
    uint64_t rng;
    int redis_ok;
    /* scratch buffers for one notification (single-threaded shell) */
    char *buf_a, *buf_b, *buf_c, *buf_d;
    size_t buf_cap;
} qw_ntf_t;

/* dispatch.c: one delivery of one decision to one target. */
/* First sight of (decision, target): claim, gate, attempt. QW_OK when the outcome is recorded
 * (sent, queued, failed, or already done), QW_ERR when Redis or Kafka failed (retry later). */
int qw_ntf_deliver_new(qw_ntf_t *a, const Quotawatch__V1__Decision *d, const void *raw,
                       size_t raw_len, const qw_target_t *t);
/* Works the retry queue: due jobs, reviews first. Returns jobs handled or QW_ERR. */
int qw_ntf_retry_due(qw_ntf_t *a, int budget);

/* dlq.c: publishes a failed notification to qw.notify-dlq.v1 and waits for the ack. */
int qw_ntf_dlq_publish(qw_ntf_t *a, const qw_dlv_job_t *job, const char *detail);

/* metrics */
void qw_ntf_count(const char *name, const char *channel, const char *reason);
uint64_t qw_ntf_rand(qw_ntf_t *a);
/* The endpoint state for a job's address (created on first use). When the table is full, the
 * least recently used idle endpoint (nothing to remember: closed breaker without failures, no
 * Retry-After, a full bucket) is reused; NULL when none is idle, with *wait_ms until asking
 * again makes sense. Endpoints never share state. */
qw_endpoint_t *qw_ntf_endpoint(qw_ntf_t *a, const qw_dlv_job_t *job, int64_t now, int64_t *wait_ms);

#endif
