/* OIDC bearer tokens: RS256 and ES256 against a JWKS made from keys generated here; every
 * refusal (issuer, audience, time, algorithm, signature, kid, claims, encoding). */
#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "sf_jwt.h"
#include "web_jwt.h"

static EVP_PKEY *rsa, *ec;
static qw_jwks_t ks;
static const qw_jwt_rules_t rules = {"https://login.example.com", "quotawatch", "email", 60};
#define NOW 1800000000LL

static void b64(const void *in, size_t n, char *out, size_t cap)
{
    cr_assert_eq(qw_sf_b64url(in, n, out, cap), 0);
}

static void bn64(EVP_PKEY *k, const char *name, char *out, size_t cap)
{
    BIGNUM *bn = NULL;
    cr_assert(EVP_PKEY_get_bn_param(k, name, &bn));
    unsigned char buf[600];
    int n = BN_bn2bin(bn, buf);
    b64(buf, (size_t)n, out, cap);
    BN_free(bn);
}

static char jwks_json[8192];

static void setup(void)
{
    rsa = EVP_RSA_gen(2048);
    ec = EVP_EC_gen("P-256");
    cr_assert(rsa && ec);
    char n[400], e[16], x[64], y[64];
    bn64(rsa, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n));
    bn64(rsa, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e));
    unsigned char pt[65];
    size_t ptl = 0;
    cr_assert(EVP_PKEY_get_octet_string_param(ec, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt,
                                              sizeof(pt), &ptl));
    cr_assert_eq(ptl, 65);
    b64(pt + 1, 32, x, sizeof(x));
    b64(pt + 33, 32, y, sizeof(y));
    snprintf(
        jwks_json, sizeof(jwks_json),
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"use\":\"sig\",\"n\":\"%s\",\"e\":\"%s\"},"
        "{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
        "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"n\":\"%s\",\"e\":\"%s\"},"
        "{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}]}",
        n, e, x, y, n, e);
    char err[256];
    cr_assert_eq(qw_jwks_parse(&ks, jwks_json, strlen(jwks_json), err, sizeof(err)), QW_OK, "%s",
                 err);
}

static void teardown(void)
{
    qw_jwks_free(&ks);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

TestSuite(web_jwt, .init = setup, .fini = teardown);

/* header.claims signed with key (NULL: "alg" decides: HS256 uses secret). */
static void make(char *out, size_t cap, const char *header, const char *claims, EVP_PKEY *key)
{
    char h[1024], c[2048];
    b64(header, strlen(header), h, sizeof(h));
    b64(claims, strlen(claims), c, sizeof(c));
    char input[3100];
    snprintf(input, sizeof(input), "%s.%s", h, c);
    unsigned char sig[600];
    size_t sl = sizeof(sig);
    if (key) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        cr_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1);
        cr_assert(EVP_DigestSign(md, sig, &sl, (unsigned char *)input, strlen(input)) == 1);
        EVP_MD_CTX_free(md);
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) { /* DER -> r || s */
            const unsigned char *p = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
            unsigned char raw[64];
            BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
            ECDSA_SIG_free(es);
            memcpy(sig, raw, 64);
            sl = 64;
        }
    } else {
        unsigned int hl = 0;
        HMAC(EVP_sha256(), "secret", 6, (unsigned char *)input, strlen(input), sig, &hl);
        sl = hl;
    }
    char s[900];
    b64(sig, sl, s, sizeof(s));
    snprintf(out, cap, "%s.%s", input, s);
}

static const char *claims_ok =
    "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1800000600,"
    "\"nbf\":1799999000,\"email\":\"ada@example.com\",\"email_verified\":true}";

static int verify(const char *tok, char *email, char *err)
{
    int unknown = 0;
    return qw_jwt_verify(&ks, &rules, tok, strlen(tok), NOW, email, 128, &unknown, err, 256);
}

Test(web_jwt, jwks_keeps_signing_keys_only)
{
    cr_assert_eq(ks.n, 2, "RSA r1 and EC e1; the enc key and the HMAC secret are skipped");
    cr_assert_str_eq(ks.keys[0].kid, "r1");
    cr_assert_eq(ks.keys[1].alg, QW_JWT_ES256);
    qw_jwks_t bad;
    char err[256];
    cr_assert_eq(qw_jwks_parse(&bad, "{\"keys\":[]}", 11, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "no usable signing key"), "%s", err);
    qw_jwks_free(&bad);
    cr_assert_eq(qw_jwks_parse(&bad, "[1", 2, err, sizeof(err)), QW_ERR);
    qw_jwks_free(&bad);
}

Test(web_jwt, rs256_and_es256_verify)
{
    char tok[4096], email[128] = "", err[256] = "";
    make(tok, sizeof(tok), "{\"alg\":\"RS256\",\"kid\":\"r1\"}", claims_ok, rsa);
    cr_assert_eq(verify(tok, email, err), QW_OK, "%s", err);
    cr_assert_str_eq(email, "ada@example.com");
    make(tok, sizeof(tok), "{\"alg\":\"ES256\",\"kid\":\"e1\"}", claims_ok, ec);
    cr_assert_eq(verify(tok, email, err), QW_OK, "%s", err);
    make(tok, sizeof(tok), "{\"alg\":\"ES256\"}", claims_ok, ec);
    cr_assert_eq(verify(tok, email, err), QW_OK, "no kid: the key of the algorithm: %s", err);
    const char *aud_list = "{\"iss\":\"https://login.example.com\",\"aud\":[\"x\",\"quotawatch\"],"
                           "\"exp\":1800000600,\"email\":\"grace@example.com\"}";
    make(tok, sizeof(tok), "{\"alg\":\"RS256\",\"kid\":\"r1\"}", aud_list, rsa);
    cr_assert_eq(verify(tok, email, err), QW_OK, "aud as an array: %s", err);
    cr_assert_str_eq(email, "grace@example.com");
}

