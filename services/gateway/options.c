/* qw-gateway's options and secret files: everything that can be refused is refused here,
 * before any socket or connection exists, with exit code 2 and the option's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "quotawatch/file.h"
#include "quotawatch/kafka.h"

#define QW_GW_SECRET_FILE_MAX (64 * 1024)

static int load_secrets(qw_gw_t *g, int src, char *errbuf, size_t errlen)
{
    static const char *const opt[] = {"--hubspot-secret-file", "--pipedrive-auth-file",
                                      "--canonical-secret-file"};
    static const char *const env[] = {"QW_GATEWAY_HUBSPOT_SECRET", "QW_GATEWAY_PIPEDRIVE_AUTH",
                                      "QW_GATEWAY_CANONICAL_SECRET"};
    const char *path = g->o.secret_file[src];
    const char *inline_text = g->o.secret_env[src];
    qw_gw_secrets_t *s = &g->auth.secrets[src];
    memset(s, 0, sizeof(*s));
    char err[QW_ERRSTR_MAX];
    size_t len;
    char *text;
    if (path && *path) {
        if (inline_text && *inline_text)
            return qw_err_set(errbuf, errlen, "%s and %s both given: keep one", opt[src], env[src]);
        text = qw_file_read(path, QW_GW_SECRET_FILE_MAX, &len, err, sizeof(err));
        if (!text) return qw_err_set(errbuf, errlen, "%s: %s", opt[src], err);
    } else if (inline_text && *inline_text) {
        /* From the environment (a secret manager's injection): the same lines as the file. */
        path = env[src];
        len = strlen(inline_text);
        text = strdup(inline_text);
        if (!text) return qw_err_set(errbuf, errlen, "out of memory");
    } else {
        return QW_OK; /* source off: its path answers 404 */
    }
    int rc = qw_gw_secrets_parse(s, text, len, err, sizeof(err));
    memset(text, 0, len); /* the secrets live only in the parsed table */
    free(text);
    if (rc) return qw_err_set(errbuf, errlen, "%s %s: %s", opt[src], path, err);
    qw_gw_secrets_label(s, qw_gw_source_name((qw_gw_source_t)src), src == QW_GW_SRC_PIPEDRIVE);
    for (int i = 0; i < s->n; i++) {
        if (src == QW_GW_SRC_PIPEDRIVE && !memchr(s->s[i], ':', s->len[i]))
            return qw_err_set(errbuf, errlen, "%s %s: line %d is not user:password", opt[src], path,
                              i + 1);
        if (src == QW_GW_SRC_CANONICAL && strncmp(s->s[i], "whsec_", 6))
            return qw_err_set(errbuf, errlen, "%s %s: secret %d does not start with whsec_",
                              opt[src], path, i + 1);
    }
    return QW_OK;
}

static int check_ranges(const qw_gw_opts_t *o, char *errbuf, size_t errlen)
{
    if (o->port < 0 || o->port > 65535)
        return qw_err_set(errbuf, errlen, "--port %lld: not a port", (long long)o->port);
    if (o->max_body < 2 || o->max_body > 16 * 1024 * 1024)
        return qw_err_set(errbuf, errlen, "--max-body %lld: must be 2 B .. 16 MiB",
                          (long long)o->max_body);
    if (o->timeout_ms < 100 || o->timeout_ms > 300000)
        return qw_err_set(errbuf, errlen, "--produce-timeout-ms %lld: must be 100 .. 300000",
                          (long long)o->timeout_ms);
    if (o->rate < 0 || o->rate > 1000000 || o->burst < 0 || o->burst > 1000000 ||
        o->retry_after_s < 1 || o->retry_after_s > 3600)
        return qw_err_set(errbuf, errlen,
                          "--rate-limit and --rate-burst must be 0 .. 1000000, --retry-after-s "
                          "1 .. 3600");
    if (o->max_conns < 1 || o->max_conns > 65536)
        return qw_err_set(errbuf, errlen, "--max-connections %lld: must be 1 .. 65536",
                          (long long)o->max_conns);
    if (!!o->tls_cert_file != !!o->tls_key_file)
        return qw_err_set(errbuf, errlen, "--tls-cert-file and --tls-key-file go together");
    return qw_http_bind_check(o->bind, errbuf, errlen) ||
                   qw_http_bind_check(o->http_bind, errbuf, errlen)
               ? QW_ERR
               : QW_OK;
}

