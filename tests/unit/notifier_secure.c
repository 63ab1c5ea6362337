/* Start-up refusals of outbound mail and webhooks in clear or unsigned (qw_secure_check). */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/common.h"
#include "secure.h"

static char err[512];
static qw_secure_out_t out;

static int check(qw_secure_in_t in)
{
    err[0] = '\0';
    return qw_secure_check(&in, &out, err, sizeof(err));
}

Test(notifier_secure, smtp_requires_starttls_by_default)
{
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "smtp://mail.example.com:587"}), QW_OK, "%s",
                 err);
    cr_assert_eq(out.smtp_require_tls, 1);
    /* With a login too: AUTH happens only after STARTTLS. */
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "SMTP://mail.example.com:587",
                                        .smtp_user = "q@example.com",
                                        .smtp_password = "pw"}),
                 QW_OK, "%s", err);
    cr_assert_eq(out.smtp_require_tls, 1);
}

Test(notifier_secure, smtps_is_implicit_tls)
{
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "smtps://mail.example.com:465",
                                        .smtp_user = "q@example.com",
                                        .smtp_password = "pw",
                                        .smtp_allow_plaintext = 1}),
                 QW_OK, "%s", err);
    cr_assert_eq(out.smtp_require_tls, 1);
}

Test(notifier_secure, plaintext_only_when_asked_and_without_auth)
{
    cr_assert_eq(
        check((qw_secure_in_t){.smtp_url = "smtp://127.0.0.1:2525", .smtp_allow_plaintext = 1}),
        QW_OK, "%s", err);
    cr_assert_eq(out.smtp_require_tls, 0);
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "smtp://mail.example.com:25",
                                        .smtp_user = "q@example.com",
                                        .smtp_allow_plaintext = 1}),
                 QW_ERR);
    cr_assert(strstr(err, "--smtp-user") && strstr(err, "--smtp-allow-plaintext"), "%s", err);
    cr_assert(strstr(err, "smtps://"), "%s", err);
    /* A password alone is refused as well, and never shows in the message. */
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "smtp://mail.example.com:25",
                                        .smtp_password = "hunter2-secret",
                                        .smtp_allow_plaintext = 1}),
                 QW_ERR);
    cr_assert_null(strstr(err, "hunter2"), "%s", err);
}

Test(notifier_secure, smtp_url_scheme_checked)
{
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "mail.example.com:25"}), QW_ERR);
    cr_assert(strstr(err, "--smtp-url"), "%s", err);
    cr_assert_eq(check((qw_secure_in_t){.smtp_url = "smtpx://mail.example.com"}), QW_ERR);
}

Test(notifier_secure, unsigned_generic_webhook_refused_without_the_flag)
{
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "http://127.0.0.1:8080/hook"}), QW_ERR);
    cr_assert(strstr(err, "--webhook-url") && strstr(err, "--webhook-secret-file") &&
                  strstr(err, "--allow-insecure-webhook"),
              "%s", err);
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "https://hooks.example.com/q"}), QW_ERR);
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "https://hooks.example.com/q",
                                        .allow_insecure_webhook = 1}),
                 QW_OK, "%s", err);
    cr_assert_eq(out.webhook_unsigned, 1);
    cr_assert_eq(
        check((qw_secure_in_t){.webhook_url = "https://hooks.example.com/q", .have_secret = 1}),
        QW_OK, "%s", err);
    cr_assert_eq(out.webhook_unsigned, 0);
}

Test(notifier_secure, cleartext_webhook_only_to_loopback)
{
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "http://hooks.example.com/q/sEcReT",
                                        .have_secret = 1}),
                 QW_ERR);
    cr_assert(strstr(err, "--webhook-url") && strstr(err, "hooks.example.com") &&
                  strstr(err, "--allow-insecure-webhook"),
              "%s", err);
    cr_assert_null(strstr(err, "sEcReT"), "the URL path stays out of the message: %s", err);
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "http://hooks.example.com/q",
                                        .have_secret = 1,
                                        .allow_insecure_webhook = 1}),
                 QW_OK, "%s", err);
    cr_assert_eq(out.webhook_cleartext, 1);
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "http://127.0.0.1:9/q", .have_secret = 1}),
                 QW_OK, "%s", err);
    cr_assert_eq(out.webhook_cleartext, 0);
    cr_assert_eq(check((qw_secure_in_t){.webhook_url = "ftp://127.0.0.1/q",
                                        .have_secret = 1,
                                        .allow_insecure_webhook = 1}),
                 QW_ERR);
}

Test(notifier_secure, hr_webhook_needs_a_secret_and_tls)
{
    cr_assert_eq(check((qw_secure_in_t){.hr_webhook = "https://hr.example.com/h",
                                        .allow_insecure_webhook = 1}),
                 QW_ERR);
    cr_assert(strstr(err, "addresses.hr.webhook") && strstr(err, "secret"), "%s", err);
    cr_assert_eq(check((qw_secure_in_t){.hr_webhook = "http://hr.example.com/h", .have_secret = 1}),
                 QW_ERR);
    cr_assert(strstr(err, "addresses.hr.webhook") && strstr(err, "https://"), "%s", err);
    cr_assert_eq(check((qw_secure_in_t){.hr_webhook = "http://localhost:8/h", .have_secret = 1}),
                 QW_OK, "%s", err);
    cr_assert_eq(
        check((qw_secure_in_t){.hr_webhook = "https://hr.example.com/h", .have_secret = 1}), QW_OK,
        "%s", err);
}

Test(notifier_secure, loopback_hosts)
{
    const char *yes[] = {"http://127.0.0.1/x",    "http://127.0.0.1:8080/x", "http://127.9.8.7",
                         "http://localhost:80/x", "http://LOCALHOST/x",      "http://[::1]:9/x",
                         "https://127.0.0.1/x",   "http://127.0.0.1?a=b",    "http://[::1]"};
    const char *no[] = {"http://128.0.0.1/x",
                        "http://127.0.0.1.example.com/x",
                        "http://127.0.0.1@evil.example.com/x",
                        "http://evil.example.com#@127.0.0.1",
                        "http://localhost.example.com/x",
                        "http://127.1/x",
                        "http://0177.0.0.1/x",
                        "http://[::ffff:127.0.0.1]/x",
                        "http://127.0.0.1:80x/x",
                        "http://127.0.0.1:/x",
                        "http://[localhost]/x",
                        "http://[::1/x",
                        "http://127.0.0.1%2f@evil/x",
                        "http:///x",
                        "ftp://127.0.0.1/x",
                        "127.0.0.1/x",
                        NULL};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
        cr_assert(qw_secure_url_loopback(yes[i]), "%s", yes[i]);
    for (size_t i = 0; no[i]; i++)
        cr_assert_not(qw_secure_url_loopback(no[i]), "%s", no[i]);
    cr_assert_not(qw_secure_url_loopback(NULL));
}