static void refused(const char *header, const char *claims, EVP_PKEY *key, const char *why)
{
    char tok[4096], email[128] = "", err[256] = "";
    make(tok, sizeof(tok), header, claims, key);
    cr_assert_eq(verify(tok, email, err), QW_ERR, "accepted: %s %s", header, claims);
    cr_assert(strstr(err, why), "want '%s', got '%s'", why, err);
    cr_assert_str_eq(email, "", "no identity on a refusal");
}

Test(web_jwt, claims_are_checked)
{
    const char *h = "{\"alg\":\"RS256\",\"kid\":\"r1\"}";
    refused(h,
            "{\"iss\":\"https://evil.example.com\",\"aud\":\"quotawatch\",\"exp\":1800000600,"
            "\"email\":\"a@x\"}",
            rsa, "issuer");
    refused(h,
            "{\"iss\":\"https://login.example.com\",\"aud\":\"other\",\"exp\":1800000600,"
            "\"email\":\"a@x\"}",
            rsa, "audience");
    refused(h,
            "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1799999900,"
            "\"email\":\"a@x\"}",
            rsa, "expired");
    refused(h, "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"email\":\"a@x\"}",
            rsa, "no exp");
    refused(h,
            "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1800000600,"
            "\"nbf\":1800000100,\"email\":\"a@x\"}",
            rsa, "nbf");
    refused(h,
            "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1800000600,"
            "\"email\":\"a@x\",\"email_verified\":false}",
            rsa, "not verified");
    refused(h, "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1800000600}",
            rsa, "email claim");
    /* Within the leeway: expired 30 s ago is still accepted (clock skew). */
    char tok[4096], email[128], err[256];
    make(tok, sizeof(tok), h,
         "{\"iss\":\"https://login.example.com\",\"aud\":\"quotawatch\",\"exp\":1799999970,"
         "\"email\":\"a@x\"}",
         rsa);
    cr_assert_eq(verify(tok, email, err), QW_OK, "%s", err);
}

Test(web_jwt, algorithms_keys_and_signatures_are_checked)
{
    refused("{\"alg\":\"none\"}", claims_ok, rsa, "not accepted");
    refused("{\"alg\":\"HS256\",\"kid\":\"r1\"}", claims_ok, NULL, "not accepted");
    refused("{\"alg\":\"RS256\",\"kid\":\"e1\"}", claims_ok, rsa, "no RS256 key");
    refused("{\"alg\":\"ES256\",\"kid\":\"e1\"}", claims_ok, rsa, "signature");
    refused("{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"b64\"]}", claims_ok, rsa, "critical");
    char tok[4096], email[128], err[256];
    int unknown = 0;
    make(tok, sizeof(tok), "{\"alg\":\"RS256\",\"kid\":\"rotated\"}", claims_ok, rsa);
    cr_assert_eq(qw_jwt_verify(&ks, &rules, tok, strlen(tok), NOW, email, 128, &unknown, err, 256),
                 QW_ERR);
    cr_assert_eq(unknown, 1, "an unknown kid: the caller may refetch the JWKS");
    /* A claim changed after signing. */
    make(tok, sizeof(tok), "{\"alg\":\"RS256\",\"kid\":\"r1\"}", claims_ok, rsa);
    char *c = strchr(tok, '.') + 1;
    c[5] = c[5] == 'A' ? 'B' : 'A';
    cr_assert_eq(verify(tok, email, err), QW_ERR);
    cr_assert_eq(verify("a.b", email, err), QW_ERR, "two parts");
    cr_assert_eq(verify("a.b.c.d", email, err), QW_ERR, "four parts");
    cr_assert_eq(verify("!!!.b.c", email, err), QW_ERR, "not base64url");
    cr_assert(strstr(err, "header"), "%s", err);
}

Test(web_jwt, base64url_is_strict)
{
    unsigned char out[16];
    cr_assert_eq(qw_b64url_decode("aGk", 3, out, sizeof(out)), 2);
    cr_assert_eq(memcmp(out, "hi", 2), 0);
    cr_assert_eq(qw_b64url_decode("aGk=", 4, out, sizeof(out)), -1, "no padding");
    cr_assert_eq(qw_b64url_decode("aGl", 3, out, sizeof(out)), -1, "non-canonical last bits");
    cr_assert_eq(qw_b64url_decode("a", 1, out, sizeof(out)), -1);
    cr_assert_eq(qw_b64url_decode("a+b/", 4, out, sizeof(out)), -1, "base64, not base64url");
    cr_assert_eq(qw_b64url_decode("aGVsbG8", 7, out, 4), -1, "does not fit");
}
