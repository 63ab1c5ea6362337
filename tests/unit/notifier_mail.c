/* E-mail message building: headers, Message-ID from the decision id, MIME parts. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <string.h>

#include "mail.h"

Test(notifier_mail, message_id_stable_and_valid)
{
    char a[256], b[256];
    cr_assert_eq(qw_mail_message_id("rep-7:2026-11:quota", "rep.email", a, sizeof(a)), 0);
    cr_assert_str_eq(a, "<rep-7=3A2026-11=3Aquota.rep.email@quotawatch>");
    qw_mail_message_id("rep-7:2026-11:quota", "rep.email", b, sizeof(b));
    cr_assert_str_eq(a, b);
    /* Distinct ids stay distinct after encoding. */
    qw_mail_message_id("a=3A", "c", a, sizeof(a));
    qw_mail_message_id("a:", "c", b, sizeof(b));
    cr_assert_str_neq(a, b);
    qw_mail_message_id("x<y>@z \r\n", "c", a, sizeof(a));
    size_t len = strlen(a);
    cr_assert_str_eq(a + len - 12, "@quotawatch>");
    a[len - 12] = '\0';
    cr_assert_null(strpbrk(a + 1, "<>@ \r\n"), "%s", a);
}

Test(notifier_mail, date_rfc5322)
{
    char d[64];
    cr_assert_str_eq(qw_mail_date(1795910400123LL, d, sizeof(d)),
                     "Sun, 29 Nov 2026 00:00:00 +0000");
}

Test(notifier_mail, address_check_blocks_injection)
{
    cr_assert(qw_mail_addr_ok("a.b+c@example.com"));
    cr_assert_not(qw_mail_addr_ok("a@b.com\r\nRCPT TO:<x@y>"));
    cr_assert_not(qw_mail_addr_ok("a@b.com, c@d.com"));
    cr_assert_not(qw_mail_addr_ok("<a@b.com>"));
    cr_assert_not(qw_mail_addr_ok("nobody"));
    cr_assert_not(qw_mail_addr_ok(""));
}

static const char *header(const char *msg, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = msg; p && *p;) {
        if (strncmp(p, "\r\n", 2) == 0) break; /* end of headers */
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *e = strstr(p, "\r\n");
            snprintf(out, outlen, "%.*s", (int)(e - p - nl - 2), p + nl + 2);
            return out;
        }
        p = strstr(p, "\r\n");
        if (p) p += 2;
    }
    return NULL;
}

Test(notifier_mail, message_complete_and_well_formed)
{
    qw_mail_t m = {.from = "quotawatch@example.com",
                   .to = "rep7@example.com",
                   .subject = "[quotawatch] Quota achieved: Zoë (2026-11) — congratulations, this "
                              "subject is long enough to need folding",
                   .text = "Plain body\nwith two lines",
                   .html = "<p>HTML body</p>",
                   .decision_id = "dec-1",
                   .channel = "rep.email",
                   .date_ms = 1795910400123LL};
    static char buf[16384];
    qw_buf_t b;
    qw_buf_init(&b, buf, sizeof(buf));
    char err[256], h[512];
    cr_assert_eq(qw_mail_build(&m, &b, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(header(buf, "From", h, sizeof(h)), "quotawatch@example.com");
    cr_assert_str_eq(header(buf, "To", h, sizeof(h)), "rep7@example.com");
    cr_assert_str_eq(header(buf, "Message-ID", h, sizeof(h)), "<dec-1.rep.email@quotawatch>");
    cr_assert_str_eq(header(buf, "Date", h, sizeof(h)), "Sun, 29 Nov 2026 00:00:00 +0000");
    cr_assert_not_null(header(buf, "MIME-Version", h, sizeof(h)));
    cr_assert(strstr(header(buf, "Content-Type", h, sizeof(h)), "multipart/alternative"));
    cr_assert(strstr(buf, "Subject: =?UTF-8?B?"), "non-ASCII subject must be encoded");
    cr_assert(strstr(buf, "Content-Type: text/plain; charset=UTF-8"));
    cr_assert(strstr(buf, "Content-Type: text/html; charset=UTF-8"));
    /* Every line ends in CRLF and stays within 78 characters. */
    for (const char *p = buf; *p;) {
        const char *e = strstr(p, "\r\n");
        cr_assert_not_null(e, "line without CRLF");
        cr_assert_leq(e - p, 78, "long line: %.*s", (int)(e - p), p);
        cr_assert_null(memchr(p, '\n', (size_t)(e - p)), "bare LF");
        p = e + 2;
    }
    /* The text part decodes back to the body. */
    const char *t = strstr(buf, "Content-Transfer-Encoding: base64\r\n\r\n") + 37;
    unsigned char dec[128];
    int n = EVP_DecodeBlock(dec, (const unsigned char *)t, (int)(strstr(t, "\r\n") - t));
    cr_assert_geq(n, 25);
    cr_assert(memcmp(dec, "Plain body\nwith two lines", 25) == 0);
}

Test(notifier_mail, bad_recipient_refused)
{
    qw_mail_t m = {.from = "q@example.com",
                   .to = "x@y.com\r\nBcc: z@w.com",
                   .subject = "s",
                   .text = "t",
                   .html = "h",
                   .decision_id = "d",
                   .channel = "c",
                   .date_ms = 0};
    char buf[4096], err[256];
    qw_buf_t b;
    qw_buf_init(&b, buf, sizeof(buf));
    cr_assert_neq(qw_mail_build(&m, &b, err, sizeof(err)), 0);
}
