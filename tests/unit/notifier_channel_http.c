/* The channels' HTTP helpers (channels/http.c): header values are encoded whatever their origin
 * (issue 10, finding 1); Retry-After in both of its forms. */
#include <criterion/criterion.h>
#include <string.h>

#include "channels/channel.h"
#include "quotawatch/common.h"

Test(notifier_channel_http, plain_ids_are_unchanged)
{
    char out[128];
    cr_assert_eq(
        qw_chan_header_encode("d:005Rep:2026-11:warning.at_risk.rep.webhook", out, sizeof(out)),
        QW_OK);
    cr_assert_str_eq(out, "d:005Rep:2026-11:warning.at_risk.rep.webhook");
}

Test(notifier_channel_http, crlf_and_controls_cannot_end_the_line)
{
    char out[256];
    cr_assert_eq(
        qw_chan_header_encode("d:rep\r\nX-Injected: yes:2026-11.rep.webhook", out, sizeof(out)),
        QW_OK);
    cr_assert_null(strpbrk(out, "\r\n "), "%s", out);
    cr_assert_str_eq(out, "d:rep%0D%0AX-Injected:%20yes:2026-11.rep.webhook");
    /* '%' itself is encoded, so distinct ids stay distinct. */
    char a[32], b[32];
    qw_chan_header_encode("a%0D", a, sizeof(a));
    qw_chan_header_encode("a\r", b, sizeof(b));
    cr_assert_str_neq(a, b);
    qw_chan_header_encode("M\xc3\xbc\x7f", a, sizeof(a));
    cr_assert_str_eq(a, "M%C3%BC%7F");
}

Test(notifier_channel_http, too_small_is_an_error_not_a_cut)
{
    char out[8];
    cr_assert_eq(qw_chan_header_encode("1234567", out, sizeof(out)), QW_OK);
    cr_assert_eq(qw_chan_header_encode("12345678", out, sizeof(out)), QW_ERR);
    cr_assert_eq(qw_chan_header_encode("12345\n", out, sizeof(out)), QW_ERR);
}

Test(notifier_channel_http, header_ok_refuses_controls)
{
    cr_assert(qw_chan_header_ok("xoxb-123-abc"));
    cr_assert_not(qw_chan_header_ok("xoxb\r\nX-Injected: yes"));
    cr_assert_not(qw_chan_header_ok("a\x7f"));
}

Test(notifier_channel_http, retry_after_forms)
{
    cr_assert_eq(qw_chan_retry_after("2", 0), 2000);
    cr_assert_eq(qw_chan_retry_after("0", 0), 0);
    cr_assert_eq(qw_chan_retry_after("999999", 0), 86400000);
    cr_assert_eq(qw_chan_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000LL), 10000);
    cr_assert_eq(qw_chan_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490000LL), 0);
    cr_assert_eq(
        qw_chan_retry_after("Oct0000000522680363\x90"
                            "20;",
                            1445412470000LL),
        86400000,
        "a date far in the future (found by fuzz_notifier_answers) is capped, no overflow");
    cr_assert_eq(qw_chan_retry_after("soon", 0), -1);
    cr_assert_eq(qw_chan_retry_after("", 0), -1);
}
