/* qw-gateway's answer to a request, decided in the pure core: route, method, size bound,
 * authentication per source (with the principal that matched) and top-level shape. The
 * signatures below were computed independently with python3's hmac and base64 modules. */
#include "gw_request.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#define NOW_MS 1764700000000LL
#define TS     "1764700000000"

typedef struct {
    const char *names[4];
    const char *values[4];
} hdrs_t;

static const char *lookup(void *opaque, const char *name)
{
    hdrs_t *h = opaque;
    for (int i = 0; i < 4 && h->names[i]; i++)
        if (!strcasecmp(h->names[i], name)) return h->values[i];
    return NULL;
}

static qw_gw_auth_t auth;

static void load(qw_gw_source_t src, const char *text, int basic)
{
    char err[256];
    cr_assert_eq(qw_gw_secrets_parse(&auth.secrets[src], text, strlen(text), err, sizeof(err)), 0,
                 "%s", err);
    qw_gw_secrets_label(&auth.secrets[src], qw_gw_source_name(src), basic);
}

static void setup(void)
{
    memset(&auth, 0, sizeof(auth));
    snprintf(auth.public_url, sizeof(auth.public_url), "https://hooks.example.com/");
    auth.max_body = 64;
    load(QW_GW_SRC_HUBSPOT, "# rotation: new secret first\n2450011 hs-secret-2\nhs-secret-1\n", 0);
    load(QW_GW_SRC_PIPEDRIVE, "pd:pw\nops:s3cret\n", 1);
}

static qw_gw_outcome_t judge(const char *method, const char *uri, const char *body, hdrs_t *h)
{
    qw_gw_req_t r = {.method = method,
                     .uri = uri,
                     .body = body,
                     .body_len = strlen(body),
                     .header = lookup,
                     .hopaque = h,
                     .now_ms = NOW_MS};
    qw_gw_outcome_t o;
    qw_gw_judge(&auth, &r, &o);
    return o;
}

TestSuite(gateway_request, .init = setup);

Test(gateway_request, routes_only_v1_sources)
{
    qw_gw_source_t s;
    cr_assert_eq(qw_gw_route("/v1/hubspot", &s), 0);
    cr_assert_eq(s, QW_GW_SRC_HUBSPOT);
    cr_assert_eq(qw_gw_route("/v1/pipedrive?x=1", &s), 0);
    cr_assert_eq(s, QW_GW_SRC_PIPEDRIVE);
    cr_assert_eq(qw_gw_route("/v1/canonical", &s), 0);
    cr_assert_eq(s, QW_GW_SRC_CANONICAL);
    cr_assert_eq(qw_gw_route("/v1/hubspotx", &s), -1);
    cr_assert_eq(qw_gw_route("/v1/hubspot/", &s), -1);
    cr_assert_eq(qw_gw_route("/v2/hubspot", &s), -1);
    cr_assert_eq(qw_gw_route("/hubspot", &s), -1);
    cr_assert_eq(qw_gw_route("", &s), -1);
    cr_assert_eq(qw_gw_route(NULL, &s), -1);
}

Test(gateway_request, head_refusals_before_the_body)
{
    qw_gw_outcome_t o;
    qw_gw_judge_head(&auth, "POST", "/v1/hubspot", 10, &o);
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.reason, "accepted");
    qw_gw_judge_head(&auth, "POST", "/v1/nope", 10, &o);
    cr_assert_eq(o.status, 404);
    cr_assert_str_eq(o.reason, "not_found");
    /* Canonical has no secret configured: its path does not exist. */
    qw_gw_judge_head(&auth, "POST", "/v1/canonical", 10, &o);
    cr_assert_eq(o.status, 404);
    qw_gw_judge_head(&auth, "GET", "/v1/hubspot", -1, &o);
    cr_assert_eq(o.status, 405);
    cr_assert_str_eq(o.reason, "method");
    qw_gw_judge_head(&auth, "POST", "/v1/hubspot", 65, &o);
    cr_assert_eq(o.status, 413);
    cr_assert_str_eq(o.reason, "too_large");
    qw_gw_judge_head(&auth, "POST", "/v1/hubspot", 64, &o);
    cr_assert_eq(o.status, 0);
    /* Chunked (no Content-Length) is judged on the body once read. */
    qw_gw_judge_head(&auth, "POST", "/v1/hubspot", -1, &o);
    cr_assert_eq(o.status, 0);
}

