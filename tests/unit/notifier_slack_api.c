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

Test(notifier_slack_api, request_errors_are_permanent_with_slacks_code)
{
    const char *codes[] = {
        "channel_not_found", "invalid_auth",   "not_authed",   "account_inactive", "token_revoked",
        "missing_scope",     "invalid_blocks", "msg_too_long", "no_text",          "is_archived"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"ok\":false,\"error\":\"%s\"}", codes[i]);
        qw_send_result_t r = classify(body);
        cr_assert_eq(r.status, QW_SEND_PERMANENT, "%s", codes[i]);
        cr_assert_str_eq(r.reason, codes[i]);
    }
}

Test(notifier_slack_api, transient_errors_retry)
{
    const char *codes[] = {"ratelimited", "rate_limited",        "internal_error",
                           "fatal_error", "service_unavailable", "request_timeout"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"ok\": false, \"error\": \"%s\"}", codes[i]);
        qw_send_result_t r = classify(body);
        cr_assert_eq(r.status, QW_SEND_RETRY, "%s", codes[i]);
        cr_assert_str_eq(r.reason, codes[i]);
    }
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
