/* RS256 JWT assertions with OpenSSL EVP (PKCS#1 v1.5 over SHA-256). */
#include "sf_jwt.h"

#include <jansson.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qw_sf_b64url(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0) + 1;
    if (need > outlen) return QW_ERR;
    size_t j = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[j++] = tab[v >> 18 & 63];
        out[j++] = tab[v >> 12 & 63];
        out[j++] = tab[v >> 6 & 63];
        out[j++] = tab[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[j++] = tab[v >> 18 & 63];
        out[j++] = tab[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[j++] = tab[v >> 18 & 63];
        out[j++] = tab[v >> 12 & 63];
        out[j++] = tab[v >> 6 & 63];
    }
    out[j] = '\0';
    return QW_OK;
}

static int b64_json(json_t *j, char *out, size_t outlen)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!s) return QW_ERR;
    int rc = qw_sf_b64url((const unsigned char *)s, strlen(s), out, outlen);
    free(s);
    return rc;
}

int qw_sf_jwt_signing_input(const char *iss, const char *sub, const char *aud, int64_t now_s,
                            char *out, size_t outlen, char *errbuf, size_t errlen)
{
    if (!iss || !*iss || !sub || !*sub || !aud || !*aud)
        return qw_err_set(errbuf, errlen, "JWT: iss, sub and aud are required");
    char h[64], c[QW_SF_JWT_MAX];
    if (b64_json(json_pack("{s:s}", "alg", "RS256"), h, sizeof(h)) ||
        b64_json(json_pack("{s:s, s:s, s:s, s:I}", "iss", iss, "sub", sub, "aud", aud, "exp",
                           (json_int_t)(now_s + QW_SF_JWT_EXP_S)),
                 c, sizeof(c)))
        return qw_err_set(errbuf, errlen, "JWT: claims too long");
    if ((size_t)snprintf(out, outlen, "%s.%s", h, c) >= outlen)
        return qw_err_set(errbuf, errlen, "JWT: assertion too long");
    return QW_OK;
}

int qw_sf_jwt_assertion(EVP_PKEY *key, const char *iss, const char *sub, const char *aud,
                        int64_t now_s, char *out, size_t outlen, char *errbuf, size_t errlen)
{
    if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA)
        return qw_err_set(errbuf, errlen, "JWT: RS256 needs an RSA private key");
    if (qw_sf_jwt_signing_input(iss, sub, aud, now_s, out, outlen, errbuf, errlen)) return QW_ERR;
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_PKEY_size(key) <= (int)sizeof(sig) &&
             EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)out, strlen(out)) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return qw_err_set(errbuf, errlen, "JWT: signing failed");
    size_t n = strlen(out);
    if (n + 2 > outlen) return qw_err_set(errbuf, errlen, "JWT: assertion too long");
    out[n] = '.';
    if (qw_sf_b64url(sig, siglen, out + n + 1, outlen - n - 1))
        return qw_err_set(errbuf, errlen, "JWT: assertion too long");
    return QW_OK;
}
