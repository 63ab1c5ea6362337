#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/config.h"
#include "quotawatch/version.h"

/* One version for every program (issue 9): the project version first, so packages and metrics
 * sort and compare by it; "+git.<describe>" only after it. */
Test(io_version, starts_with_the_project_version)
{
    const char *v = qw_version();
    cr_assert_str_neq(v, "");
    cr_assert_eq(strncmp(v, "0.", 2), 0, "%s starts with the project version", v);
    const char *git = strstr(v, "+git.");
    if (git) cr_assert_gt(strlen(git), strlen("+git."), "%s: a describe after +git.", v);
}

/* It goes into a Prometheus label and after the program name on one line: no quote, backslash,
 * space or newline may break either. */
Test(io_version, is_one_word_safe_in_a_label)
{
    for (const char *c = qw_version(); *c; c++)
        cr_assert(*c > ' ' && *c != '"' && *c != '\\' && *c < 0x7f, "byte 0x%02x in %s",
                  (unsigned char)*c, qw_version());
}

static void redirect(void)
{
    cr_redirect_stdout();
}

/* --version through the shared parser: "<prog> <version>" on stdout, the --help code (exit 0). */
Test(io_version, option_prints_prog_and_version_like_help, .init = redirect)
{
    int64_t n = 0;
    qw_opt_t opts[] = {{"count", NULL, QW_OPT_INT, "1", "n", &n, 0}, {0}};
    char *argv[] = {"qw-x", "--version", NULL};
    qw_config_t cfg;
    cr_assert_eq(qw_config_parse(&cfg, "qw-x", "x", opts, 2, argv), QW_CONFIG_HELP);
    fflush(stdout);
    char want[256];
    snprintf(want, sizeof(want), "qw-x %s\n", qw_version());
    cr_assert_stdout_eq_str(want);
}
