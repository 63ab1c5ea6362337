#include "gw_verify.h"

#include "quotawatch/common.h"
#include "sign.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qw_gw_secrets_parse(qw_gw_secrets_t *out, const char *text, size_t len, char *errbuf,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t a = i, b = e;
        i = e + 1;
        while (a < b && isspace((unsigned char)text[a]))
            a++;
        while (b > a && isspace((unsigned char)text[b - 1]))
            b--;
        if (a == b || text[a] == '#') continue;
        if (out->n == QW_GW_SECRETS_MAX)
            return qw_err_set(errbuf, errlen, "more than %d secrets", QW_GW_SECRETS_MAX);
        if (b - a >= QW_GW_SECRET_LEN)
            return qw_err_set(errbuf, errlen, "secret %d is longer than %d bytes", out->n + 1,
                              QW_GW_SECRET_LEN - 1);
        memcpy(out->s[out->n], text + a, b - a);
        out->len[out->n++] = b - a;
    }
    if (out->n == 0) return qw_err_set(errbuf, errlen, "no secret in the file");
    return QW_OK;
}

void qw_gw_secrets_label(qw_gw_secrets_t *s, const char *fallback, int basic)
{
    for (int i = 0; i < s->n; i++) {
        char *v = s->s[i];
        size_t n = s->len[i], cut = 0;
        if (basic) {
            const char *colon = memchr(v, ':', n);
            cut = colon ? (size_t)(colon - v) : 0;
            snprintf(s->label[i], QW_GW_LABEL_LEN, "%.*s", (int)cut, v);
            if (!cut) snprintf(s->label[i], QW_GW_LABEL_LEN, "%s#%d", fallback, i + 1);
            continue;
        }
        while (cut < n && !isspace((unsigned char)v[cut]))
            cut++;
        if (cut == n) {
            snprintf(s->label[i], QW_GW_LABEL_LEN, "%s#%d", fallback, i + 1);
            continue;
        }
        snprintf(s->label[i], QW_GW_LABEL_LEN, "%.*s", (int)cut, v);
        size_t a = cut;
        while (a < n && isspace((unsigned char)v[a]))
            a++;
        memmove(v, v + a, n - a);
        memset(v + (n - a), 0, QW_GW_SECRET_LEN - (n - a));
        s->len[i] = n - a;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int qw_gw_hubspot_uri(const char *public_url, const char *path_query, char *out, size_t outlen)
{
    size_t ul = strlen(public_url);
    while (ul && public_url[ul - 1] == '/')
        ul--;
    if (ul >= outlen) return QW_ERR;
    memcpy(out, public_url, ul);
    size_t o = ul;
    for (const char *p = path_query; *p; p++) {
        char c = *p;
        if (c == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            char d = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            if (d && strchr(":/?@!$'()*,;", d)) c = d, p += 2;
        }
        if (o + 1 >= outlen) return QW_ERR;
        out[o++] = c;
    }
    out[o] = '\0';
    return QW_OK;
}

/* base64(HMAC-SHA256(key, parts...)) into b64 (45 bytes). */
static int hmac_b64(const char *key, size_t key_len, const char *const *parts, const size_t *lens,
                    int n, char b64[45])
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *h = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    unsigned char mac[32];
    size_t len = 0;
    int ok = h && EVP_MAC_init(h, (const unsigned char *)key, key_len, params);
    for (int i = 0; ok && i < n; i++)
        ok = EVP_MAC_update(h, (const unsigned char *)parts[i], lens[i]);
    ok = ok && EVP_MAC_final(h, mac, &len, sizeof(mac)) && len == 32;
    EVP_MAC_CTX_free(h);
    EVP_MAC_free(m);
    if (ok) EVP_EncodeBlock((unsigned char *)b64, mac, 32);
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok ? QW_OK : QW_ERR;
}

/* A decimal timestamp header; 0 on success. */
static int parse_ts(const char *s, int64_t *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s)) return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int in_window(int64_t ts_ms, int64_t now_ms)
{
    int64_t d = now_ms - ts_ms;
    return d <= QW_GW_WINDOW_MS && d >= -QW_GW_WINDOW_MS;
}

qw_gw_verdict_t qw_gw_hubspot_verify(const qw_gw_secrets_t *secrets, const char *method,
                                     const char *uri, const char *body, size_t body_len,
                                     const char *ts_header, const char *sig_header, int64_t now_ms,
                                     int *which)
{
    int64_t ts;
    if (!sig_header || strlen(sig_header) != 44 || parse_ts(ts_header, &ts)) return QW_GW_MISSING;
    if (ts > INT64_MAX / 2 || !in_window(ts, now_ms)) return QW_GW_STALE;
    const char *parts[] = {method, uri, body, ts_header};
    size_t lens[] = {strlen(method), strlen(uri), body_len, strlen(ts_header)};
    int match = 0;
    for (int i = 0; i < secrets->n; i++) {
        char want[45];
        if (hmac_b64(secrets->s[i], secrets->len[i], parts, lens, 4, want)) continue;
        int eq = CRYPTO_memcmp(want, sig_header, 44) == 0; /* no early exit: constant time */
        match |= eq;
        if (eq && which) *which = i;
    }
    return match ? QW_GW_OK : QW_GW_BAD_SIGNATURE;
}

