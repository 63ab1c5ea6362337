/* services/notifier/options.c: the option table, the range checks and the configuration that
 * is refused before any connection (each refusal names the option; exit code 2). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static qw_ntf_t a;
static char err[1024];

static int parse(int argc, const char **argv)
{
    memset(&a, 0, sizeof(a));
    err[0] = '\0';
    return qw_ntf_options_parse(&a, argc, (char **)argv, err, sizeof(err));
}

Test(notifier_options, defaults_pass)
{
    const char *argv[] = {"qw-notifier", NULL};
    cr_assert_eq(parse(1, argv), QW_OK, "%s", err);
    cr_assert_eq(a.o.batch, 200);
    cr_assert_eq(a.o.max_attempts, 8);
    cr_assert_eq(a.o.http_port, 9103);
    cr_assert_str_eq(a.o.group, "qw-notifier");
}

Test(notifier_options, a_stray_word_is_refused)
{
    const char *argv[] = {"qw-notifier", "--batch", "10", "oops", NULL};
    cr_assert_eq(parse(4, argv), QW_ERR);
    cr_assert(strstr(err, "\"oops\""), "%s", err);
}

Test(notifier_options, an_unknown_option_is_refused)
{
    const char *argv[] = {"qw-notifier", "--no-such-option", NULL};
    cr_assert_eq(parse(2, argv), QW_ERR);
    cr_assert(err[0]);
}

static void refused(const char *opt, const char *val)
{
    const char *argv[] = {"qw-notifier", opt, val, NULL};
    cr_assert_eq(parse(3, argv), QW_ERR, "%s %s accepted", opt, val);
    cr_assert(strstr(err, opt), "the message names %s: %s", opt, err);
}

static void accepted(const char *opt, const char *val)
{
    const char *argv[] = {"qw-notifier", opt, val, NULL};
    cr_assert_eq(parse(3, argv), QW_OK, "%s %s: %s", opt, val, err);
}

Test(notifier_options, ranges)
{
    refused("--batch", "0");
    refused("--batch", "100001");
    accepted("--batch", "1");
    refused("--max-attempts", "0");
    accepted("--max-attempts", "30");
    refused("--http-port", "-1");
    refused("--http-port", "65536");
    accepted("--http-port", "0");
    refused("--send-timeout-ms", "0");
    refused("--slack-burst", "0");
    refused("--breaker-failures", "0");
    refused("--max-age-ms", "0");
    refused("--backoff-base-ms", "0");
    accepted("--webhook-interval-ms", "0");
    accepted("--smtp-interval-ms", "1");
}

Test(notifier_options, backoff_cap_below_base_is_refused)
{
    const char *argv[] = {"qw-notifier", "--backoff-base-ms", "5000", "--backoff-cap-ms", "1000",
                          NULL};
    cr_assert_eq(parse(5, argv), QW_ERR);
    cr_assert(strstr(err, "--backoff-cap-ms"), "%s", err);
    const char *ok[] = {"qw-notifier", "--backoff-base-ms", "500", "--backoff-cap-ms", "8000",
                        NULL};
    cr_assert_eq(parse(5, ok), QW_OK, "%s", err);
}

static void teardown(void)
{
    qw_route_cfg_free(&a.routes);
    if (a.tmpl) qw_tmpl_free(a.tmpl);
    free(a.tmpl);
}

Test(notifier_options, nothing_to_deliver_to_is_refused, .fini = teardown)
{
    const char *argv[] = {"qw-notifier", NULL};
    cr_assert_eq(parse(1, argv), QW_OK, "%s", err);
    cr_assert_eq(qw_ntf_config_load(&a, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "--routes or --webhook-url"), "%s", err);
}

Test(notifier_options, an_unsigned_webhook_is_refused_unless_allowed, .fini = teardown)
{
    const char *argv[] = {"qw-notifier", "--webhook-url", "https://hooks.example/x", NULL};
    cr_assert_eq(parse(3, argv), QW_OK, "%s", err);
    cr_assert_eq(qw_ntf_config_load(&a, err, sizeof(err)), QW_ERR, "no secret: refused");
    cr_assert(err[0]);
}

Test(notifier_options, a_signed_webhook_loads, .fini = teardown)
{
    char dir[] = "/tmp/qw-ntf-opt-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/secret", dir);
    FILE *f = fopen(path, "w");
    /* whsec_ + base64 of 32 bytes */
    fputs("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", f);
    fclose(f);
    const char *argv[] = {
        "qw-notifier", "--webhook-url", "https://hooks.example/x", "--webhook-secret-file", path,
        NULL};
    cr_assert_eq(parse(5, argv), QW_OK, "%s", err);
    cr_assert_eq(qw_ntf_config_load(&a, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert(a.have_key);
    cr_assert_gt(a.tmpl->n, 0, "the templates were loaded");
    cr_assert_eq(a.backoff.max_attempts, 8);
    unlink(path);
    rmdir(dir);
}
