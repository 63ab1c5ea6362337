/* The notifier service's state, shared by its shell files: options.c (the option table and
 * what is refused), intake.c (a decision record into dispatch input), process.c (a batch: sort,
 * deliver, commit), roster.c (the roster follower), loop.c (clients and the loop), dispatch.c,
 * dlq.c; main.c only sequences them. The pure parts (core/) know nothing of it. */
#ifndef QW_NOTIFIER_APP_H
#define QW_NOTIFIER_APP_H

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>

#include "channels/channel.h"
#include "delivery.h"
#include "delivery_policy.h"
#include "quotawatch/clock.h"
#include "quotawatch/config.h"
#include "quotawatch/follow.h"
#include "quotawatch/http.h"
#include "quotawatch/metrics.h"
#include "quotawatch/redis.h"
#include "roster_cache.h"
#include "route.h"
#include "sign.h"
#include "templates.h"

#define QW_NTF_MAX_ENDPOINTS 1024

/* Exit codes (CONTRIBUTING.md): 0 clean stop, 1 runtime failure (a retry may help), 2 refused
 * configuration (the message names the option; a restart will not help), 3 fenced or a fatal
 * Kafka transaction error (the notifier has no transactions: never used). */
#define QW_NTF_EXIT_OK      0
#define QW_NTF_EXIT_RUNTIME 1
#define QW_NTF_EXIT_CONFIG  2
#define QW_NTF_EXIT_FENCED  3

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
        *topic_prefix, *group, *log_level, *slack_api_url, *slack_token_file, *slack_token,
        *smtp_password_file, *http_bind;
    int64_t http_port, max_attempts, backoff_base_ms, backoff_cap_ms, slack_interval_ms,
        slack_burst, webhook_interval_ms, smtp_interval_ms, breaker_failures, breaker_cooldown_ms,
        send_timeout_ms, batch, max_age_ms;
    int smtp_starttls, smtp_insecure, smtp_allow_plaintext, allow_insecure_webhook;
    int redis_allow_volatile;
} qw_ntf_opts_t;

typedef struct qw_ntf_s {
    qw_ntf_opts_t o;
    char smtp_password[512]; /* read from --smtp-password-file */
    qw_config_t cfg;
    qw_route_cfg_t routes;
    qw_tmpl_set_t *tmpl;
    qw_roster_cache_t roster;
    qw_redis_t redis;
    qw_dlv_t dlv;
    qw_http_t *http;
    rd_kafka_t *consumer, *producer;
    qw_follow_t roster_follow; /* owns the roster consumer */
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
    /* Retry jobs claimed but not handled when Redis failed: given back first once it answers,
     * or they would wait out the claim's lease (a minute) and lose their priority order. */
    struct {
        int prio;
        char *member;
    } unclaimed[64];
    int n_unclaimed;
    /* scratch buffers for one notification (single-threaded shell) */
    char *buf_a, *buf_b, *buf_c, *buf_d;
    size_t buf_cap;
} qw_ntf_t;

/* options.c: parse argv and the environment into a->o (QW_OK, QW_CONFIG_HELP or QW_ERR with
 * the message in errbuf), then check every option's range. */
int qw_ntf_options_parse(qw_ntf_t *a, int argc, char **argv, char *errbuf, size_t errlen);
int qw_ntf_options_check(const qw_ntf_opts_t *o, char *errbuf, size_t errlen);
/* Everything else that can be refused (routes, templates, secrets, TLS rules), before any
 * connection is made. QW_ERR with the message in errbuf. */
int qw_ntf_config_load(qw_ntf_t *a, char *errbuf, size_t errlen);
/* reload.c: SIGHUP's reload of routes and templates (QW_OK, or QW_ERR: the old ones stay). */
int qw_ntf_reload(qw_ntf_t *a);

/* intake.c: a decision record into what dispatch needs (pure: no I/O). */
#define QW_NTF_ID_FALLBACK "unknown"
typedef struct qw_ntf_entry_s {
    size_t msg; /* index in the batch */
    qw_target_t t;
    int prio;
} qw_ntf_entry_t;
/* Decode a record's value as a Decision whose id is usable as a delivery key and a header
 * value (one the engine could not have built is refused whole, never cut). NULL when refused:
 * the record goes to the DLQ as it came. Free with quotawatch__v1__decision__free_unpacked. */
Quotawatch__V1__Decision *qw_ntf_intake_decode(const void *value, size_t len);
/* The targets of one decision (rep and manager from the roster), as entries of batch index
 * msg; returns how many were written (at most cap). */
size_t qw_ntf_intake_targets(const qw_route_cfg_t *routes, const qw_roster_cache_t *roster,
                             const Quotawatch__V1__Decision *d, size_t msg, qw_ntf_entry_t *out,
                             size_t cap);
/* A redriven decision (header qw.redrive.channel) goes again only to that channel: keeps the
 * entries of batch index msg whose channel is ch (ch_len bytes) and drops its others, in place;
 * returns the new count. */