qw_gw_verdict_t qw_gw_hubspot_legacy_verify(const qw_gw_secrets_t *secrets, const char *version,
                                            const char *method, const char *uri, const char *body,
                                            size_t body_len, const char *sig_header, int *which)
{
    int v2 = version && !strcmp(version, "v2");
    if (!version || (!v2 && strcmp(version, "v1")) || !sig_header || strlen(sig_header) != 64)
        return QW_GW_MISSING;
    int match = 0;
    for (int i = 0; i < secrets->n; i++) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
                 EVP_DigestUpdate(c, secrets->s[i], secrets->len[i]) &&
                 (!v2 || (EVP_DigestUpdate(c, method, strlen(method)) &&
                          EVP_DigestUpdate(c, uri, strlen(uri)))) &&
                 EVP_DigestUpdate(c, body, body_len) && EVP_DigestFinal_ex(c, md, &mdlen) &&
                 mdlen == 32;
        EVP_MD_CTX_free(c);
        if (!ok) continue;
        char want[65];
        for (int k = 0; k < 32; k++)
            snprintf(want + 2 * k, 3, "%02x", md[k]);
        /* HubSpot sends lowercase hex; compare case-insensitively in constant time. */
        char got[65];
        for (int k = 0; k < 64; k++)
            got[k] = (char)tolower((unsigned char)sig_header[k]);
        int eq = CRYPTO_memcmp(want, got, 64) == 0;
        match |= eq;
        if (eq && which) *which = i;
    }
    return match ? QW_GW_OK : QW_GW_BAD_SIGNATURE;
}

qw_gw_verdict_t qw_gw_basic_verify(const qw_gw_secrets_t *creds, const char *auth_header,
                                   int *which)
{
    if (!auth_header || strncasecmp(auth_header, "Basic ", 6) != 0) return QW_GW_MISSING;
    const char *b = auth_header + 6;
    while (*b == ' ')
        b++;
    size_t bl = strlen(b);
    if (bl == 0 || bl % 4 || bl > (QW_GW_SECRET_LEN / 3) * 4) return QW_GW_MISSING;
    unsigned char dec[QW_GW_SECRET_LEN + 4];
    int n = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)bl);
    if (n < 0) return QW_GW_MISSING;
    if (b[bl - 1] == '=') n--;
    if (b[bl - 2] == '=') n--;
    /* Only the canonical encoding: OpenSSL ignores the unused low bits of the last character,
     * so "…XT=" and "…XQ=" decode alike; one spelling per credential. */
    unsigned char again[(QW_GW_SECRET_LEN / 3) * 4 + 8];
    if (n < 0 || EVP_EncodeBlock(again, dec, n) != (int)bl || memcmp(again, b, bl) != 0) {
        OPENSSL_cleanse(dec, sizeof(dec));
        return QW_GW_MISSING;
    }
    int match = 0;
    for (int i = 0; i < creds->n; i++) {
        int eq = creds->len[i] == (size_t)n && CRYPTO_memcmp(creds->s[i], dec, (size_t)n) == 0;
        match |= eq;
        if (eq && which) *which = i;
    }
    OPENSSL_cleanse(dec, sizeof(dec));
    return match ? QW_GW_OK : QW_GW_BAD_SIGNATURE;
}

qw_gw_verdict_t qw_gw_canonical_verify(const qw_gw_secrets_t *secrets, const char *id,
                                       const char *ts_header, const char *sig_header,
                                       const char *body, size_t body_len, int64_t now_ms,
                                       int *which)
{
    int64_t ts;
    if (!id || !*id || !sig_header || parse_ts(ts_header, &ts)) return QW_GW_MISSING;
    if (ts > INT64_MAX / 2000 || !in_window(ts * 1000, now_ms)) return QW_GW_STALE;
    int match = 0;
    for (int i = 0; i < secrets->n; i++) {
        qw_sign_key_t k;
        char err[QW_ERRSTR_MAX];
        if (qw_sign_key_parse(&k, secrets->s[i], secrets->len[i], err, sizeof(err))) continue;
        int eq = qw_sign_verify(&k, id, ts, body, body_len, sig_header);
        match |= eq;
        if (eq && which) *which = i;
        OPENSSL_cleanse(&k, sizeof(k));
    }
    return match ? QW_GW_OK : QW_GW_BAD_SIGNATURE;
}

const char *qw_gw_verdict_name(qw_gw_verdict_t v)
{
    switch (v) {
    case QW_GW_OK:
        return "ok";
    case QW_GW_BAD_SIGNATURE:
        return "bad_signature";
    case QW_GW_STALE:
        return "stale";
    case QW_GW_MISSING:
        return "missing";
    case QW_GW_BAD_SHAPE:
        return "bad_shape";
    }
    return "unknown";
}
