/* qw-web's OIDC decoders: input = JWKS JSON, NUL, compact token. The JWKS is parsed; the token
 * is verified against it (when it parsed) and against a fixed P-256 key set. Never a crash, a
 * leak or an identity without a verified signature over the claims it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_jwt.h"

static const char fixed_jwks[] = "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"f1\",\"crv\":\"P-256\","
                                 "\"x\":\"l3QZ4XP8Fykyu7KS5pBOqAIiyXyHI9oPRgBN_HZ_d-M\","
                                 "\"y\":\"9znMH8Dz6q4ucySrCt4Rt-HYjBM0Zx5hnfPR9gz7WJg\"}]}";
static qw_jwks_t fixed;
static int ready;

static void verify(const qw_jwks_t *ks, const char *tok, size_t len)
{
    static const qw_jwt_rules_t rules = {"https://login.example.com", "quotawatch", "email", 60};
    char email[128] = "", err[256];
    int unknown;
    if (qw_jwt_verify(ks, &rules, tok, len, 1800000000, email, sizeof(email), &unknown, err,
                      sizeof(err)) == QW_OK &&
        !email[0])
        abort(); /* accepted without an identity */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!ready) {
        if (qw_jwks_parse(&fixed, fixed_jwks, sizeof(fixed_jwks) - 1, err, sizeof(err)) != QW_OK)
            abort();
        ready = 1;
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t jl = nul ? (size_t)(nul - data) : size;
    const char *tok = nul ? (const char *)nul + 1 : "";
    size_t tl = nul ? size - jl - 1 : 0;
    qw_jwks_t ks;
    if (qw_jwks_parse(&ks, (const char *)data, jl, err, sizeof(err)) == QW_OK) verify(&ks, tok, tl);
    qw_jwks_free(&ks);
    verify(&fixed, tok, tl);
    return 0;
}
