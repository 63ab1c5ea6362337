/* qw-web's OIDC bearer tokens: the JWKS from --oidc-jwks (a file) or --oidc-jwks-url (fetched
 * at start, and again when a token names a kid the set lacks — keys rotate — at most once a
 * minute), and the verification of "Authorization: Bearer" (core/web_jwt.c). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/file.h"
#include "quotawatch/bytes.h"
#include "quotawatch/log.h"
#include "web.h"

#define JWKS_MAX (256 * 1024)

static char *fetch(const char *url, size_t *len, char *err, size_t errlen)
{
    qw_bytes_t b = {.max = JWKS_MAX}; /* bounded: a JWKS is a few KiB */
    CURL *c = curl_easy_init();
    if (!c) {
        qw_err_set(err, errlen, "curl_easy_init failed");
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, qw_bytes_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || status != 200) {
        qw_err_set(err, errlen, "GET %s: %s", url,
                   rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP status not 200");
        qw_bytes_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

static int load(qw_web_t *w, char *err, size_t errlen)
{
    size_t len = 0;
    char *doc = w->oidc_jwks_url && *w->oidc_jwks_url
                    ? fetch(w->oidc_jwks_url, &len, err, errlen)
                    : qw_file_read(w->oidc_jwks, JWKS_MAX, &len, err, errlen);
    if (!doc) return QW_ERR;
    qw_jwks_t ks;
    int rc = qw_jwks_parse(&ks, doc, len, err, errlen);
    free(doc);
    if (rc != QW_OK) {
        qw_jwks_free(&ks);
        return QW_ERR;
    }
    qw_jwks_free(&w->jwks);
    w->jwks = ks;
    return QW_OK;
}

int qw_web_oidc_start(qw_web_t *w, char *err, size_t errlen)
{
    pthread_mutex_init(&w->oidc_mu, NULL);
    if (!qw_web_oidc_on(w)) return QW_OK;
    if (load(w, err, errlen) != QW_OK) return QW_ERR;
    qw_log(QW_LOG_INFO, "web.oidc", "bearer tokens of %s for audience %s: %d key(s) from %s",
           w->oidc_issuer, w->oidc_audience, w->jwks.n,
           w->oidc_jwks_url && *w->oidc_jwks_url ? w->oidc_jwks_url : w->oidc_jwks);
    return QW_OK;
}

int qw_web_oidc_on(const qw_web_t *w)
{
    return (w->oidc_jwks && *w->oidc_jwks) || (w->oidc_jwks_url && *w->oidc_jwks_url);
}

int qw_web_oidc_identify(qw_web_t *w, const char *authorization, char *email, size_t cap, char *why,
                         size_t whylen)
{
    static const char bearer[] = "Bearer ";
    if (!authorization || strncmp(authorization, bearer, sizeof(bearer) - 1) != 0)
        return qw_err_set(why, whylen, "no bearer token");
    const char *tok = authorization + sizeof(bearer) - 1;
    qw_jwt_rules_t rules = {w->oidc_issuer, w->oidc_audience, w->oidc_email_claim, 60};
    int64_t now = qw_clock_now(&qw_clock_system) / 1000;
    int unknown = 0;
    pthread_mutex_lock(&w->oidc_mu);
    int rc =
        qw_jwt_verify(&w->jwks, &rules, tok, strlen(tok), now, email, cap, &unknown, why, whylen);
    if (rc != QW_OK && unknown && w->oidc_jwks_url && *w->oidc_jwks_url &&
        now - w->oidc_fetched_s >= 60) {
        char e[256];
        w->oidc_fetched_s = now;
        if (load(w, e, sizeof(e)) == QW_OK)
            rc = qw_jwt_verify(&w->jwks, &rules, tok, strlen(tok), now, email, cap, &unknown, why,
                               whylen);
        else
            qw_log(QW_LOG_WARN, "web.oidc", "refetching the JWKS: %s", e);
    }
    pthread_mutex_unlock(&w->oidc_mu);
    return rc;
}
