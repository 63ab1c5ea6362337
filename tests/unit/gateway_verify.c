/* qw-gateway request verification. Vectors computed independently with python3:
 *   base64(hmac.new(b"hs-secret-1", (method + uri + body + ts).encode(), sha256).digest())
 *   base64(hmac.new(b64decode(whsec), b"msg_1.1764700000." + body, sha256).digest()) */
#include "gw_body.h"
#include "gw_verify.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NOW_MS  1764700000000LL
#define TS      "1764700000000"
#define HS_URI  "https://hooks.example.com/hubspot?portal=1"
#define HS_BODY "[{\"objectId\":1}]"
#define HS_SIG  "0fg4HA53HiTs0HEE+7S+nAHRzmw+4kYVt9y6nuPxOr4="
#define SW_KEY  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_BODY "{\"deal_id\":\"d1\"}"
#define SW_SIG  "v1,26fMH3IiqYWHtSqYuoWgWUOm4VrxhDFShrrk9cga9xo="

static qw_gw_secrets_t secrets(const char *text)
{
    qw_gw_secrets_t s;
    char err[256];
    cr_assert_eq(qw_gw_secrets_parse(&s, text, strlen(text), err, sizeof(err)), 0, "%s", err);
    return s;
}

static qw_gw_verdict_t hs(const char *keys, const char *body, const char *ts, int64_t now)
{
    qw_gw_secrets_t s = secrets(keys);
    return qw_gw_hubspot_verify(&s, "POST", HS_URI, body, strlen(body), ts, HS_SIG, now, NULL);
}

Test(gateway_hubspot, valid_signature)
{
    cr_assert_eq(hs("hs-secret-1\n", HS_BODY, TS, NOW_MS), QW_GW_OK);
}

Test(gateway_hubspot, tampered_body_wrong_secret_and_rotation)
{
    cr_assert_eq(hs("hs-secret-1", "[{\"objectId\":2}]", TS, NOW_MS), QW_GW_BAD_SIGNATURE);
    cr_assert_eq(hs("hs-secret-2", HS_BODY, TS, NOW_MS), QW_GW_BAD_SIGNATURE);
    /* During a rotation either secret is accepted. */
    cr_assert_eq(hs("# new first\nhs-secret-2\n  hs-secret-1  \n", HS_BODY, TS, NOW_MS), QW_GW_OK);
}

Test(gateway_hubspot, five_minute_window)
{
    cr_assert_eq(hs("hs-secret-1", HS_BODY, TS, NOW_MS + 5 * 60 * 1000), QW_GW_OK);
    cr_assert_eq(hs("hs-secret-1", HS_BODY, TS, NOW_MS + 6 * 60 * 1000), QW_GW_STALE);
    cr_assert_eq(hs("hs-secret-1", HS_BODY, TS, NOW_MS - 6 * 60 * 1000), QW_GW_STALE);
    cr_assert_eq(hs("hs-secret-1", HS_BODY, "", NOW_MS), QW_GW_MISSING);
    cr_assert_eq(hs("hs-secret-1", HS_BODY, "12x", NOW_MS), QW_GW_MISSING);
    qw_gw_secrets_t s = secrets("hs-secret-1");
    cr_assert_eq(
        qw_gw_hubspot_verify(&s, "POST", HS_URI, HS_BODY, strlen(HS_BODY), TS, NULL, NOW_MS, NULL),
        QW_GW_MISSING);
}

Test(gateway_hubspot, uri_rebuilt_from_public_url_and_decoded)
{
    char uri[QW_GW_URI_MAX];
    cr_assert_eq(
        qw_gw_hubspot_uri("https://hooks.example.com/", "/hubspot?portal=1", uri, sizeof(uri)), 0);
    cr_assert_str_eq(uri, HS_URI);
    /* HubSpot decodes these escapes before signing; others (%20, %3D, %26) stay encoded. */
    cr_assert_eq(qw_gw_hubspot_uri("https://h", "/a%3Ab%40c%2f%3F%21%24%27%28%29%2A%2C%3B", uri,
                                   sizeof(uri)),
                 0);
    cr_assert_str_eq(uri, "https://h/a:b@c/?!$'()*,;");
    cr_assert_eq(qw_gw_hubspot_uri("https://h", "/a%20b%3Dc%26%zz%4", uri, sizeof(uri)), 0);
    cr_assert_str_eq(uri, "https://h/a%20b%3Dc%26%zz%4");
    cr_assert_eq(qw_gw_hubspot_uri("https://h", "/long", uri, 8), -1);
    /* The decoded form is what is signed: python3 vector over ".../hubspot/a:b@c". */
    qw_gw_secrets_t s = secrets("hs-secret-1");
    cr_assert_eq(
        qw_gw_hubspot_uri("https://hooks.example.com", "/hubspot/a%3Ab%40c", uri, sizeof(uri)), 0);
    cr_assert_eq(qw_gw_hubspot_verify(&s, "POST", uri, "[]", 2, TS,
                                      "3pU06n1DAfzGeASUTXENunWaIbcFNDb3+0EYOt/Om7g=", NOW_MS, NULL),
                 QW_GW_OK);
}