size_t qw_ntf_intake_only_channel(qw_ntf_entry_t *e, size_t n, size_t msg, const char *ch,
                                  size_t ch_len);
/* The decision id a dead letter is filed under: the ce_id header as it came, else "unknown". */
void qw_ntf_intake_dlq_id(const void *id, size_t id_len, char *out, size_t cap);

/* process.c: one batch. The pure parts: priority order (reviews first, then batch order) and
 * the offsets to commit (the next offset of each partition seen). */
void qw_ntf_entries_sort(qw_ntf_entry_t *e, size_t n);
typedef struct qw_ntf_commit_s {
    const char *topic;
    int32_t partition;
    int64_t next;
} qw_ntf_commit_t;
size_t qw_ntf_commit_plan(const char *const *topics, const int32_t *parts, const int64_t *offsets,
                          size_t n, qw_ntf_commit_t *out);
/* How long the next poll of a batch may wait: -1 means do not poll (Redis is away: nothing
 * could be recorded), 0 once the batch has a record, else timeout_ms. */
int qw_ntf_batch_timeout(int redis_ok, size_t have, size_t cap, int timeout_ms);
/* Delivers (or records for retry) every notification of the batch, reviews first, then
 * commits the batch's offsets. QW_ERR only when stopping before it was all recorded (then
 * nothing is committed). */
int qw_ntf_process_batch(qw_ntf_t *a, rd_kafka_message_t **msgs, size_t n);
void qw_ntf_set_redis_ready(qw_ntf_t *a, int ok);

/* roster.c: the roster (qw.roster.v1) through qw_follow_t. Load reads it up to its end before
 * the first decision (or, when the topic does not exist, subscribes so it is read when it
 * appears); poll applies what arrived. QW_ERR on stop or a fatal client error (errbuf). */
int qw_ntf_roster_open(qw_ntf_t *a, rd_kafka_t *rk, char *errbuf, size_t errlen);
int qw_ntf_roster_load(qw_ntf_t *a, char *errbuf, size_t errlen);
int qw_ntf_roster_poll(qw_ntf_t *a, char *errbuf, size_t errlen);

/* loop.c: Redis, HTTP and the Kafka clients, then the loop; each returns an exit code. */
int qw_ntf_setup(qw_ntf_t *a);
int qw_ntf_run(qw_ntf_t *a);
void qw_ntf_teardown(qw_ntf_t *a);

/* dispatch.c: one delivery of one decision to one target. */
/* First sight of (decision, target): claim, gate, attempt. QW_OK when the outcome is recorded
 * (sent, queued, failed, or already done), QW_ERR when Redis or Kafka failed (retry later). */
int qw_ntf_deliver_new(qw_ntf_t *a, const Quotawatch__V1__Decision *d, const void *raw,
                       size_t raw_len, const qw_target_t *t);
/* Works the retry queue: due jobs, reviews first. Returns jobs handled or QW_ERR. */
int qw_ntf_retry_due(qw_ntf_t *a, int budget);
/* Frees the jobs left to give back (at shutdown: their lease returns them). */
void qw_ntf_unclaimed_free(qw_ntf_t *a);

/* dlq.c: publishes a failed notification to qw.notify-dlq.v1 and waits for the ack. */
int qw_ntf_dlq_publish(qw_ntf_t *a, const qw_dlv_job_t *job, const char *detail);

/* metrics */
void qw_ntf_count(const char *name, const char *channel, const char *reason);
/* Every label set known in advance, at 0, before anything happens (at start). */
void qw_ntf_metrics_declare(void);
#define QW_NTF_M_DECISIONS            "qw_notifier_decisions_total"
#define QW_NTF_M_DECISIONS_HELP       "Decisions consumed"
#define QW_NTF_M_ROSTER_REJECTED      "qw_notifier_roster_rejected_total"
#define QW_NTF_M_ROSTER_REJECTED_HELP "Roster records refused (not applied)"
#define QW_NTF_M_JOBS_DROPPED         "qw_notifier_retry_jobs_dropped_total"
#define QW_NTF_M_JOBS_DROPPED_HELP    "Retry queue members without a usable job record"
#define QW_NTF_M_LATENCY              "qw_notifier_delivery_latency_seconds"
#define QW_NTF_M_LATENCY_HELP         "From first handling to delivery"
uint64_t qw_ntf_rand(qw_ntf_t *a);
/* The endpoint state for a job's address (created on first use). When the table is full, the
 * least recently used idle endpoint (nothing to remember: closed breaker without failures, no
 * Retry-After, a full bucket) is reused; NULL when none is idle, with *wait_ms until asking
 * again makes sense. Endpoints never share state. */
qw_endpoint_t *qw_ntf_endpoint(qw_ntf_t *a, const qw_dlv_job_t *job, int64_t now, int64_t *wait_ms);

#endif
