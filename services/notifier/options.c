/* The notifier's options: the table, its ranges, and everything else that can be refused
 * (routes, templates, secrets, TLS rules) — all before any connection is made, so a refusal
 * is exit code 2 and names the option. */
#include "app.h"

#include "mail.h"
#include "quotawatch/http.h"
#include "quotawatch/log.h"
#include "quotawatch/path.h"
#include "secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *default_templates(void)
{
    /* The installed templates (<prefix>/share/quotawatch/templates, found from the program's
     * own path; a build tree mirrors that layout): never the source tree. */
    static char dir[4096];
    if (qw_path_data(dir, sizeof(dir), "templates") != QW_OK) return "templates";
    return dir;
}

int qw_ntf_options_parse(qw_ntf_t *a, int argc, char **argv, char *errbuf, size_t errlen)
{
    qw_ntf_opts_t *o = &a->o;
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &o->brokers, 0},
        {"redis", "QW_REDIS_URL", QW_OPT_STR, "redis://127.0.0.1:6379", "Redis URL", &o->redis_url,
         0},
        QW_REDIS_OPT_ALLOW_VOLATILE(&o->redis_allow_volatile),
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
         "SMTP login (password from --smtp-password-file or QW_SMTP_PASSWORD)", &o->smtp_user, 0},
        {"smtp-password-file", "QW_SMTP_PASSWORD_FILE", QW_OPT_STR, NULL,
         "File holding the SMTP password (first line)", &o->smtp_password_file, 0},
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
        QW_HTTP_OPT_BIND(&o->http_bind),
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
    if (rc == QW_CONFIG_HELP) return QW_CONFIG_HELP;
    if (rc != QW_OK) return qw_err_set(errbuf, errlen, "%s", a->cfg.errstr);
    if (a->cfg.nargs > 0)
        /* A stray word would silently end option parsing: everything after it lost. */
        return qw_err_set(errbuf, errlen,
                          "unexpected argument \"%s\" (flags take --name=value or "
                          "--name value; booleans are --name or --name=false)",
                          a->cfg.args[0]);
    return qw_ntf_options_check(o, errbuf, errlen);
}

typedef struct {
    const char *name;
    int64_t v, lo, hi;
} range_t;

#define QW_NTF_DAY_MS (24LL * 3600 * 1000)

int qw_ntf_options_check(const qw_ntf_opts_t *o, char *errbuf, size_t errlen)
{
    /* Bounds that keep the arithmetic (doubling backoff, int casts) sound and catch a unit
     * mistake (seconds for milliseconds), wide enough for every sane deployment. */
    const range_t r[] = {
        {"--http-port", o->http_port, 0, 65535},
        {"--max-attempts", o->max_attempts, 1, 1000},
        {"--max-age-ms", o->max_age_ms, 1, 365 * QW_NTF_DAY_MS},
        {"--backoff-base-ms", o->backoff_base_ms, 1, QW_NTF_DAY_MS},
        {"--backoff-cap-ms", o->backoff_cap_ms, 1, 7 * QW_NTF_DAY_MS},
        {"--slack-interval-ms", o->slack_interval_ms, 0, QW_NTF_DAY_MS},
        {"--slack-burst", o->slack_burst, 1, 10000},
        {"--webhook-interval-ms", o->webhook_interval_ms, 0, QW_NTF_DAY_MS},
        {"--smtp-interval-ms", o->smtp_interval_ms, 0, QW_NTF_DAY_MS},
        {"--breaker-failures", o->breaker_failures, 1, 10000},
        {"--breaker-cooldown-ms", o->breaker_cooldown_ms, 0, QW_NTF_DAY_MS},
        {"--send-timeout-ms", o->send_timeout_ms, 1, 600000},
        {"--batch", o->batch, 1, 100000},
    };
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
        if (r[i].v < r[i].lo || r[i].v > r[i].hi)
            return qw_err_set(errbuf, errlen, "%s is %lld: it must be between %lld and %lld",
                              r[i].name, (long long)r[i].v, (long long)r[i].lo, (long long)r[i].hi);
    if (qw_http_bind_check(o->http_bind, errbuf, errlen) != QW_OK) return QW_ERR;
    if (o->backoff_cap_ms < o->backoff_base_ms)
        return qw_err_set(errbuf, errlen,
                          "--backoff-cap-ms (%lld) is below --backoff-base-ms (%lld): the cap "
                          "must be at least the first delay",
                          (long long)o->backoff_cap_ms, (long long)o->backoff_base_ms);
    return QW_OK;
}

