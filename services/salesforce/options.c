/* qw-salesforce's options: everything that can be refused is refused before any connection,
 * with exit code 2 and the option's name. */
#include <stdio.h>
#include <string.h>

#include "quotawatch/kafka.h"
#include "salesforce.h"

static int check(qw_sf_t *s, char *errbuf, size_t errlen)
{
    qw_sf_opts_t *o = &s->o;
    if (!qw_sf_channel_valid(o->channel))
        return qw_err_set(errbuf, errlen, "--channel %s: not a channel name (/data/...)",
                          o->channel);
    if (!qw_sf_url_allowed(o->login_url))
        return qw_err_set(errbuf, errlen,
                          "--login-url: https:// only (http:// to a loopback address for tests)");
    if (qw_sf_from_parse(o->on_expired, &s->on_expired))
        return qw_err_set(errbuf, errlen, "--on-expired-replay: earliest or latest");
    if (qw_sf_from_parse(o->initial, &s->initial))
        return qw_err_set(errbuf, errlen, "--initial-replay: earliest or latest");
    if (strcmp(o->auth, "client_credentials") && strcmp(o->auth, "jwt"))
        return qw_err_set(errbuf, errlen, "--auth: client_credentials or jwt");
    if (!o->client_id || !*o->client_id)
        return qw_err_set(errbuf, errlen, "--client-id: the connected app's consumer key");
    if (!strcmp(o->auth, "jwt") && (!o->username || !*o->username))
        return qw_err_set(errbuf, errlen, "--username: the user the JWT bearer flow logs in as");
    if (o->poll_timeout_s < 5 || o->poll_timeout_s > 600)
        return qw_err_set(errbuf, errlen, "--poll-timeout-s: 5 .. 600");
    if (o->backoff_max_ms < 100 || o->backoff_max_ms > 600000)
        return qw_err_set(errbuf, errlen, "--backoff-max-ms: 100 .. 600000");
    for (const char *p = o->api_version; *p; p++)
        if ((*p < '0' || *p > '9') && *p != '.')
            return qw_err_set(errbuf, errlen, "--api-version %s: like 61.0", o->api_version);
    if (!*o->api_version) return qw_err_set(errbuf, errlen, "--api-version: like 61.0");
    return qw_http_bind_check(o->http_bind, errbuf, errlen);
}

int qw_sf_options(qw_sf_t *s, int argc, char **argv, char *errbuf, size_t errlen)
{
    qw_sf_opts_t *o = &s->o;
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &o->brokers, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "",
         "Prefix of every topic name (<prefix>qw.crm.salesforce)", &o->topic_prefix, 0},
        {"transactional-id", "QW_SALESFORCE_TRANSACTIONAL_ID", QW_OPT_STR, "qw-salesforce",
         "Kafka transactional.id: one per org; a second subscriber with it fences the first",
         &o->txn_id, 0},
        {"channel", "QW_SALESFORCE_CHANNEL", QW_OPT_STR, "/data/OpportunityChangeEvent",
         "Streaming API channel to subscribe to", &o->channel, 0},
        {"login-url", "QW_SALESFORCE_LOGIN_URL", QW_OPT_STR, "https://login.salesforce.com",
         "OAuth host: https://login.salesforce.com, https://test.salesforce.com or the My Domain "
         "URL (client credentials need My Domain)",
         &o->login_url, 0},
        {"auth", "QW_SALESFORCE_AUTH", QW_OPT_STR, "client_credentials",
         "OAuth 2.0 flow: client_credentials or jwt (JWT bearer, RS256)", &o->auth, 0},
        {"client-id", "QW_SALESFORCE_CLIENT_ID", QW_OPT_STR, NULL,
         "The connected app's consumer key", &o->client_id, 0},
        {"client-secret-file", "QW_SALESFORCE_CLIENT_SECRET_FILE", QW_OPT_STR, NULL,
         "File holding the consumer secret (client_credentials)", &o->client_secret_file, 0},
        {"jwt-key-file", "QW_SALESFORCE_JWT_KEY_FILE", QW_OPT_STR, NULL,
         "PEM RSA private key of the app's certificate (jwt)", &o->jwt_key_file, 0},
        {"username", "QW_SALESFORCE_USERNAME", QW_OPT_STR, NULL,
         "User the JWT bearer flow logs in as (jwt)", &o->username, 0},
        {"api-version", "QW_SALESFORCE_API_VERSION", QW_OPT_STR, "61.0",
         "API version of /cometd/<v> and /services/data/v<v>", &o->api_version, 0},
        {"on-expired-replay", "QW_SALESFORCE_ON_EXPIRED_REPLAY", QW_OPT_STR, "earliest",
         "When the stored replay id is past the retention: earliest (-2, every retained event) "
         "or latest (-1, new events only: loses what happened meanwhile)",
         &o->on_expired, 0},
        {"initial-replay", "QW_SALESFORCE_INITIAL_REPLAY", QW_OPT_STR, "earliest",
         "Where an empty topic starts: earliest (-2) or latest (-1)", &o->initial, 0},
        {"resync-gaps", "QW_SALESFORCE_RESYNC_GAPS", QW_OPT_BOOL, "true",
         "Re-read the records of GAP_* events through REST and publish snapshots", &o->resync, 0},
        {"poll-timeout-s", "QW_SALESFORCE_POLL_TIMEOUT_S", QW_OPT_INT, "130",
         "Wait for a /meta/connect answer (Salesforce holds a poll up to 110 s; the server's "
         "advice timeout + 15 s wins when longer)",
         &o->poll_timeout_s, 0},
        {"backoff-max-ms", "QW_SALESFORCE_BACKOFF_MAX_MS", QW_OPT_INT, "30000",
         "Longest wait between reconnect attempts", &o->backoff_max_ms, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "9105",
         "Port of /healthz, /readyz, /metrics (0: any)", &o->http_port, 0},
        QW_HTTP_OPT_BIND(&o->http_bind),
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn or error",
         &o->log_level, 0},
        {0},
    };
    int rc = qw_config_parse(&s->cfg, "qw-salesforce",
                             "Subscribes to Salesforce Change Data Capture (CometD) and produces "
                             "each event to <prefix>qw.crm.salesforce in Kafka transactions, "
                             "resuming from the replay id stored on the topic.",
                             opts, argc, argv);
    if (rc != QW_OK) {
        if (rc != QW_CONFIG_HELP) qw_err_set(errbuf, errlen, "%s", s->cfg.errstr);
        return rc;
    }
    if (s->cfg.nargs)
        return qw_err_set(errbuf, errlen, "unexpected argument \"%s\" (see qw-salesforce --help)",
                          s->cfg.args[0]);
    if (check(s, errbuf, errlen)) return QW_ERR;
    s->auth.login_url = o->login_url;
    s->auth.auth = o->auth;
    s->auth.client_id = o->client_id;
    s->auth.username = o->username;
    if (qw_sf_auth_load(&s->auth, o->client_secret_file, o->jwt_key_file, errbuf, errlen))
        return QW_ERR;
    qw_kafka_topic(s->topic, sizeof(s->topic), o->topic_prefix, "qw.crm.salesforce");
    return QW_OK;
}