Test(gateway_basic, credentials)
{
    qw_gw_secrets_t c = secrets("old:pw\npd:s3cret\n");
    cr_assert_eq(qw_gw_basic_verify(&c, "Basic cGQ6czNjcmV0", NULL), QW_GW_OK); /* pd:s3cret */
    cr_assert_eq(qw_gw_basic_verify(&c, "basic cGQ6czNjcmV0", NULL), QW_GW_OK);
    cr_assert_eq(qw_gw_basic_verify(&c, "Basic cGQ6czNjcmVV", NULL), QW_GW_BAD_SIGNATURE);
    cr_assert_eq(qw_gw_basic_verify(&c, "Basic cGQ6", NULL), QW_GW_BAD_SIGNATURE); /* "pd:" */
    cr_assert_eq(qw_gw_basic_verify(&c, "Bearer cGQ6czNjcmV0", NULL), QW_GW_MISSING);
    cr_assert_eq(qw_gw_basic_verify(&c, "Basic abc", NULL), QW_GW_MISSING);
    cr_assert_eq(qw_gw_basic_verify(&c, NULL, NULL), QW_GW_MISSING);
    /* One spelling per credential: the unused low bits of the last character must be zero
     * (found by fuzz_gateway_verify: "…XT=" decoded like "…XQ="). */
    qw_gw_secrets_t f = secrets("fuzz-secret\n");
    cr_assert_eq(qw_gw_basic_verify(&f, "Basic ZnV6ei1zZWNyZXQ=", NULL), QW_GW_OK);
    cr_assert_eq(qw_gw_basic_verify(&f, "Basic ZnV6ei1zZWNyZXT=", NULL), QW_GW_MISSING);
    cr_assert_eq(qw_gw_basic_verify(&f, "Basic ZnV6ei1zZWNyZXR=", NULL), QW_GW_MISSING);
}

Test(gateway_canonical, standard_webhooks)
{
    qw_gw_secrets_t s = secrets(SW_KEY);
    size_t n = strlen(SW_BODY);
    int64_t now = 1764700000LL * 1000;
    cr_assert_eq(qw_gw_canonical_verify(&s, "msg_1", "1764700000", SW_SIG, SW_BODY, n, now, NULL),
                 QW_GW_OK);
    cr_assert_eq(
        qw_gw_canonical_verify(&s, "msg_1", "1764700000", "v1,x " SW_SIG, SW_BODY, n, now, NULL),
        QW_GW_OK);
    cr_assert_eq(qw_gw_canonical_verify(&s, "msg_2", "1764700000", SW_SIG, SW_BODY, n, now, NULL),
                 QW_GW_BAD_SIGNATURE);
    cr_assert_eq(qw_gw_canonical_verify(&s, "msg_1", "1764700000", SW_SIG, "{}", 2, now, NULL),
                 QW_GW_BAD_SIGNATURE);
    cr_assert_eq(qw_gw_canonical_verify(&s, "msg_1", "1764700000", SW_SIG, SW_BODY, n,
                                        now + 6 * 60 * 1000, NULL),
                 QW_GW_STALE);
    cr_assert_eq(qw_gw_canonical_verify(&s, "", "1764700000", SW_SIG, SW_BODY, n, now, NULL),
                 QW_GW_MISSING);
}

