#include "web_jwt.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"

long qw_b64url_decode(const char *s, size_t len, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    if (len % 4 == 1) return -1; /* no base64 length leaves one character over */
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits && (acc & ((1u << bits) - 1))) return -1; /* non-canonical trailing bits */
    return (long)n;
}

/* A base64url JSON member into a BIGNUM or raw bytes. */
static long member_bytes(json_t *o, const char *k, unsigned char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? qw_b64url_decode(s, strlen(s), out, cap) : -1;
}

static EVP_PKEY *from_params(OSSL_PARAM_BLD *b, const char *type)
{
    OSSL_PARAM *params = b ? OSSL_PARAM_BLD_to_param(b) : NULL;
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
    EVP_PKEY *pk = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pk;
}

static EVP_PKEY *rsa_key(json_t *o)
{
    unsigned char n[1024], e[16];
    long nl = member_bytes(o, "n", n, sizeof(n)), el = member_bytes(o, "e", e, sizeof(e));
    if (nl < 256 || el < 1) return NULL; /* 2048 bits at least */
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *pk = NULL;
    if (bn && be && b && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
        pk = from_params(b, "RSA");
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return pk;
}

static EVP_PKEY *ec_key(json_t *o)
{
    const char *crv = json_string_value(json_object_get(o, "crv"));
    unsigned char pt[65];
    if (!crv || strcmp(crv, "P-256") != 0) return NULL;
    pt[0] = 0x04; /* uncompressed point: x || y */
    if (member_bytes(o, "x", pt + 1, 32) != 32 || member_bytes(o, "y", pt + 33, 32) != 32)
        return NULL;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *pk = NULL;
    if (b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)))
        pk = from_params(b, "EC"); /* fromdata checks the point is on the curve */
    OSSL_PARAM_BLD_free(b);
    return pk;
}

int qw_jwks_parse(qw_jwks_t *ks, const char *json, size_t len, char *errbuf, size_t errlen)
{
    memset(ks, 0, sizeof(*ks));
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    json_t *keys = root ? json_object_get(root, "keys") : NULL;
    if (!json_is_array(keys)) {
        json_decref(root);
        return qw_err_set(errbuf, errlen, "not a JWKS (a JSON object with a \"keys\" array)%s%s",
                          root ? "" : ": ", root ? "" : je.text);
    }
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        if (ks->n == QW_JWKS_KEYS_MAX) break;
        const char *kty = json_string_value(json_object_get(k, "kty"));
        const char *use = json_string_value(json_object_get(k, "use"));
        const char *alg = json_string_value(json_object_get(k, "alg"));
        const char *kid = json_string_value(json_object_get(k, "kid"));
        if (!kty || (use && strcmp(use, "sig") != 0)) continue;
        qw_jwks_key_t *out = &ks->keys[ks->n];
        if (!strcmp(kty, "RSA") && (!alg || !strcmp(alg, "RS256"))) {
            out->alg = QW_JWT_RS256;
            out->pkey = rsa_key(k);
        } else if (!strcmp(kty, "EC") && (!alg || !strcmp(alg, "ES256"))) {
            out->alg = QW_JWT_ES256;
            out->pkey = ec_key(k);
        }
        if (!out->pkey) continue;
        snprintf(out->kid, sizeof(out->kid), "%s", kid && strlen(kid) < QW_JWT_KID_MAX ? kid : "");
        ks->n++;
    }
    json_decref(root);
    if (!ks->n)
        return qw_err_set(errbuf, errlen,
                          "the JWKS holds no usable signing key (RSA of 2048 bits or more for "
                          "RS256, EC P-256 for ES256)");
    return QW_OK;
}

void qw_jwks_free(qw_jwks_t *ks)
{
    for (int i = 0; i < ks->n; i++)
        EVP_PKEY_free(ks->keys[i].pkey);
    ks->n = 0;
}

/* ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER. */
static int es256_der(const unsigned char *raw, unsigned char *der, size_t cap, size_t *len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return -1;
    }
    int n = i2d_ECDSA_SIG(sig, NULL);
    unsigned char *p = der;
    int ok = n > 0 && (size_t)n <= cap && i2d_ECDSA_SIG(sig, &p) == n;
    ECDSA_SIG_free(sig);
    *len = ok ? (size_t)n : 0;
    return ok ? 0 : -1;
}

