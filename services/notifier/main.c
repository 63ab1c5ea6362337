/* qw-notifier: decisions (qw.decisions.v1) -> routed, rendered, delivered notifications.
 * Offsets are committed only after every notification of a decision is recorded in Redis
 * (sent, queued for retry, or dead-lettered), so a crash loses nothing. */
#include "app.h"

#include "mail.h"
#include "quotawatch/id.h"
#include "secure.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QW_NTF_EXIT_CONFIG 2 /* refused configuration (routing privacy, templates, options) */

void qw_ntf_dlq_conf(rd_kafka_conf_t *conf);

static qw_ntf_t app;

static const char *default_templates(void)
{
    /* Development default: the templates beside this source file. Deployments pass
     * --templates. */
    static char dir[1024];
    const char *f = __FILE__;
    const char *slash = strrchr(f, '/');
    snprintf(dir, sizeof(dir), "%.*s/templates", slash ? (int)(slash - f) : 1, slash ? f : ".");
    return dir;
}

static int parse_options(qw_ntf_t *a, int argc, char **argv)
{
    qw_ntf_opts_t *o = &a->o;
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &o->brokers, 0},
        {"redis", "QW_REDIS_URL", QW_OPT_STR, "redis://127.0.0.1:6379", "Redis URL", &o->redis_url,
         0},
        {"routes", "QW_NOTIFIER_ROUTES", QW_OPT_STR, NULL,
         "Routing file (YAML); see deploy/notifier.example.yaml", &o->routes, 0},
        {"templates", "QW_NOTIFIER_TEMPLATES", QW_OPT_STR, default_templates(),
         "Template directory", &o->templates, 0},
        {"webhook-url", "QW_WEBHOOK_URL", QW_OPT_STR, NULL,
         "Generic webhook: every decision as a signed CloudEvent", &o->webhook_url, 0},
        {"webhook-secret-file", "QW_WEBHOOK_SECRET_FILE", QW_OPT_STR, NULL,
         "File holding the webhook signing secret (whsec_...)", &o->webhook_secret_file, 0},
        {"webhook-secret", "QW_WEBHOOK_SECRET", QW_OPT_STR, NULL,
         "Webhook signing secret (whsec_...)", &o->webhook_secret, 1},
        {"allow-insecure-webhook", "QW_ALLOW_INSECURE_WEBHOOK", QW_OPT_BOOL, "false",
         "Allow an unsigned --webhook-url and webhooks over http:// to non-loopback hosts",
         &o->allow_insecure_webhook, 0},
        {"smtp-url", "QW_SMTP_URL", QW_OPT_STR, NULL,
         "SMTP server, smtp://host:port or smtps://host:port", &o->smtp_url, 0},
        {"smtp-from", "QW_SMTP_FROM", QW_OPT_STR, "quotawatch@localhost", "Sender address",
         &o->smtp_from, 0},
        {"smtp-user", "QW_SMTP_USER", QW_OPT_STR, NULL,
         "SMTP login (password from QW_SMTP_PASSWORD)", &o->smtp_user, 0},
        {"smtp-password", "QW_SMTP_PASSWORD", QW_OPT_STR, NULL, "SMTP password", &o->smtp_password,
         1},
        {"smtp-starttls", "QW_SMTP_STARTTLS", QW_OPT_BOOL, "true",
         "Accepted for compatibility: smtp:// always requires STARTTLS unless "
         "--smtp-allow-plaintext",
         &o->smtp_starttls, 0},
        {"smtp-allow-plaintext", "QW_SMTP_ALLOW_PLAINTEXT", QW_OPT_BOOL, "false",
         "smtp:// without STARTTLS required (used when offered); refused with --smtp-user",
         &o->smtp_allow_plaintext, 0},
        {"smtp-cacert", "QW_SMTP_CACERT", QW_OPT_STR, NULL,
         "CA bundle to verify the SMTP server with (default: the system's)", &o->smtp_cacert, 0},
        {"smtp-insecure", "QW_SMTP_INSECURE", QW_OPT_BOOL, "false",
         "Do not verify the SMTP certificate (tests only)", &o->smtp_insecure, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "9103",
         "Port of /healthz, /readyz, /metrics (0: any)", &o->http_port, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "",
         "Prefix of every topic name and Redis key", &o->topic_prefix, 0},
        {"group", "QW_NOTIFIER_GROUP", QW_OPT_STR, "qw-notifier", "Kafka consumer group", &o->group,
         0},
        {"max-attempts", "QW_NOTIFIER_MAX_ATTEMPTS", QW_OPT_INT, "8",
         "Attempts per notification before the DLQ", &o->max_attempts, 0},
        {"max-age-ms", "QW_NOTIFIER_MAX_AGE_MS", QW_OPT_INT, "86400000",
         "A notification still failing this long after it was first handled is dead-lettered",
         &o->max_age_ms, 0},
        {"backoff-base-ms", "QW_NOTIFIER_BACKOFF_BASE_MS", QW_OPT_INT, "1000",
         "First retry delay (doubles, with jitter)", &o->backoff_base_ms, 0},
        {"backoff-cap-ms", "QW_NOTIFIER_BACKOFF_CAP_MS", QW_OPT_INT, "300000",
         "Longest retry delay", &o->backoff_cap_ms, 0},
        {"slack-interval-ms", "QW_NOTIFIER_SLACK_INTERVAL_MS", QW_OPT_INT, "1000",
         "Per Slack webhook or DM: one message per interval", &o->slack_interval_ms, 0},
        {"slack-burst", "QW_NOTIFIER_SLACK_BURST", QW_OPT_INT, "1",
         "Per Slack webhook or DM: burst", &o->slack_burst, 0},
        {"slack-token-file", "QW_SLACK_BOT_TOKEN_FILE", QW_OPT_STR, NULL,
         "File holding a Slack bot token (xoxb-..., scope chat:write): DMs by roster Slack id",
         &o->slack_token_file, 0},
        {"slack-token", "QW_SLACK_BOT_TOKEN", QW_OPT_STR, NULL, "Slack bot token (xoxb-...)",
         &o->slack_token, 1},
        {"slack-api-url", "QW_SLACK_API_URL", QW_OPT_STR, "https://slack.com/api",
         "Slack Web API base URL", &o->slack_api_url, 0},
        {"webhook-interval-ms", "QW_NOTIFIER_WEBHOOK_INTERVAL_MS", QW_OPT_INT, "50",
         "Per webhook endpoint: one message per interval", &o->webhook_interval_ms, 0},
        {"smtp-interval-ms", "QW_NOTIFIER_SMTP_INTERVAL_MS", QW_OPT_INT, "100",
         "SMTP server: one message per interval", &o->smtp_interval_ms, 0},
        {"breaker-failures", "QW_NOTIFIER_BREAKER_FAILURES", QW_OPT_INT, "5",
         "Consecutive failures that open an endpoint's circuit", &o->breaker_failures, 0},
        {"breaker-cooldown-ms", "QW_NOTIFIER_BREAKER_COOLDOWN_MS", QW_OPT_INT, "30000",
         "Open circuit: wait before one probe", &o->breaker_cooldown_ms, 0},
        {"send-timeout-ms", "QW_NOTIFIER_SEND_TIMEOUT_MS", QW_OPT_INT, "5000",
         "Timeout of one HTTP request", &o->send_timeout_ms, 0},
        {"batch", "QW_NOTIFIER_BATCH", QW_OPT_INT, "200",
         "Decisions per batch (sorted by priority within)", &o->batch, 0},
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn, error", &o->log_level,
         0},
        {NULL, NULL, 0, NULL, NULL, NULL, 0},
    };
    int rc = qw_config_parse(&a->cfg, "qw-notifier",
                             "Routes quotawatch decisions to Slack, e-mail and signed webhooks.",
                             opts, argc, argv);
    if (rc == QW_CONFIG_HELP) exit(0);
    if (rc != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", a->cfg.errstr);
        return QW_ERR;
    }
    if (a->cfg.nargs > 0) {
        /* A stray word would silently end option parsing: everything after it lost. */
        fprintf(stderr,
                "qw-notifier: unexpected argument \"%s\" (flags take --name=value or "
                "--name value; booleans are --name or --name=false)\n",
                a->cfg.args[0]);
        return QW_ERR;
    }
    return QW_OK;
}

