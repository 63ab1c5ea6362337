/* Header values in the notifier are encoded whatever their origin (issue 10, finding 1). */
#include <criterion/criterion.h>
#include <string.h>

#include "channels/channel.h"
#include "quotawatch/common.h"

Test(notifier_header, plain_ids_are_unchanged)
{
    char out[128];
    cr_assert_eq(
        qw_chan_header_encode("d:005Rep:2026-11:warning.at_risk.rep.webhook", out, sizeof(out)),
        QW_OK);
    cr_assert_str_eq(out, "d:005Rep:2026-11:warning.at_risk.rep.webhook");
}

Test(notifier_header, crlf_and_controls_cannot_end_the_line)
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

Test(notifier_header, too_small_is_an_error_not_a_cut)
{
    char out[8];
    cr_assert_eq(qw_chan_header_encode("1234567", out, sizeof(out)), QW_OK);
    cr_assert_eq(qw_chan_header_encode("12345678", out, sizeof(out)), QW_ERR);
    cr_assert_eq(qw_chan_header_encode("12345\n", out, sizeof(out)), QW_ERR);
}

Test(notifier_header, header_ok_refuses_controls)
{
    cr_assert(qw_chan_header_ok("xoxb-123-abc"));
    cr_assert_not(qw_chan_header_ok("xoxb\r\nX-Injected: yes"));
    cr_assert_not(qw_chan_header_ok("a\x7f"));
}