Test(gateway_request, hubspot_signed_over_the_public_url_names_the_app)
{
    hdrs_t h = {{"x-hubspot-request-timestamp", "X-HubSpot-Signature-v3"},
                {TS, "tC3qNn1p7t00448k4pNVf8C9MYus/T0Hc11ZjOZLmck="}};
    qw_gw_outcome_t o = judge("POST", "/v1/hubspot?portal=1", "[{\"objectId\":1}]", &h);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    cr_assert_eq(o.src, QW_GW_SRC_HUBSPOT);
    cr_assert_str_eq(o.principal, "2450011");
    /* The same body under another URI (a proxy rewrote the path) is not what was signed. */
    o = judge("POST", "/v1/hubspot?portal=2", "[{\"objectId\":1}]", &h);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "bad_signature");
    o = judge("POST", "/v1/hubspot?portal=1", "[{\"objectId\":2}]", &h);
    cr_assert_eq(o.status, 401);
}

Test(gateway_request, hubspot_signed_but_not_an_array_is_400)
{
    hdrs_t h = {{"X-HubSpot-Request-Timestamp", "X-HubSpot-Signature-v3"},
                {TS, "59ieRsW+WoUrChCflbacxrZtD2nMkIuFBI3vAYOOlek="}};
    qw_gw_outcome_t o = judge("POST", "/v1/hubspot", "{\"objectId\":1}", &h);
    cr_assert_eq(o.status, 400);
    cr_assert_str_eq(o.reason, "bad_shape");
}

Test(gateway_request, hubspot_missing_or_stale_is_401)
{
    hdrs_t none = {{NULL}, {NULL}};
    qw_gw_outcome_t o = judge("POST", "/v1/hubspot?portal=1", "[{\"objectId\":1}]", &none);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "missing");
    hdrs_t old = {{"X-HubSpot-Request-Timestamp", "X-HubSpot-Signature-v3"},
                  {"1764699640000", "tC3qNn1p7t00448k4pNVf8C9MYus/T0Hc11ZjOZLmck="}};
    o = judge("POST", "/v1/hubspot?portal=1", "[{\"objectId\":1}]", &old);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "stale");
}

Test(gateway_request, pipedrive_basic_names_the_user)
{
    hdrs_t h = {{"authorization"}, {"Basic b3BzOnMzY3JldA=="}};
    qw_gw_outcome_t o = judge("POST", "/v1/pipedrive", "{\"meta\":{}}", &h);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    cr_assert_str_eq(o.principal, "ops");
    hdrs_t first = {{"Authorization"}, {"Basic cGQ6cHc="}};
    o = judge("POST", "/v1/pipedrive", "{\"meta\":{}}", &first);
    cr_assert_str_eq(o.principal, "pd");
    hdrs_t bad = {{"Authorization"}, {"Basic cGQ6cHg="}};
    o = judge("POST", "/v1/pipedrive", "{\"meta\":{}}", &bad);
    cr_assert_eq(o.status, 401);
    o = judge("POST", "/v1/pipedrive", "[1]", &first);
    cr_assert_eq(o.status, 400);
    o = judge("POST", "/v1/pipedrive", "{\"meta\":", &first);
    cr_assert_eq(o.status, 400);
}

