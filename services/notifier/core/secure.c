#include "secure.h"

#include "quotawatch/common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static int set(const char *s)
{
    return s && *s;
}

/* Length of "scheme://" when url starts with it (case-insensitive), else 0. */
static size_t scheme(const char *url, const char *name)
{
    size_t n = strlen(name);
    if (strncasecmp(url, name, n) != 0 || strncmp(url + n, "://", 3) != 0) return 0;
    return n + 3;
}

/* The host of an http(s) URL, for messages: [start, start+len). */
static void host_of(const char *url, const char **start, int *len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    *start = p;
    *len = (int)(n > 100 ? 100 : n);
}

int qw_secure_url_loopback(const char *url)
{
    if (!url) return 0;
    size_t off = scheme(url, "http");
    if (!off) off = scheme(url, "https");
    if (!off) return 0;
    const char *a = url + off;
    size_t n = strcspn(a, "/?#");
    char auth[300];
    if (n == 0 || n >= sizeof(auth)) return 0;
    memcpy(auth, a, n);
    auth[n] = '\0';
    for (const char *p = auth; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '@' || *p == '\\' || *p == '%')
            return 0; /* user info or encodings: whatever it is, not plainly loopback */
    char *host = auth, *port = NULL;
    if (host[0] == '[') {
        char *end = strchr(host, ']');
        if (!end) return 0;
        *end = '\0';
        host++;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return 0;
    } else {
        char *colon = strchr(host, ':');
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
    }
    if (port) {
        if (!*port || strlen(port) > 5) return 0;
        for (const char *p = port; *p; p++)
            if (*p < '0' || *p > '9') return 0;
    }
    if (strcasecmp(host, "localhost") == 0) return auth[0] != '[';
    struct in_addr v4;
    if (auth[0] != '[' && inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    struct in6_addr v6;
    if (auth[0] == '[' && inet_pton(AF_INET6, host, &v6) == 1)
        return memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
    return 0;
}

/* One webhook endpoint: https anywhere, http only to loopback unless the flag is given. */
static int check_webhook(const qw_secure_in_t *in, qw_secure_out_t *out, const char *url,
                         const char *what, char *errbuf, size_t errlen)
{
    const char *h;
    int hl;
    host_of(url, &h, &hl);
    if (scheme(url, "https")) return QW_OK;
    if (!scheme(url, "http"))
        return qw_err_set(errbuf, errlen,
                          "%s must be an https:// URL (http:// only to a loopback "
                          "host)",
                          what);
    if (qw_secure_url_loopback(url)) return QW_OK;
    if (!in->allow_insecure_webhook)
        return qw_err_set(errbuf, errlen,
                          "%s is http:// to %.*s, which is not a loopback host: decisions would "
                          "cross the network in clear. Use https://, or pass "
                          "--allow-insecure-webhook to accept this",
                          what, hl, h);
    out->webhook_cleartext = 1;
    return QW_OK;
}

int qw_secure_check(const qw_secure_in_t *in, qw_secure_out_t *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (set(in->smtp_url)) {
        if (scheme(in->smtp_url, "smtps")) {
            out->smtp_require_tls = 1; /* implicit TLS */
        } else if (scheme(in->smtp_url, "smtp")) {
            out->smtp_require_tls = !in->smtp_allow_plaintext;
            if (in->smtp_allow_plaintext && (set(in->smtp_user) || set(in->smtp_password)))
                return qw_err_set(errbuf, errlen,
                                  "--smtp-user/QW_SMTP_PASSWORD with --smtp-allow-plaintext on "
                                  "smtp:// would send the SMTP password in clear: drop "
                                  "--smtp-allow-plaintext (STARTTLS is then required) or use "
                                  "smtps://host:465");
        } else {
            return qw_err_set(errbuf, errlen,
                              "--smtp-url must be smtp://host:port (STARTTLS required) or "
                              "smtps://host:port (implicit TLS)");
        }
    }
    if (set(in->hr_webhook)) {
        /* HR receivers verify signatures: an unsigned review would only be refused there, so
         * --allow-insecure-webhook does not lift this one. */
        if (!in->have_secret)
            return qw_err_set(errbuf, errlen,
                              "the HR webhook (routing file addresses.hr.webhook) needs a "
                              "signing secret: give --webhook-secret-file or QW_WEBHOOK_SECRET");
        if (check_webhook(in, out, in->hr_webhook,
                          "the HR webhook (routing file "
                          "addresses.hr.webhook)",
                          errbuf, errlen) != QW_OK)
            return QW_ERR;
    }
    if (set(in->webhook_url)) {
        if (!in->have_secret) {
            if (!in->allow_insecure_webhook)
                return qw_err_set(errbuf, errlen,
                                  "--webhook-url has no signing secret: give "
                                  "--webhook-secret-file or QW_WEBHOOK_SECRET (whsec_...), or "
                                  "pass --allow-insecure-webhook to send unsigned");
            out->webhook_unsigned = 1;
        }
        if (check_webhook(in, out, in->webhook_url, "--webhook-url", errbuf, errlen) != QW_OK)
            return QW_ERR;
    }
    return QW_OK;
}