/* Everything that can be refused is checked before any connection is made. */
static int load_config(qw_ntf_t *a)
{
    char err[QW_ERRSTR_MAX];
    qw_route_cfg_init(&a->routes);
    if (a->o.routes && *a->o.routes &&
        qw_route_load_file(&a->routes, a->o.routes, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: routing configuration refused: %s\n", err);
        qw_log(QW_LOG_ERROR, "config.refused", "routing configuration refused: %s", err);
        return QW_ERR;
    }
    if (a->o.webhook_url && *a->o.webhook_url)
        snprintf(a->routes.webhook_url, sizeof(a->routes.webhook_url), "%s", a->o.webhook_url);
    if (a->routes.n_routes == 0 && !a->routes.webhook_url[0]) {
        fprintf(stderr, "qw-notifier: nothing to deliver to: give --routes or --webhook-url\n");
        return QW_ERR;
    }
    a->tmpl = calloc(1, sizeof(*a->tmpl));
    if (!a->tmpl) return QW_ERR;
    qw_tmpl_init(a->tmpl);
    if (qw_tmpl_load_dir(a->tmpl, a->o.templates, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: templates refused: %s\n", err);
        return QW_ERR;
    }
    char secret[512] = "";
    if (a->o.webhook_secret_file && *a->o.webhook_secret_file) {
        if (qw_config_read_secret(a->o.webhook_secret_file, secret, sizeof(secret), err,
                                  sizeof(err)) != QW_OK) {
            fprintf(stderr, "qw-notifier: %s\n", err);
            return QW_ERR;
        }
    } else if (a->o.webhook_secret) {
        snprintf(secret, sizeof(secret), "%s", a->o.webhook_secret);
    }
    if (secret[0]) {
        if (qw_sign_key_parse(&a->key, secret, strlen(secret), err, sizeof(err)) != QW_OK) {
            fprintf(stderr, "qw-notifier: %s\n", err);
            return QW_ERR;
        }
        a->have_key = 1;
    }
    memset(secret, 0, sizeof(secret));
    /* Nothing in clear, nothing unsigned, unless the operator said so (docs/security.md). */
    qw_secure_in_t sin = {.smtp_url = a->o.smtp_url,
                          .smtp_user = a->o.smtp_user,
                          .smtp_password = a->o.smtp_password,
                          .smtp_allow_plaintext = a->o.smtp_allow_plaintext,
                          .webhook_url = a->routes.webhook_url,
                          .hr_webhook = a->routes.hr_webhook,
                          .have_secret = a->have_key,
                          .allow_insecure_webhook = a->o.allow_insecure_webhook};
    qw_secure_out_t sout;
    char serr[512];
    if (qw_secure_check(&sin, &sout, serr, sizeof(serr)) != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", serr);
        return QW_ERR;
    }
    if (!a->o.smtp_starttls && sout.smtp_require_tls)
        qw_log(QW_LOG_WARN, "config.starttls",
               "--smtp-starttls=false is ignored: smtp:// requires STARTTLS unless "
               "--smtp-allow-plaintext");
    /* From here on smtp_starttls is what the SMTP channel enforces (CURLUSESSL_ALL). */
    a->o.smtp_starttls = sout.smtp_require_tls;
    if (sout.webhook_unsigned)
        qw_log(QW_LOG_WARN, "config.unsigned",
               "--allow-insecure-webhook: the generic webhook goes unsigned");
    if (sout.webhook_cleartext)
        qw_log(QW_LOG_WARN, "config.cleartext",
               "--allow-insecure-webhook: a webhook goes over http:// to a non-loopback host");
    if (a->o.slack_token_file && *a->o.slack_token_file) {
        if (qw_config_read_secret(a->o.slack_token_file, a->slack_token, sizeof(a->slack_token),
                                  err, sizeof(err)) != QW_OK) {
            fprintf(stderr, "qw-notifier: %s\n", err);
            return QW_ERR;
        }
    } else if (a->o.slack_token && *a->o.slack_token) {
        if (strlen(a->o.slack_token) >= sizeof(a->slack_token)) {
            fprintf(stderr, "qw-notifier: QW_SLACK_BOT_TOKEN is too long\n");
            return QW_ERR;
        }
        snprintf(a->slack_token, sizeof(a->slack_token), "%s", a->o.slack_token);
    }
    for (const char *p = a->slack_token; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            /* It goes into an HTTP header: a stray newline would split it. */
            fprintf(stderr, "qw-notifier: the Slack bot token holds a space or control "
                            "character\n");
            return QW_ERR;
        }
    a->routes.slack_api = a->slack_token[0] != '\0';
    for (size_t i = 0; i < a->routes.n_routes; i++)
        if (a->routes.routes[i].kind == QW_CHAN_EMAIL && !(a->o.smtp_url && *a->o.smtp_url)) {
            fprintf(stderr, "qw-notifier: route '%s' sends e-mail but --smtp-url is not set\n",
                    a->routes.routes[i].name);
            return QW_ERR;
        }
    if (a->o.smtp_url && *a->o.smtp_url && !qw_mail_addr_ok(a->o.smtp_from)) {
        fprintf(stderr, "qw-notifier: --smtp-from is not an e-mail address\n");
        return QW_ERR;
    }
    a->backoff.base_ms = a->o.backoff_base_ms;
    a->backoff.cap_ms = a->o.backoff_cap_ms;
    a->backoff.max_attempts = (int)(a->o.max_attempts > 0 ? a->o.max_attempts : 1);
    return QW_OK;
}

static rd_kafka_t *new_client(qw_ntf_t *a, rd_kafka_type_t type, const char *client_id,
                              const char *const *props)
{
    char err[QW_ERRSTR_MAX];
    rd_kafka_conf_t *conf = qw_kafka_conf_new(a->o.brokers, client_id, &a->cfg, err, sizeof(err));
    if (!conf) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return NULL;
    }
    /* Ours first, then the operator's -X again so that an override always wins. */
    for (const char *const *p = props; p && *p; p += 2)
        if (qw_kafka_conf_set(conf, p[0], p[1], err, sizeof(err)) != QW_OK) goto bad;
    for (int i = 0; i < a->cfg.nkafka; i++)
        if (qw_kafka_conf_set(conf, a->cfg.kafka[2 * i], a->cfg.kafka[2 * i + 1], err,
                              sizeof(err)) != QW_OK)
            goto bad;
    if (type == RD_KAFKA_PRODUCER) qw_ntf_dlq_conf(conf);
    char e2[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, e2, sizeof(e2));
    if (!rk) {
        fprintf(stderr, "qw-notifier: %s\n", e2);
        return NULL;
    }
    return rk;
bad:
    fprintf(stderr, "qw-notifier: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static void roster_apply(qw_ntf_t *a, const rd_kafka_message_t *m)
{
    if (!m->key || m->key_len == 0) return;
    if (qw_roster_cache_apply(&a->roster, m->key, m->key_len, m->payload, m->len) != QW_OK) {
        qw_metric_add(qw_metrics_counter("qw_notifier_roster_rejected_total",
                                         "Roster records refused (not applied)", NULL),
                      1);
        qw_log(QW_LOG_WARN, "roster.bad",
               "roster record at offset %lld does not decode or has an invalid id: ignored",
               (long long)m->offset);
    }
}

/* Assigns every roster partition from the beginning and reads up to the high watermarks, so
 * the first decision already finds its rep. */
static int roster_load(qw_ntf_t *a)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(a->roster_rk, a->topic_roster, NULL);
    int parts = 0;
    for (int tries = 0; !qw_svc_stop && tries < 15; tries++) {
        if (rd_kafka_metadata(a->roster_rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && !md->topics[0].err) parts = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
            if (parts > 0) break;
        }
        qw_log(QW_LOG_WARN, "roster.waiting", "topic %s not available yet", a->topic_roster);
        qw_svc_sleep_ms(1000);
    }
    rd_kafka_topic_destroy(t);
    if (qw_svc_stop) return QW_ERR;
    if (parts == 0) {
        /* No roster topic (yet): run on static addresses, and take the roster from the start
         * whenever the topic appears (a subscription of this instance's own group). */
        qw_log(QW_LOG_WARN, "roster.missing",
               "topic %s does not exist: starting without a roster; it is read when it appears",
               a->topic_roster);
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, a->topic_roster, RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(a->roster_rk, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        return QW_OK;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    int64_t *hi = calloc((size_t)parts, sizeof(*hi)), *pos = calloc((size_t)parts, sizeof(*pos));
    for (int p = 0; p < parts; p++) {
        rd_kafka_topic_partition_list_add(l, a->topic_roster, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
        int64_t lo = 0;
        rd_kafka_query_watermark_offsets(a->roster_rk, a->topic_roster, p, &lo, &hi[p], 10000);
        pos[p] = lo;
    }
    rd_kafka_assign(a->roster_rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    size_t n = 0;
    for (;;) {
        int done = 1;
        for (int p = 0; p < parts; p++)
            if (pos[p] < hi[p]) done = 0;
        if (done || qw_svc_stop) break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a->roster_rk, 500);
        if (!m) continue;
        if (!m->err) {
            roster_apply(a, m);
            n++;
        }
        if (m->partition >= 0 && m->partition < parts &&
            (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF))
            pos[m->partition] = m->err ? hi[m->partition] : m->offset + 1;
        rd_kafka_message_destroy(m);
    }
    free(hi);
    free(pos);
    qw_log(QW_LOG_INFO, "roster.loaded", "%zu roster records, %zu reps", n, a->roster.map.n);
    return qw_svc_stop ? QW_ERR : QW_OK;
}

static void roster_poll(qw_ntf_t *a)
{
    rd_kafka_message_t *m;
    for (int i = 0; i < 1000 && (m = rd_kafka_consumer_poll(a->roster_rk, 0)); i++) {
        if (!m->err) roster_apply(a, m);
        rd_kafka_message_destroy(m);
    }
}

static void set_redis_ready(qw_ntf_t *a, int ok)
{
    if (ok != a->redis_ok) {
        if (!ok)
            qw_log(QW_LOG_WARN, "redis.down", "%s", a->redis.errstr);
        else
            qw_log(QW_LOG_INFO, "redis.up", "Redis reachable");
    }
    a->redis_ok = ok;
    if (a->http) qw_http_set_ready(a->http, "redis", ok);
}

typedef struct {
    size_t msg; /* index in the batch */
    qw_target_t t;
    int prio;
} entry_t;

static int entry_cmp(const void *x, const void *y)
{
    const entry_t *a = x, *b = y;
    if (a->prio != b->prio) return a->prio - b->prio;
    return a->msg < b->msg ? -1 : a->msg > b->msg;
}

/* A record that is not a Decision goes to the DLQ as it came. */
static int dead_letter_raw(qw_ntf_t *a, const rd_kafka_message_t *m)
{
    qw_dlv_job_t job;
    memset(&job, 0, sizeof(job));
    size_t idl = 0;
    const void *id = qw_kafka_header(m, "ce_id", &idl);
    snprintf(job.decision_id, sizeof(job.decision_id), "%.*s", id ? (int)idl : 7,
             id ? (const char *)id : "unknown");
    snprintf(job.channel, sizeof(job.channel), "-");
    snprintf(job.reason, sizeof(job.reason), "bad_decision");
    job.dec = m->payload;
    job.dec_len = m->len;
    int rc = qw_ntf_dlq_publish(a, &job, "record is not a quotawatch.v1.Decision");
    if (rc == QW_OK) qw_ntf_count("qw_notifier_failed_total", "-", "bad_decision");
    return rc;
}

/* Delivers (or records for retry) every notification of the batch, reviews first, then
 * commits the batch's offsets. QW_ERR only when stopping before it was all recorded. */
static int process_batch(qw_ntf_t *a, rd_kafka_message_t **msgs, size_t n)
{
    Quotawatch__V1__Decision **decs = calloc(n, sizeof(*decs));
    entry_t *entries = calloc(n * QW_ROUTE_MAX_TARGETS + 1, sizeof(*entries));
    size_t ne = 0;
    int rc = QW_OK;
    for (size_t i = 0; i < n && rc == QW_OK; i++) {
        rd_kafka_message_t *m = msgs[i];
        decs[i] = quotawatch__v1__decision__unpack(NULL, m->len, m->payload);
        /* The id is the delivery key and a header value: one that the engine could not have
         * built (too long, controls, not UTF-8) is dead-lettered whole, never cut. */
        if (!decs[i] || qw_id_valid_max(decs[i]->id, strlen(decs[i]->id), QW_DECISION_ID_MAX - 1,
                                        NULL, 0) != QW_OK) {
            if (decs[i]) quotawatch__v1__decision__free_unpacked(decs[i], NULL);
            decs[i] = NULL;
            while ((rc = dead_letter_raw(a, m)) != QW_OK && !qw_svc_stop)
                qw_svc_sleep_ms(1000);
            continue;
        }
        qw_metric_add(qw_metrics_counter("qw_notifier_decisions_total", "Decisions consumed", NULL),
                      1);
        const qw_rep_profile_t *rep = qw_roster_cache_get(&a->roster, decs[i]->rep_id);
        const qw_rep_profile_t *mgr =
            rep && rep->manager_id[0] ? qw_roster_cache_get(&a->roster, rep->manager_id) : NULL;
        qw_target_t t[QW_ROUTE_MAX_TARGETS];
        size_t nt = qw_route_resolve(&a->routes, decs[i], rep, mgr, t, QW_ROUTE_MAX_TARGETS);
        for (size_t k = 0; k < nt; k++) {
            entries[ne].msg = i;
            entries[ne].t = t[k];
            entries[ne].prio = qw_route_priority(decs[i]->type);
            ne++;
        }
    }
    qsort(entries, ne, sizeof(*entries), entry_cmp);
    for (size_t e = 0; e < ne && rc == QW_OK; e++) {
        rd_kafka_message_t *m = msgs[entries[e].msg];
        while (qw_ntf_deliver_new(a, decs[entries[e].msg], m->payload, m->len, &entries[e].t) !=
               QW_OK) {
            set_redis_ready(a, 0);
            if (qw_svc_stop) {
                rc = QW_ERR;
                break;
            }
            qw_svc_sleep_ms(500);
            rd_kafka_poll(a->producer, 0);
        }
        if (rc == QW_OK) set_redis_ready(a, 1);
    }
    for (size_t i = 0; i < n; i++)
        if (decs[i]) quotawatch__v1__decision__free_unpacked(decs[i], NULL);
    free(decs);
    free(entries);
    if (rc != QW_OK) return rc;
    /* Everything recorded: commit the next offset of each partition of the batch. */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
            l, rd_kafka_topic_name(msgs[i]->rkt), msgs[i]->partition);
        if (!p)
            p = rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(msgs[i]->rkt),
                                                  msgs[i]->partition);
        if (msgs[i]->offset + 1 > p->offset) p->offset = msgs[i]->offset + 1;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(a->consumer, l, 0);
    if (err)
        qw_log(QW_LOG_WARN, "kafka.commit",
               "offset commit failed (%s): the batch may be seen again, and is de-duplicated",
               rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(l);
    return QW_OK;
}

static int setup_kafka(qw_ntf_t *a)
{
    qw_kafka_topic(a->topic_decisions, sizeof(a->topic_decisions), a->o.topic_prefix,
                   "qw.decisions.v1");
    qw_kafka_topic(a->topic_roster, sizeof(a->topic_roster), a->o.topic_prefix, "qw.roster.v1");
    qw_kafka_topic(a->topic_dlq, sizeof(a->topic_dlq), a->o.topic_prefix, "qw.notify-dlq.v1");
    char roster_group[300];
    snprintf(roster_group, sizeof(roster_group), "%s-roster-%d", a->o.group, (int)getpid());
    const char *cprops[] = {"group.id",
                            a->o.group,
                            "enable.auto.commit",
                            "false",
                            "enable.auto.offset.store",
                            "false",
                            "auto.offset.reset",
                            "earliest",
                            "isolation.level",
                            "read_committed",
                            "partition.assignment.strategy",
                            "range",
                            NULL};
    const char *rprops[] = {"group.id",
                            roster_group,
                            "enable.auto.commit",
                            "false",
                            "auto.offset.reset",
                            "earliest",
                            "enable.partition.eof",
                            "true",
                            NULL};
    const char *pprops[] = {"enable.idempotence", "true", "acks", "all", NULL};
    a->consumer = new_client(a, RD_KAFKA_CONSUMER, "qw-notifier", cprops);
    a->roster_rk = new_client(a, RD_KAFKA_CONSUMER, "qw-notifier-roster", rprops);
    a->producer = new_client(a, RD_KAFKA_PRODUCER, "qw-notifier-dlq", pprops);
    if (!a->consumer || !a->roster_rk || !a->producer) return QW_ERR;
    rd_kafka_poll_set_consumer(a->consumer);
    return QW_OK;
}

int main(int argc, char **argv)
{
    qw_ntf_t *a = &app;
    memset(a, 0, sizeof(*a));
    if (parse_options(a, argc, argv) != QW_OK) return QW_NTF_EXIT_CONFIG;
    qw_log_init("qw-notifier", a->o.log_level);
    if (load_config(a) != QW_OK) return QW_NTF_EXIT_CONFIG;
    char err[QW_ERRSTR_MAX];
    if (qw_redis_init(&a->redis, a->o.redis_url, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return QW_NTF_EXIT_CONFIG;
    }
    qw_svc_signals();
    a->clock = &qw_clock_system;
    a->rng = (uint64_t)qw_clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
    a->buf_cap = 256 * 1024;
    a->buf_a = malloc(a->buf_cap * 4);
    a->endpoints = calloc(QW_NTF_MAX_ENDPOINTS, sizeof(*a->endpoints));
    if (!a->buf_a || !a->endpoints) return 1;
    a->buf_b = a->buf_a + a->buf_cap;
    a->buf_c = a->buf_b + a->buf_cap;
    a->buf_d = a->buf_c + a->buf_cap;
    qw_roster_cache_init(&a->roster);
    char redis_prefix[64];
    snprintf(redis_prefix, sizeof(redis_prefix), "%s", a->o.topic_prefix);
    qw_dlv_init(&a->dlv, &a->redis, redis_prefix);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a->curl = curl_easy_init();

    a->http = qw_http_start((int)a->o.http_port, 0, err, sizeof(err));
    if (!a->http) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return 1;
    }
    qw_http_set_ready(a->http, "redis", 0);
    qw_http_set_ready(a->http, "roster", 0);
    qw_kafka_health_attach(a->http);
    qw_log(QW_LOG_INFO, "start", "qw-notifier: %zu routes, %zu templates, http port %d",
           a->routes.n_routes, a->tmpl->n, qw_http_port(a->http));
    if (setup_kafka(a) != QW_OK) return QW_NTF_EXIT_CONFIG;
    if (qw_kafka_wait_ready(a->consumer, &qw_svc_stop) != QW_OK) goto stop;
    if (roster_load(a) != QW_OK) goto stop;
    qw_http_set_ready(a->http, "roster", 1);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, a->topic_decisions, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(a->consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        fprintf(stderr, "qw-notifier: subscribe %s: %s\n", a->topic_decisions, rd_kafka_err2str(e));
        goto stop;
    }
    set_redis_ready(a, qw_redis_connect(&a->redis) == QW_OK);

    size_t cap = (size_t)(a->o.batch > 0 ? a->o.batch : 1);
    rd_kafka_message_t **msgs = calloc(cap, sizeof(*msgs));
    int64_t last_tick = 0;
    qw_metric_t *backlog = qw_metrics_gauge("qw_notifier_retry_backlog",
                                            "Notifications waiting in the retry queue", NULL);
    while (!qw_svc_stop) {
        roster_poll(a);
        size_t n = 0;
        /* Hold off new decisions while Redis is away: nothing could be recorded. */
        int timeout = a->redis_ok ? 100 : 0;
        while (a->redis_ok && n < cap) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(a->consumer, n ? 0 : timeout);
            if (!m) break;
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    qw_log(QW_LOG_WARN, "kafka.consume", "%s", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                continue;
            }
            qw_kafka_mark_ok();
            msgs[n++] = m;
        }
        if (n) process_batch(a, msgs, n);
        for (size_t i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
        int r = qw_ntf_retry_due(a, 50);
        set_redis_ready(a, r != QW_ERR);
        if (r == QW_ERR) {
            qw_svc_sleep_ms(500);
            rd_kafka_poll(a->consumer, 0);
        }
        rd_kafka_poll(a->producer, 0);
        int64_t now = qw_clock_now(a->clock);
        if (now - last_tick >= 1000) {
            last_tick = now;
            /* Readiness comes back with a metadata answer, not only with the next message:
             * an idle notifier must not stay unready after the brokers return. */
            if (!qw_kafka_is_ok()) {
                const struct rd_kafka_metadata *md;
                if (rd_kafka_metadata(a->consumer, 0, NULL, &md, 500) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR) {
                    rd_kafka_metadata_destroy(md);
                    qw_kafka_mark_ok();
                }
            }
            int64_t b = qw_dlv_backlog(&a->dlv);
            if (b >= 0) qw_metric_set(backlog, b);
        }
    }
    free(msgs);
stop:
    qw_log(QW_LOG_INFO, "stop", "stopping");
    if (a->consumer) {
        rd_kafka_consumer_close(a->consumer);
        rd_kafka_destroy(a->consumer);
    }
    if (a->roster_rk) {
        rd_kafka_consumer_close(a->roster_rk);
        rd_kafka_destroy(a->roster_rk);
    }
    if (a->producer) {
        rd_kafka_flush(a->producer, 5000);
        rd_kafka_destroy(a->producer);
    }
    qw_http_stop(a->http);
    curl_easy_cleanup(a->curl);
    curl_global_cleanup();
    qw_redis_close(&a->redis);
    qw_roster_cache_free(&a->roster);
    qw_route_cfg_free(&a->routes);
    qw_tmpl_free(a->tmpl);
    free(a->tmpl);
    free(a->buf_a);
    free(a->endpoints);
    return 0;
}