int qw_gw_options(qw_gw_t *g, int argc, char **argv, char *errbuf, size_t errlen)
{
    qw_gw_opts_t *o = &g->o;
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &o->brokers, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "",
         "Prefix of every topic name (<prefix>qw.crm.<source>)", &o->topic_prefix, 0},
        {"port", "QW_GATEWAY_PORT", QW_OPT_INT, "8088", "Port of the webhook listener (0: any)",
         &o->port, 0},
        {"bind", "QW_GATEWAY_BIND", QW_OPT_STR, "127.0.0.1",
         "Address of the webhook listener (behind a TLS proxy: keep loopback)", &o->bind, 0},
        {"public-url", "QW_GATEWAY_PUBLIC_URL", QW_OPT_STR, NULL,
         "The URL the senders call the gateway's root at, e.g. https://hooks.example.com "
         "(HubSpot signs it; required with --hubspot-secret-file)",
         &o->public_url, 0},
        {"hubspot-secret-file", "QW_GATEWAY_HUBSPOT_SECRET_FILE", QW_OPT_STR, NULL,
         "HubSpot app client secrets, one per line ([APP_ID ]SECRET); enables POST /v1/hubspot",
         &o->secret_file[QW_GW_SRC_HUBSPOT], 0},
        {"pipedrive-auth-file", "QW_GATEWAY_PIPEDRIVE_AUTH_FILE", QW_OPT_STR, NULL,
         "Pipedrive webhook HTTP auth, user:password per line; enables POST /v1/pipedrive",
         &o->secret_file[QW_GW_SRC_PIPEDRIVE], 0},
        {"canonical-secret-file", "QW_GATEWAY_CANONICAL_SECRET_FILE", QW_OPT_STR, NULL,
         "Standard Webhooks secrets, [NAME ]whsec_... per line; enables POST /v1/canonical",
         &o->secret_file[QW_GW_SRC_CANONICAL], 0},
        {"hubspot-secret", "QW_GATEWAY_HUBSPOT_SECRET", QW_OPT_STR, NULL,
         "The same as --hubspot-secret-file's contents, from the environment",
         &o->secret_env[QW_GW_SRC_HUBSPOT], 1},
        {"pipedrive-auth", "QW_GATEWAY_PIPEDRIVE_AUTH", QW_OPT_STR, NULL,
         "The same as --pipedrive-auth-file's contents, from the environment",
         &o->secret_env[QW_GW_SRC_PIPEDRIVE], 1},
        {"canonical-secret", "QW_GATEWAY_CANONICAL_SECRET", QW_OPT_STR, NULL,
         "The same as --canonical-secret-file's contents, from the environment",
         &o->secret_env[QW_GW_SRC_CANONICAL], 1},
        {"hubspot-legacy-signatures", "QW_GATEWAY_HUBSPOT_LEGACY_SIGNATURES", QW_OPT_BOOL, "false",
         "Also accept HubSpot v1/v2 signatures (no timestamp: replayable; only for apps that "
         "cannot send v3)",
         &o->hubspot_legacy, 0},
        {"tls-cert-file", "QW_GATEWAY_TLS_CERT_FILE", QW_OPT_STR, NULL,
         "Serve HTTPS with this certificate chain (PEM)", &o->tls_cert_file, 0},
        {"tls-key-file", "QW_GATEWAY_TLS_KEY_FILE", QW_OPT_STR, NULL, "Private key (PEM) of it",
         &o->tls_key_file, 0},
        {"max-body", "QW_GATEWAY_MAX_BODY", QW_OPT_INT, "1048576",
         "Largest request body in bytes (413 above; qw-ingest's adapters take 1 MiB)", &o->max_body,
         0},
        {"produce-timeout-ms", "QW_GATEWAY_PRODUCE_TIMEOUT_MS", QW_OPT_INT, "4000",
         "Longest wait for the broker's acknowledgement before answering 503 (HubSpot waits 5 s)",
         &o->timeout_ms, 0},
        {"rate-limit", "QW_GATEWAY_RATE_LIMIT", QW_OPT_INT, "500",
         "Requests per second per source before 429 (0: unlimited)", &o->rate, 0},
        {"rate-burst", "QW_GATEWAY_RATE_BURST", QW_OPT_INT, "0",
         "Requests a source may send at once above its rate (0: one second's worth)", &o->burst, 0},
        {"retry-after-s", "QW_GATEWAY_RETRY_AFTER_S", QW_OPT_INT, "5",
         "Retry-After of a 503 (Kafka unreachable or slow)", &o->retry_after_s, 0},
        {"max-connections", "QW_GATEWAY_MAX_CONNECTIONS", QW_OPT_INT, "1024",
         "Concurrent connections of the webhook listener", &o->max_conns, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "9104",
         "Port of /healthz, /readyz, /metrics (0: any)", &o->http_port, 0},
        QW_HTTP_OPT_BIND(&o->http_bind),
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn or error",
         &o->log_level, 0},
        {0},
    };
    int rc = qw_config_parse(&g->cfg, "qw-gateway",
                             "Receives CRM webhooks (HubSpot, Pipedrive, signed canonical), "
                             "authenticates them and produces each body unchanged to "
                             "<prefix>qw.crm.<source>; 2xx only once the broker has it.",
                             opts, argc, argv);
    if (rc != QW_OK) {
        if (rc != QW_CONFIG_HELP) qw_err_set(errbuf, errlen, "%s", g->cfg.errstr);
        return rc;
    }
    if (g->cfg.nargs)
        return qw_err_set(errbuf, errlen, "unexpected argument \"%s\" (see qw-gateway --help)",
                          g->cfg.args[0]);
    if (check_ranges(o, errbuf, errlen)) return QW_ERR;
    int any = 0;
    for (int s = 0; s < QW_GW_SOURCES; s++) {
        if (load_secrets(g, s, errbuf, errlen)) return QW_ERR;
        if (g->auth.secrets[s].n && !any) g->probe_src = s;
        any |= g->auth.secrets[s].n > 0;
        char base[64];
        snprintf(base, sizeof(base), "qw.crm.%s", qw_gw_source_name((qw_gw_source_t)s));
        qw_kafka_topic(g->topic[s], sizeof(g->topic[s]), o->topic_prefix, base);
    }
    if (!any)
        return qw_err_set(errbuf, errlen,
                          "no source configured: give --hubspot-secret-file, "
                          "--pipedrive-auth-file and/or --canonical-secret-file");
    if (g->auth.secrets[QW_GW_SRC_HUBSPOT].n) {
        if (!o->public_url || strncmp(o->public_url, "http", 4) ||
            strlen(o->public_url) >= sizeof(g->auth.public_url))
            return qw_err_set(errbuf, errlen,
                              "--public-url: HubSpot signs the URL it calls; give it as "
                              "https://host[:port][/prefix]");
        snprintf(g->auth.public_url, sizeof(g->auth.public_url), "%s", o->public_url);
    }
    g->auth.max_body = (size_t)o->max_body;
    g->auth.hubspot_legacy = o->hubspot_legacy;
    return QW_OK;
}