Test(gateway_request, canonical_standard_webhooks)
{
    load(QW_GW_SRC_CANONICAL, "backfill whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0);
    hdrs_t h = {{"webhook-id", "webhook-timestamp", "webhook-signature"},
                {"msg_1", "1764700000", "v1,26fMH3IiqYWHtSqYuoWgWUOm4VrxhDFShrrk9cga9xo="}};
    qw_gw_outcome_t o = judge("POST", "/v1/canonical", "{\"deal_id\":\"d1\"}", &h);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    cr_assert_str_eq(o.principal, "backfill");
    /* A batch (an array) is canonical too; a bare number, signed correctly, is not. */
    hdrs_t arr = {{"webhook-id", "webhook-timestamp", "webhook-signature"},
                  {"msg_2", "1764700000", "v1,N96Wi9bDf/9qlnTJbIMVvf8bbOrw1XSdIA7NzlgXgsQ="}};
    o = judge("POST", "/v1/canonical", "[1]", &arr);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    hdrs_t num = {{"webhook-id", "webhook-timestamp", "webhook-signature"},
                  {"msg_3", "1764700000", "v1,WT3MGqpVBZpwdz1TuMzR8TAEBivtDZuduq3sKDZoeqk="}};
    o = judge("POST", "/v1/canonical", "7", &num);
    cr_assert_eq(o.status, 400);
    cr_assert_str_eq(o.reason, "bad_shape");
    o = judge("POST", "/v1/canonical", "{\"deal_id\":\"d2\"}", &h);
    cr_assert_eq(o.status, 401);
}

Test(gateway_request, body_over_the_bound_without_content_length)
{
    char big[80];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    hdrs_t h = {{"Authorization"}, {"Basic cGQ6cHc="}};
    qw_gw_outcome_t o = judge("POST", "/v1/pipedrive", big, &h);
    cr_assert_eq(o.status, 413);
}

Test(gateway_request, labels)
{
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_HUBSPOT].label[0], "2450011");
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_HUBSPOT].s[0], "hs-secret-2");
    cr_assert_eq(auth.secrets[QW_GW_SRC_HUBSPOT].len[0], strlen("hs-secret-2"));
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_HUBSPOT].label[1], "hubspot#2");
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_HUBSPOT].s[1], "hs-secret-1");
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_PIPEDRIVE].label[1], "ops");
    cr_assert_str_eq(auth.secrets[QW_GW_SRC_PIPEDRIVE].s[1], "ops:s3cret");
    cr_assert_str_eq(qw_gw_source_name((qw_gw_source_t)7), "unknown");
}

Test(gateway_request, hubspot_legacy_signatures_only_when_enabled)
{
    const char *body = "[{\"objectId\":1}]";
    hdrs_t v1 = {{"X-HubSpot-Signature", "X-HubSpot-Signature-Version"},
                 {"f86729e5523f4da60b90532ee43052e42179acf06d553fd9480c614fb75930b1", "v1"}};
    hdrs_t v2 = {{"X-HubSpot-Signature", "X-HubSpot-Signature-Version"},
                 {"70652D2DFE06922038F78EE423B88712850B93F580AB03B8AB43DEEEB10B5EF0", "v2"}};
    qw_gw_outcome_t o = judge("POST", "/v1/hubspot?portal=1", body, &v1);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "missing");
    auth.hubspot_legacy = 1;
    o = judge("POST", "/v1/hubspot?portal=1", body, &v1);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    cr_assert_str_eq(o.principal, "hubspot#2");
    o = judge("POST", "/v1/hubspot?portal=1", body, &v2);
    cr_assert_eq(o.status, 0, "%d %s", o.status, o.reason);
    /* v2 covers the URI, v1 does not. */
    o = judge("POST", "/v1/hubspot?portal=9", body, &v2);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "bad_signature");
    o = judge("POST", "/v1/hubspot?portal=9", body, &v1);
    cr_assert_eq(o.status, 0);
    o = judge("POST", "/v1/hubspot?portal=1", "[{\"objectId\":2}]", &v1);
    cr_assert_eq(o.status, 401);
    hdrs_t v9 = {{"X-HubSpot-Signature", "X-HubSpot-Signature-Version"},
                 {"f86729e5523f4da60b90532ee43052e42179acf06d553fd9480c614fb75930b1", "v9"}};
    o = judge("POST", "/v1/hubspot?portal=1", body, &v9);
    cr_assert_eq(o.status, 401);
    cr_assert_str_eq(o.reason, "missing");
}
