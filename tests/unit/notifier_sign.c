/* Standard Webhooks signing: the published test vector, verification, and bad secrets. */
#include <criterion/criterion.h>
#include <string.h>

#include "sign.h"

static const char *const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char *const msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char *const payload = "{\"test\": 2432232314}";

Test(notifier_sign, standard_webhooks_vector)
{
    qw_sign_key_t k;
    char err[256], sig[QW_SIGN_SIG_MAX];
    cr_assert_eq(qw_sign_key_parse(&k, secret, strlen(secret), err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(qw_sign(&k, msg_id, 1614265330, payload, strlen(payload), sig), 0);
    cr_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

Test(notifier_sign, prefix_optional_and_whitespace_ignored)
{
    qw_sign_key_t a, b;
    char err[256];
    const char *bare = " MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
    cr_assert_eq(qw_sign_key_parse(&a, secret, strlen(secret), err, sizeof(err)), 0);
    cr_assert_eq(qw_sign_key_parse(&b, bare, strlen(bare), err, sizeof(err)), 0);
    cr_assert_eq(a.len, 24);
    cr_assert_eq(a.len, b.len);
    cr_assert(memcmp(a.key, b.key, a.len) == 0);
}

Test(notifier_sign, verify_accepts_any_listed_and_rejects_tampering)
{
    qw_sign_key_t k;
    char err[256];
    qw_sign_key_parse(&k, secret, strlen(secret), err, sizeof(err));
    const char *hdr = "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    cr_assert(qw_sign_verify(&k, msg_id, 1614265330, payload, strlen(payload), hdr));
    cr_assert_not(qw_sign_verify(&k, msg_id, 1614265331, payload, strlen(payload), hdr));
    cr_assert_not(qw_sign_verify(&k, "msg_other", 1614265330, payload, strlen(payload), hdr));
    cr_assert_not(qw_sign_verify(&k, msg_id, 1614265330, "{\"test\": 1}", 11, hdr));
}

Test(notifier_sign, bad_secrets_refused_without_echo)
{
    qw_sign_key_t k;
    char err[256];
    cr_assert_neq(qw_sign_key_parse(&k, "whsec_not*base64", 16, err, sizeof(err)), 0);
    cr_assert_null(strstr(err, "not*base64"));
    cr_assert_neq(qw_sign_key_parse(&k, "whsec_", 6, err, sizeof(err)), 0);
    cr_assert_neq(qw_sign_key_parse(&k, "whsec_c2hvcnQ=", 14, err, sizeof(err)), 0); /* 5 bytes */
}
