/* qw-salesforce's OAuth token answers: a bearer token and an instance URL that may be used, or
 * a refusal whose message names the OAuth error and never a secret. */
#include "sf_token.h"

#include <criterion/criterion.h>
#include <string.h>

static int parse(const char *json, long status, qw_sf_token_t *t, char *err)
{
    return qw_sf_token_parse(json, strlen(json), status, t, err, 256);
}

Test(salesforce_token, client_credentials_answer)
{
    qw_sf_token_t t;
    char err[256];
    cr_assert_eq(
        parse("{\"access_token\":\"00Dxx!ARcAQ.tok\",\"signature\":\"x\",\"scope\":\"api\","
              "\"instance_url\":\"https://acme.my.salesforce.com/\",\"id\":\"https://"
              "login.salesforce.com/id/00D/005\",\"token_type\":\"Bearer\","
              "\"issued_at\":\"1764700000000\"}",
              200, &t, err),
        QW_OK, "%s", err);
    cr_assert_str_eq(t.access_token, "00Dxx!ARcAQ.tok");
    cr_assert_str_eq(t.instance_url, "https://acme.my.salesforce.com", "trailing / dropped");
}

Test(salesforce_token, refusals_name_the_error_not_the_secret)
{
    qw_sf_token_t t;
    char err[256];
    cr_assert_eq(parse("{\"error\":\"invalid_grant\",\"error_description\":\"authentication "
                       "failure\"}",
                       400, &t, err),
                 QW_ERR);
    cr_assert(strstr(err, "400 invalid_grant: authentication failure"), "%s", err);
    cr_assert_str_eq(t.error, "invalid_grant");
    /* A token in a non-200 answer is not taken, and not repeated in the error. */
    cr_assert_eq(
        parse("{\"access_token\":\"SECRET\",\"instance_url\":\"https://a.b\"}", 500, &t, err),
        QW_ERR);
    cr_assert_null(strstr(err, "SECRET"));
    cr_assert_eq(t.access_token[0], '\0');
    cr_assert_eq(parse("<html>", 503, &t, err), QW_ERR);
    cr_assert(strstr(err, "503"), "%s", err);
    /* Control characters of a description are not copied into logs. */
    cr_assert_eq(parse("{\"error\":\"x\",\"error_description\":\"a\\nb\"}", 400, &t, err), QW_ERR);
    cr_assert_null(strchr(err, '\n'));
}

Test(salesforce_token, unusable_tokens_and_instances)
{
    qw_sf_token_t t;
    char err[256];
    cr_assert_eq(
        parse("{\"access_token\":\"t\",\"instance_url\":\"http://evil.example\"}", 200, &t, err),
        QW_ERR, "cleartext to a remote host");
    cr_assert_eq(parse("{\"access_token\":\"t\"}", 200, &t, err), QW_ERR);
    cr_assert_eq(parse("{\"access_token\":\"\",\"instance_url\":\"https://a.b\"}", 200, &t, err),
                 QW_ERR);
    cr_assert_eq(parse("{\"access_token\":\"a b\",\"instance_url\":\"https://a.b\"}", 200, &t, err),
                 QW_ERR, "a space would split the Authorization header");
    cr_assert_eq(parse("{\"access_token\":\"t\",\"token_type\":\"MAC\",\"instance_url\":\"https:"
                       "//a.b\"}",
                       200, &t, err),
                 QW_ERR);
    cr_assert_eq(
        parse("{\"access_token\":\"t\",\"instance_url\":\"http://127.0.0.1:8080\"}", 200, &t, err),
        QW_OK, "%s", err);
}

Test(salesforce_token, url_rule)
{
    cr_assert(qw_sf_url_allowed("https://login.salesforce.com"));
    cr_assert(qw_sf_url_allowed("http://127.0.0.1:4000"));
    cr_assert(qw_sf_url_allowed("http://localhost"));
    cr_assert(qw_sf_url_allowed("http://[::1]:9/x"));
    cr_assert(!qw_sf_url_allowed("http://127.0.0.1.evil.example"));
    cr_assert(!qw_sf_url_allowed("http://localhost.evil.example"));
    cr_assert(!qw_sf_url_allowed("https://"));
    cr_assert(!qw_sf_url_allowed("ftp://x"));
    cr_assert(!qw_sf_url_allowed("https://a b"));
    cr_assert(!qw_sf_url_allowed(NULL));
}
