/* qw-salesforce's JWT bearer assertion: base64url as RFC 7515 wants it, the header and claims
 * Salesforce checks, and an RS256 signature that verifies with the public key. */
#include "sf_jwt.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <string.h>

static size_t b64url_dec(const char *s, size_t n, unsigned char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t j = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(tab, s[i]);
        cr_assert(p && s[i], "not base64url: %c", s[i]);
        acc = acc << 6 | (uint32_t)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[j++] = (unsigned char)(acc >> bits);
        }
    }
    return j;
}

Test(salesforce_jwt, base64url_vectors)
{
    /* RFC 4648 section 10 vectors, without padding, in the url alphabet. */
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[32];
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(qw_sf_b64url((const unsigned char *)in[i], strlen(in[i]), out, sizeof(out)),
                     QW_OK);
        cr_assert_str_eq(out, want[i]);
    }
    const unsigned char bin[] = {0xfb, 0xff, 0xfe};
    cr_assert_eq(qw_sf_b64url(bin, 3, out, sizeof(out)), QW_OK);
    cr_assert_str_eq(out, "-__-", "the url alphabet, not + and /");
    cr_assert_eq(qw_sf_b64url((const unsigned char *)"foobar", 6, out, 8), QW_ERR);
    cr_assert_eq(qw_sf_b64url((const unsigned char *)"foobar", 6, out, 9), QW_OK);
}

static json_t *part(const char *s, size_t n)
{
    unsigned char buf[2048];
    size_t len = b64url_dec(s, n, buf);
    json_error_t je;
    json_t *j = json_loadb((const char *)buf, len, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    return j;
}

Test(salesforce_jwt, claims)
{
    char in[QW_SF_JWT_MAX], err[256];
    cr_assert_eq(qw_sf_jwt_signing_input("3MVGkey", "ops@acme.example",
                                         "https://login.salesforce.com", 1764700000, in, sizeof(in),
                                         err, sizeof(err)),
                 QW_OK, "%s", err);
    const char *dot = strchr(in, '.');
    cr_assert_not_null(dot);
    cr_assert_null(strchr(dot + 1, '.'));
    json_t *h = part(in, (size_t)(dot - in)), *c = part(dot + 1, strlen(dot + 1));
    cr_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
    cr_assert_str_eq(json_string_value(json_object_get(c, "iss")), "3MVGkey");
    cr_assert_str_eq(json_string_value(json_object_get(c, "sub")), "ops@acme.example");
    cr_assert_str_eq(json_string_value(json_object_get(c, "aud")), "https://login.salesforce.com");
    cr_assert_eq(json_integer_value(json_object_get(c, "exp")), 1764700000 + 180,
                 "Salesforce wants exp within 3 minutes");
    json_decref(h);
    json_decref(c);
    cr_assert_eq(qw_sf_jwt_signing_input("k", "", "a", 1, in, sizeof(in), err, sizeof(err)),
                 QW_ERR);
}

Test(salesforce_jwt, rs256_signature_verifies)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    cr_assert_not_null(key);
    char jwt[QW_SF_JWT_MAX], err[256];
    cr_assert_eq(qw_sf_jwt_assertion(key, "k", "u@x", "https://test.salesforce.com", 1764700000,
                                     jwt, sizeof(jwt), err, sizeof(err)),
                 QW_OK, "%s", err);
    char *last = strrchr(jwt, '.');
    unsigned char sig[512];
    size_t siglen = b64url_dec(last + 1, strlen(last + 1), sig);
    cr_assert_eq(siglen, 256);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    cr_assert_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    cr_assert_eq(
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)jwt, (size_t)(last - jwt)), 1,
        "the signature covers header.claims");
    EVP_MD_CTX_free(ctx);
    /* A changed claim does not verify. */
    jwt[5] ^= 1;
    ctx = EVP_MD_CTX_new();
    cr_assert_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    cr_assert_neq(
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)jwt, (size_t)(last - jwt)), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
}

Test(salesforce_jwt, refuses_a_non_rsa_key)
{
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    char jwt[QW_SF_JWT_MAX], err[256];
    cr_assert_eq(qw_sf_jwt_assertion(ec, "k", "u", "a", 1, jwt, sizeof(jwt), err, sizeof(err)),
                 QW_ERR);
    cr_assert(strstr(err, "RSA"));
    cr_assert_eq(qw_sf_jwt_assertion(NULL, "k", "u", "a", 1, jwt, sizeof(jwt), err, sizeof(err)),
                 QW_ERR);
    EVP_PKEY_free(ec);
}