Test(gateway_shape, per_source)
{
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_HUBSPOT, " [ ] \n", 6), QW_GW_OK);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_HUBSPOT, "{}", 2), QW_GW_BAD_SHAPE);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_PIPEDRIVE, "{\"a\":1}", 7), QW_GW_OK);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_CANONICAL, "[]", 2), QW_GW_BAD_SHAPE);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_CANONICAL, "", 0), QW_GW_BAD_SHAPE);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_CANONICAL, "[{}]", 4), QW_GW_OK);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_CANONICAL, "{}", 2), QW_GW_OK);
    /* Brackets are not enough: the body must be JSON. */
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_HUBSPOT, "[1,]", 4), QW_GW_BAD_SHAPE);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_PIPEDRIVE, "{\"a\":1} {}", 10), QW_GW_BAD_SHAPE);
    cr_assert_eq(qw_gw_shape_check(QW_GW_SRC_PIPEDRIVE, "{\"a\":\"\\u0000\"}", 13),
                 QW_GW_BAD_SHAPE);
    cr_assert_str_eq(qw_gw_verdict_name(QW_GW_STALE), "stale");
}

Test(gateway_secrets, limits)
{
    qw_gw_secrets_t s;
    char err[256];
    cr_assert_eq(qw_gw_secrets_parse(&s, "\n# only\n", 8, err, sizeof(err)), -1);
    cr_assert_eq(qw_gw_secrets_parse(&s, "a\nb\nc\nd\ne\n", 10, err, sizeof(err)), -1);
    cr_assert_eq(qw_gw_secrets_parse(&s, "a\r\nb", 4, err, sizeof(err)), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(s.len[0], 1);
}

Test(gateway_hubspot, which_secret_matched)
{
    qw_gw_secrets_t s = secrets("hs-secret-0\nhs-secret-1\n");
    int which = -1;
    cr_assert_eq(qw_gw_hubspot_verify(&s, "POST", HS_URI, HS_BODY, strlen(HS_BODY), TS, HS_SIG,
                                      NOW_MS, &which),
                 QW_GW_OK);
    cr_assert_eq(which, 1);
}

Test(gateway_body, key_is_the_deal_id)
{
    char key[QW_GW_KEY_MAX];
#define INSPECT(src, lit) qw_gw_body_inspect(src, lit, sizeof(lit) - 1, key)
    cr_assert_eq(INSPECT(QW_GW_SRC_HUBSPOT, "[{\"objectId\":5550001},{\"objectId\":7}]"), QW_GW_OK);
    cr_assert_str_eq(key, "5550001");
    cr_assert_eq(INSPECT(QW_GW_SRC_HUBSPOT, "[]"), QW_GW_OK);
    cr_assert_str_eq(key, "");
    cr_assert_eq(INSPECT(QW_GW_SRC_PIPEDRIVE, "{\"meta\":{\"entity_id\":\"901\",\"id\":\"uuid\"}}"),
                 QW_GW_OK);
    cr_assert_str_eq(key, "901");
    cr_assert_eq(INSPECT(QW_GW_SRC_PIPEDRIVE, "{\"meta\":{\"id\":\"u\"},\"current\":{\"id\":44}}"),
                 QW_GW_OK);
    cr_assert_str_eq(key, "44");
    cr_assert_eq(INSPECT(QW_GW_SRC_CANONICAL, "[{\"deal_id\":\"D-3\"},{\"deal_id\":\"D-4\"}]"),
                 QW_GW_OK);
    cr_assert_str_eq(key, "D-3");
    /* A hostile id places nothing: no key rather than control bytes or a huge key. */
    cr_assert_eq(INSPECT(QW_GW_SRC_CANONICAL, "{\"deal_id\":\"a\\r\\nb\"}"), QW_GW_OK);
    cr_assert_str_eq(key, "");
    cr_assert_eq(INSPECT(QW_GW_SRC_CANONICAL, "{\"deal_id\":\"caf\\u00e9\"}"), QW_GW_OK);
    cr_assert_str_eq(key, "");
    char big[300];
    int n = snprintf(big, sizeof(big), "{\"deal_id\":\"%0200d\"}", 1);
    cr_assert_eq(qw_gw_body_inspect(QW_GW_SRC_CANONICAL, big, (size_t)n, key), QW_GW_OK);
    cr_assert_str_eq(key, "");
    cr_assert_eq(INSPECT(QW_GW_SRC_CANONICAL, "{\"deal_id\":7}"), QW_GW_OK);
    cr_assert_str_eq(key, "7");
    cr_assert_eq(INSPECT(QW_GW_SRC_HUBSPOT, "{\"objectId\":1}"), QW_GW_BAD_SHAPE);
    cr_assert_str_eq(key, "");
#undef INSPECT
}
