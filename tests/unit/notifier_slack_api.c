/* Slack Web API answers: HTTP 200 with "ok":false is an error, classified by Slack's code. */
#include <criterion/criterion.h>
#include <string.h>

#include "channels/channel.h"

static qw_send_result_t classify(const char *body)
{
    qw_send_result_t r;
    memset(&r, 0, sizeof(r));
    qw_chan_slack_api_classify(body, &r);
    return r;
}

Test(notifier_slack_api, ok_true_is_sent)
{
    qw_send_result_t r = classify("{\"ok\":true,\"channel\":\"D024BE91L\",\"ts\":\"1.2\",\"mes");
    cr_assert_eq(r.status, QW_SEND_OK);
    r = classify("{\"channel\":\"D1\", \"ok\": true}");
    cr_assert_eq(r.status, QW_SEND_OK, "any order, spaces allowed");
}

/* Each code, in an answer spelled with format, classifies as want with the code as reason. */
static void expect_codes(const char *const *codes, size_t n, const char *format,
                         qw_send_status_t want)
{
    for (size_t i = 0; i < n; i++) {
        char body[128];
        snprintf(body, sizeof(body), format, codes[i]);
        qw_send_result_t r = classify(body);
        cr_assert_eq(r.status, want, "%s", codes[i]);
        cr_assert_str_eq(r.reason, codes[i]);
    }
}

Test(notifier_slack_api, request_errors_are_permanent_with_slacks_code)
{
    const char *const codes[] = {
        "channel_not_found", "invalid_auth",   "not_authed",   "account_inactive", "token_revoked",
        "missing_scope",     "invalid_blocks", "msg_too_long", "no_text",          "is_archived"};
    expect_codes(codes, sizeof(codes) / sizeof(codes[0]), "{\"ok\":false,\"error\":\"%s\"}",
                 QW_SEND_PERMANENT);
}

Test(notifier_slack_api, transient_errors_retry)
{
    const char *const codes[] = {"ratelimited", "rate_limited",        "internal_error",
                                 "fatal_error", "service_unavailable", "request_timeout"};
    expect_codes(codes, sizeof(codes) / sizeof(codes[0]), "{\"ok\": false, \"error\": \"%s\"}",
                 QW_SEND_RETRY);
}

Test(notifier_slack_api, odd_answers_are_bounded_labels)
{
    qw_send_result_t r = classify("<html>gateway</html>");
    cr_assert_eq(r.status, QW_SEND_RETRY, "no ok field: not Slack's answer, try again");
    cr_assert_str_eq(r.reason, "bad_response");
    r = classify("{\"ok\":false,\"error\":\"Bad\\u0020thing\"}");
    cr_assert_eq(r.status, QW_SEND_PERMANENT);
    cr_assert_str_eq(r.reason, "slack_error", "only [a-z_] codes become metric labels");
    r = classify(
        "{\"ok\":false,\"error\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
    cr_assert_str_eq(r.reason, "slack_error", "an over-long code is not cut into a label");
    r = classify("{\"ok\":false}");
    cr_assert_str_eq(r.reason, "slack_error");
}

Test(notifier_slack_api, user_ids)
{
    cr_assert(qw_chan_slack_user_ok("U024BE7LH"));
    cr_assert(qw_chan_slack_user_ok("W0123ABC"));
    cr_assert_not(qw_chan_slack_user_ok("C024BE91L"), "a channel id is not a person");
    cr_assert_not(qw_chan_slack_user_ok("U02\"}"));
    cr_assert_not(qw_chan_slack_user_ok("u024be7lh"));
    cr_assert_not(qw_chan_slack_user_ok("U"));
    cr_assert_not(qw_chan_slack_user_ok(""));
    cr_assert_not(qw_chan_slack_user_ok(NULL));
}
