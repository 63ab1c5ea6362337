/* OAuth 2.0 logins: client credentials (consumer key + secret) or the JWT bearer flow (an
 * RS256 assertion signed with the connected app certificate's key). Secrets come from files
 * and never reach a log line or an error text. */
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "salesforce.h"
#include "sf_jwt.h"

int qw_sf_auth_load(qw_sf_auth_t *a, const char *secret_file, const char *key_file, char *errbuf,
                    size_t errlen)
{
    if (!strcmp(a->auth, "jwt")) {
        if (!key_file || !*key_file)
            return qw_err_set(errbuf, errlen, "--jwt-key-file: required with --auth jwt");
        FILE *f = fopen(key_file, "r");
        if (!f) return qw_err_set(errbuf, errlen, "--jwt-key-file %s: cannot open", key_file);
        a->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!a->key || EVP_PKEY_base_id(a->key) != EVP_PKEY_RSA)
            return qw_err_set(errbuf, errlen, "--jwt-key-file %s: not a PEM RSA private key",
                              key_file);
        return QW_OK;
    }
    if (!secret_file || !*secret_file)
        return qw_err_set(errbuf, errlen,
                          "--client-secret-file: required with --auth client_credentials");
    char e[QW_ERRSTR_MAX];
    if (qw_config_read_secret(secret_file, a->secret, sizeof(a->secret), e, sizeof(e)))
        return qw_err_set(errbuf, errlen, "--client-secret-file: %s", e);
    if (!*a->secret) return qw_err_set(errbuf, errlen, "--client-secret-file: empty");
    return QW_OK;
}

void qw_sf_auth_free(qw_sf_auth_t *a)
{
    memset(a->secret, 0, sizeof(a->secret));
    EVP_PKEY_free(a->key);
    a->key = NULL;
}

/* The form body of the token request (malloc'd), or NULL. */
static char *form(CURL *h, const qw_sf_auth_t *a, char *errbuf, size_t errlen)
{
    char *id = curl_easy_escape(h, a->client_id, 0), *out = NULL;
    if (!strcmp(a->auth, "jwt")) {
        static char jwt[QW_SF_JWT_MAX];
        int64_t now_s = qw_clock_now(&qw_clock_system) / 1000;
        if (qw_sf_jwt_assertion(a->key, a->client_id, a->username, a->login_url, now_s, jwt,
                                sizeof(jwt), errbuf, errlen) == QW_OK) {
            size_t n = strlen(jwt) + 128;
            out = malloc(n);
            if (out)
                snprintf(out, n,
                         "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                         "&assertion=%s",
                         jwt);
        }
    } else {
        char *sec = curl_easy_escape(h, a->secret, 0);
        size_t n = (id ? strlen(id) : 0) + (sec ? strlen(sec) : 0) + 96;
        out = id && sec ? malloc(n) : NULL;
        if (out)
            snprintf(out, n, "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
                     sec);
        if (sec) {
            memset(sec, 0, strlen(sec));
            curl_free(sec);
        }
    }
    curl_free(id);
    return out;
}

int qw_sf_login(CURL *h, const qw_sf_auth_t *a, qw_sf_token_t *tok, char *errbuf, size_t errlen)
{
    char url[QW_SF_URL_MAX + 64];
    snprintf(url, sizeof(url), "%s/services/oauth2/token", a->login_url);
    char *body = form(h, a, errbuf, errlen);
    if (!body) return QW_ERR;
    qw_sf_resp_t r;
    int rc =
        qw_sf_http(h, url, "application/x-www-form-urlencoded", body, NULL, 30, &r, errbuf, errlen);
    memset(body, 0, strlen(body));
    free(body);
    if (rc) return QW_ERR;
    rc = qw_sf_token_parse(r.body, r.len, r.status, tok, errbuf, errlen);
    qw_sf_resp_free(&r);
    return rc;
}