static int sig_ok(const qw_jwks_key_t *k, const char *input, size_t ilen, const unsigned char *sig,
                  size_t slen)
{
    unsigned char der[80];
    if (k->alg == QW_JWT_ES256) {
        if (slen != 64 || es256_der(sig, der, sizeof(der), &slen)) return 0;
        sig = der;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestVerify(md, sig, slen, (const unsigned char *)input, ilen) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static json_t *part_json(const char *s, size_t len)
{
    unsigned char buf[QW_JWT_TOKEN_MAX];
    long n = qw_b64url_decode(s, len, buf, sizeof(buf));
    json_t *o =
        n > 0 ? json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (o && !json_is_object(o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static int aud_holds(json_t *aud, const char *want)
{
    if (json_is_string(aud)) return !strcmp(json_string_value(aud), want);
    size_t i;
    json_t *a;
    json_array_foreach(aud, i,
                       a) if (json_is_string(a) && !strcmp(json_string_value(a), want)) return 1;
    return 0;
}

static int check_claims(json_t *c, const qw_jwt_rules_t *r, int64_t now, char *email, size_t cap,
                        char *errbuf, size_t errlen)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (!iss || strcmp(iss, r->issuer) != 0)
        return qw_err_set(errbuf, errlen, "token issuer is not %s", r->issuer);
    json_t *aud = json_object_get(c, "aud");
    if (!aud || !aud_holds(aud, r->audience))
        return qw_err_set(errbuf, errlen, "token is not for audience %s", r->audience);
    json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
    if (!json_is_number(exp)) return qw_err_set(errbuf, errlen, "token has no exp");
    if ((double)now >= json_number_value(exp) + (double)r->leeway_s)
        return qw_err_set(errbuf, errlen, "token expired");
    if (nbf && (!json_is_number(nbf) || (double)now + (double)r->leeway_s < json_number_value(nbf)))
        return qw_err_set(errbuf, errlen, "token not valid yet (nbf)");
    json_t *verified = json_object_get(c, "email_verified");
    if (verified && !json_is_true(verified))
        return qw_err_set(errbuf, errlen, "token's e-mail is not verified");
    const char *e = json_string_value(json_object_get(c, r->email_claim));
    if (!e || !*e || strlen(e) >= cap)
        return qw_err_set(errbuf, errlen, "token has no usable %s claim", r->email_claim);
    snprintf(email, cap, "%s", e);
    return QW_OK;
}

int qw_jwt_verify(const qw_jwks_t *ks, const qw_jwt_rules_t *rules, const char *token, size_t len,
                  int64_t now_s, char *email, size_t email_cap, int *unknown_kid, char *errbuf,
                  size_t errlen)
{
    *unknown_kid = 0;
    if (len > QW_JWT_TOKEN_MAX) return qw_err_set(errbuf, errlen, "token too long");
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        return qw_err_set(errbuf, errlen, "not a compact JWS (three dot-separated parts)");
    json_t *hdr = part_json(token, (size_t)(d1 - token));
    if (!hdr) return qw_err_set(errbuf, errlen, "token header is not base64url JSON");
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    qw_jwt_alg_t want = alg && !strcmp(alg, "RS256")   ? QW_JWT_RS256
                        : alg && !strcmp(alg, "ES256") ? QW_JWT_ES256
                                                       : (qw_jwt_alg_t)0;
    int rc = QW_ERR;
    json_t *claims = NULL;
    if (!want) {
        qw_err_set(errbuf, errlen, "token algorithm %.16s is not accepted (RS256, ES256)",
                   alg ? alg : "(none)");
        goto out;
    }
    if (json_object_get(hdr, "crit")) {
        qw_err_set(errbuf, errlen, "token has critical header extensions");
        goto out;
    }
    unsigned char sig[600];
    long sl = qw_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), sig, sizeof(sig));
    int candidates = 0, verified = 0;
    /* With a kid, that key; without, any key of the algorithm (a one-key JWKS). */
    for (int i = 0; i < ks->n && !verified; i++) {
        if (ks->keys[i].alg != want || (kid && strcmp(ks->keys[i].kid, kid) != 0)) continue;
        candidates++;
        verified = sl > 0 && sig_ok(&ks->keys[i], token, (size_t)(d2 - token), sig, (size_t)sl);
    }
    if (!candidates) {
        *unknown_kid = kid != NULL;
        qw_err_set(errbuf, errlen, "no %s key%s%.64s%s in the JWKS", alg, kid ? " with kid \"" : "",
                   kid ? kid : "", kid ? "\"" : "");
        goto out;
    }
    if (!verified) {
        qw_err_set(errbuf, errlen, "token signature does not verify");
        goto out;
    }
    claims = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!claims) {
        qw_err_set(errbuf, errlen, "token claims are not base64url JSON");
        goto out;
    }
    rc = check_claims(claims, rules, now_s, email, email_cap, errbuf, errlen);
out:
    json_decref(hdr);
    json_decref(claims);
    return rc;
}
