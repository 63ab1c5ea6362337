/* qw-web's options, the trusted-proxy list and the clock. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/path.h"
#include "web.h"

static const char summary[] =
    "qw-web: the read side of quotawatch. Follows qw.roster.v1, qw.quotas.v1, qw.credits.v1 and\n"
    "qw.decisions.v1 from the beginning into an in-memory model (the engine's own numbers) and\n"
    "serves the JSON API (/api/v1/...) and the standings pages to people identified by an SSO\n"
    "proxy's trusted header. docs/web.md.";

static const char *default_static(void)
{
    static char dir[4096];
    if (qw_path_data(dir, sizeof(dir), "web") != QW_OK) return "";
    return dir;
}

int qw_web_options(qw_web_t *w, int argc, char **argv)
{
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &w->brokers, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "", "Prefix of every topic name",
         &w->prefix, 0},
        {"policy", "QW_POLICY", QW_OPT_STR, "", "Policy YAML (the evaluator's)", &w->policy_path,
         0},
        {"quotas", "QW_QUOTAS_CSV", QW_OPT_STR, "",
         "Quotas CSV read before qw.quotas.v1 (as the "
         "evaluator's --quotas)",
         &w->quotas_csv, 0},
        {"listen", "QW_WEB_LISTEN", QW_OPT_STR, "127.0.0.1:8090",
         "ADDRESS:PORT of the API and the pages (behind the SSO proxy)", &w->listen, 0},
        {"auth-header", "QW_WEB_AUTH_HEADER", QW_OPT_STR, "X-Forwarded-Email",
         "Header carrying the person's e-mail, set by the SSO proxy", &w->auth_header, 0},
        {"trusted-proxy", "QW_WEB_TRUSTED_PROXY", QW_OPT_STR, "",
         "Comma-separated addresses or CIDRs whose --auth-header is believed (none: no one is)",
         &w->trusted_proxy, 0},
        {"oidc-issuer", "QW_WEB_OIDC_ISSUER", QW_OPT_STR, "",
         "OIDC: the issuer (iss) bearer tokens must name", &w->oidc_issuer, 0},
        {"oidc-audience", "QW_WEB_OIDC_AUDIENCE", QW_OPT_STR, "",
         "OIDC: the audience (aud, e.g. the client id) tokens must be for", &w->oidc_audience, 0},
        {"oidc-jwks", "QW_WEB_OIDC_JWKS", QW_OPT_STR, "",
         "OIDC: the issuer's signing keys, a JWKS file", &w->oidc_jwks, 0},
        {"oidc-jwks-url", "QW_WEB_OIDC_JWKS_URL", QW_OPT_STR, "",
         "OIDC: the JWKS URL (fetched at start and when a token names an unknown key)",
         &w->oidc_jwks_url, 0},
        {"oidc-email-claim", "QW_WEB_OIDC_EMAIL_CLAIM", QW_OPT_STR, "email",
         "OIDC: the claim holding the person's e-mail (their login identity)", &w->oidc_email_claim,
         0},
        {"static-dir", "QW_WEB_STATIC_DIR", QW_OPT_STR, default_static(),
         "Directory of the pages (default: the installed share/quotawatch/web)", &w->static_dir, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "0",
         "Port of /healthz /readyz /metrics (0: any free port, logged)", &w->http_port, 0},
        QW_HTTP_OPT_BIND(&w->http_bind),
        {"fake-now", "QW_FAKE_NOW", QW_OPT_STR, "",
         "Test/what-if: freeze the clock at this RFC 3339 instant (pace, days left)", &w->fake_now,
         0},
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn or error",
         &w->log_level, 0},
        {0},
    };
    int rc = qw_config_parse(&w->cfg, "qw-web", summary, opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return QW_CONFIG_HELP;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-web: %s\n", w->cfg.errstr);
        return 2;
    }
    if (w->fake_now && *w->fake_now &&
        qw_time_parse_iso8601(w->fake_now, strlen(w->fake_now), &w->fake_now_ms) != 0) {
        fprintf(stderr, "qw-web: --fake-now %s: not an RFC 3339 instant\n", w->fake_now);
        return 2;
    }
    char err[256];
    if (qw_web_proxies_parse(w, w->trusted_proxy, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-web: --trusted-proxy: %s\n", err);
        return 2;
    }
    int jwks = (w->oidc_jwks && *w->oidc_jwks) + (w->oidc_jwks_url && *w->oidc_jwks_url);
    if (jwks > 1) {
        fprintf(stderr, "qw-web: --oidc-jwks and --oidc-jwks-url: give one\n");
        return 2;
    }
    if (jwks && (!w->oidc_issuer || !*w->oidc_issuer || !w->oidc_audience || !*w->oidc_audience ||
                 !w->oidc_email_claim || !*w->oidc_email_claim)) {
        fprintf(stderr, "qw-web: OIDC needs --oidc-issuer and --oidc-audience (and a non-empty "
                        "--oidc-email-claim) with --oidc-jwks or --oidc-jwks-url\n");
        return 2;
    }
    if (!jwks && ((w->oidc_issuer && *w->oidc_issuer) || (w->oidc_audience && *w->oidc_audience))) {
        fprintf(stderr, "qw-web: --oidc-issuer/--oidc-audience need --oidc-jwks or "
                        "--oidc-jwks-url (the keys tokens are verified with)\n");
        return 2;
    }
    if (!w->auth_header || !*w->auth_header || strlen(w->auth_header) > 64) {
        fprintf(stderr, "qw-web: --auth-header: a header name of 1..64 characters\n");
        return 2;
    }
    return 0;
}

int qw_web_proxies_parse(qw_web_t *w, const char *list, char *err, size_t errlen)
{
    w->nproxies = 0;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", list ? list : "");
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        if (w->nproxies == QW_WEB_PROXIES_MAX)
            return qw_err_set(err, errlen, "at most %d entries", QW_WEB_PROXIES_MAX);
        qw_web_proxy_t *p = &w->proxies[w->nproxies];
        char *slash = strchr(tok, '/');
        int prefix = -1;
        if (slash) {
            *slash = '\0';
            char *end;
            prefix = (int)strtol(slash + 1, &end, 10);
            if (*end || prefix < 0) return qw_err_set(err, errlen, "%s: bad prefix length", tok);
        }
        memset(p, 0, sizeof(*p));
        if (inet_pton(AF_INET, tok, p->addr) == 1) {
            p->family = AF_INET;
            p->prefix = prefix < 0 ? 32 : prefix;
            if (p->prefix > 32) return qw_err_set(err, errlen, "%s: prefix over 32", tok);
        } else if (inet_pton(AF_INET6, tok, p->addr) == 1) {
            p->family = AF_INET6;
            p->prefix = prefix < 0 ? 128 : prefix;
            if (p->prefix > 128) return qw_err_set(err, errlen, "%s: prefix over 128", tok);
        } else {
            return qw_err_set(err, errlen, "%s is not an IP address or CIDR", tok);
        }
        w->nproxies++;
    }
    return QW_OK;
}

static int match(const uint8_t *a, const uint8_t *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0) return 0;
    if (!rest) return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

int qw_web_proxy_trusted(const qw_web_t *w, const struct sockaddr *sa)
{
    if (!sa) return 0;
    uint8_t v4[4], v6[16];
    int fam = sa->sa_family;
    if (fam == AF_INET) {
        memcpy(v4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (fam == AF_INET6) {
        memcpy(v6, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(v6, mapped, 12)) { /* ::ffff:a.b.c.d is the IPv4 peer */
            memcpy(v4, v6 + 12, 4);
            fam = AF_INET;
        }
    } else {
        return 0;
    }
    for (int i = 0; i < w->nproxies; i++) {
        const qw_web_proxy_t *p = &w->proxies[i];
        if (p->family != fam) continue;
        if (match(p->addr, fam == AF_INET ? v4 : v6, p->prefix)) return 1;
    }
    return 0;
}

int64_t qw_web_now(const qw_web_t *w)
{
    return w->fake_now_ms ? w->fake_now_ms : qw_clock_now(&qw_clock_system);
}