int qw_ntf_config_load(qw_ntf_t *a, char *errbuf, size_t errlen)
{
    char err[QW_ERRSTR_MAX];
    qw_route_cfg_init(&a->routes);
    if (a->o.routes && *a->o.routes &&
        qw_route_load_file(&a->routes, a->o.routes, err, sizeof(err)) != QW_OK) {
        qw_log(QW_LOG_ERROR, "config.refused", "routing configuration refused: %s", err);
        return qw_err_set(errbuf, errlen, "routing configuration refused: %s", err);
    }
    if (a->o.webhook_url && *a->o.webhook_url)
        snprintf(a->routes.webhook_url, sizeof(a->routes.webhook_url), "%s", a->o.webhook_url);
    if (a->routes.n_routes == 0 && !a->routes.webhook_url[0]) {
        return qw_err_set(errbuf, errlen, "nothing to deliver to: give --routes or --webhook-url");
    }
    a->tmpl = calloc(1, sizeof(*a->tmpl));
    if (!a->tmpl) return qw_err_set(errbuf, errlen, "out of memory");
    qw_tmpl_init(a->tmpl);
    if (qw_tmpl_load_dir(a->tmpl, a->o.templates, err, sizeof(err)) != QW_OK) {
        return qw_err_set(errbuf, errlen, "templates refused: %s", err);
    }
    char secret[512] = "";
    if (a->o.webhook_secret_file && *a->o.webhook_secret_file) {
        if (qw_config_read_secret(a->o.webhook_secret_file, secret, sizeof(secret), err,
                                  sizeof(err)) != QW_OK) {
            return qw_err_set(errbuf, errlen, "%s", err);
        }
    } else if (a->o.webhook_secret) {
        snprintf(secret, sizeof(secret), "%s", a->o.webhook_secret);
    }
    if (secret[0]) {
        if (qw_sign_key_parse(&a->key, secret, strlen(secret), err, sizeof(err)) != QW_OK) {
            return qw_err_set(errbuf, errlen, "%s", err);
        }
        a->have_key = 1;
    }
    memset(secret, 0, sizeof(secret));
    if (a->o.smtp_password_file && *a->o.smtp_password_file) {
        if (qw_config_read_secret(a->o.smtp_password_file, a->smtp_password,
                                  sizeof(a->smtp_password), err, sizeof(err)) != QW_OK)
            return qw_err_set(errbuf, errlen, "--smtp-password-file: %s", err);
        a->o.smtp_password = a->smtp_password;
    }
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
        return qw_err_set(errbuf, errlen, "%s", serr);
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
            return qw_err_set(errbuf, errlen, "%s", err);
        }
    } else if (a->o.slack_token && *a->o.slack_token) {
        if (strlen(a->o.slack_token) >= sizeof(a->slack_token)) {
            return qw_err_set(errbuf, errlen, "QW_SLACK_BOT_TOKEN is too long");
        }
        snprintf(a->slack_token, sizeof(a->slack_token), "%s", a->o.slack_token);
    }
    for (const char *p = a->slack_token; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            /* It goes into an HTTP header: a stray newline would split it. */
            return qw_err_set(errbuf, errlen,
                              "the Slack bot token holds a space or control "
                              "character");
        }
    a->routes.slack_api = a->slack_token[0] != '\0';
    for (size_t i = 0; i < a->routes.n_routes; i++)
        if (a->routes.routes[i].kind == QW_CHAN_EMAIL && !(a->o.smtp_url && *a->o.smtp_url)) {
            return qw_err_set(errbuf, errlen, "route '%s' sends e-mail but --smtp-url is not set",
                              a->routes.routes[i].name);
        }
    if (a->o.smtp_url && *a->o.smtp_url && !qw_mail_addr_ok(a->o.smtp_from)) {
        return qw_err_set(errbuf, errlen, "--smtp-from is not an e-mail address");
    }
    a->backoff.base_ms = a->o.backoff_base_ms;
    a->backoff.cap_ms = a->o.backoff_cap_ms;
    a->backoff.max_attempts = (int)(a->o.max_attempts > 0 ? a->o.max_attempts : 1);
    return QW_OK;
}
