#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/config.h"
#include "quotawatch/version.h"

static const char *brokers, *secret;
static int64_t port;
static int flag;

static const qw_opt_t opts[] = {
    {"brokers", "QW_TEST_BROKERS", QW_OPT_STR, "127.0.0.1:9092", "bootstrap", &brokers, 0},
    {"http-port", "QW_TEST_PORT", QW_OPT_INT, "0", "port", &port, 0},
    {"until-eof", NULL, QW_OPT_BOOL, "false", "stop", &flag, 0},
    {"secret", "QW_TEST_SECRET", QW_OPT_STR, NULL, "secret", &secret, 1},
    {0},
};

Test(core_config, defaults_then_env_then_flags)
{
    qw_config_t cfg;
    setenv("QW_TEST_PORT", "8080", 1);
    setenv("QW_TEST_BROKERS", "env:9092", 1);
    char a0[] = "prog", a1[] = "--brokers", a2[] = "flag:9092";
    char *argv[] = {a0, a1, a2, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "prog", "", opts, 3, argv), QW_OK);
    cr_assert_str_eq(brokers, "flag:9092");
    cr_assert_eq(port, 8080);
    cr_assert_eq(flag, 0);
    cr_assert_null(secret);
    unsetenv("QW_TEST_PORT");
    unsetenv("QW_TEST_BROKERS");
}

Test(core_config, options_anywhere_and_kafka_passthrough)
{
    qw_config_t cfg;
    char a0[] = "qwctl", a1[] = "tail", a2[] = "--until-eof", a3[] = "decisions", a4[] = "-X",
         a5[] = "fetch.wait.max.ms=10", a6[] = "-Xacks=all", a7[] = "--http-port=99";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "qwctl", "", opts, 8, argv), QW_OK);
    cr_assert_eq(cfg.nargs, 2);
    cr_assert_str_eq(cfg.args[0], "tail");
    cr_assert_str_eq(cfg.args[1], "decisions");
    cr_assert_eq(flag, 1);
    cr_assert_eq(port, 99);
    cr_assert_eq(cfg.nkafka, 2);
    cr_assert_str_eq(cfg.kafka[0], "fetch.wait.max.ms");
    cr_assert_str_eq(cfg.kafka[1], "10");
    cr_assert_str_eq(cfg.kafka[2], "acks");
    cr_assert_str_eq(cfg.kafka[3], "all");
}

Test(core_config, errors_name_the_option)
{
    qw_config_t cfg;
    char a0[] = "prog", a1[] = "--http-port", a2[] = "eighty";
    char *argv[] = {a0, a1, a2, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "prog", "", opts, 3, argv), QW_ERR);
    cr_assert(strstr(cfg.errstr, "http-port"), "%s", cfg.errstr);
    char b1[] = "--no-such";
    char *argv2[] = {a0, b1, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "prog", "", opts, 2, argv2), QW_ERR);
    cr_assert(strstr(cfg.errstr, "unknown option --no-such"), "%s", cfg.errstr);
    char c1[] = "-X", c2[] = "novalue";
    char *argv3[] = {a0, c1, c2, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "prog", "", opts, 3, argv3), QW_ERR);
}

Test(core_config, env_value_is_validated)
{
    qw_config_t cfg;
    setenv("QW_TEST_PORT", "x1", 1);
    char a0[] = "prog";
    char *argv[] = {a0, NULL};
    cr_assert_eq(qw_config_parse(&cfg, "prog", "", opts, 1, argv), QW_ERR);
    cr_assert(strstr(cfg.errstr, "QW_TEST_PORT"), "%s", cfg.errstr);
    unsetenv("QW_TEST_PORT");
}

/* --version (issue 9): every program answers it through the shared parser, exit 0. */
Test(core_config, version_is_printed_like_help)
{
    int64_t n = 0;
    qw_opt_t opts[] = {{"count", NULL, QW_OPT_INT, "1", "n", &n, 0}, {0}};
    char *argv[] = {"qw-x", "--version", NULL};
    qw_config_t cfg;
    fflush(stdout);
    cr_assert_eq(qw_config_parse(&cfg, "qw-x", "x", opts, 2, argv), QW_CONFIG_HELP);
    cr_assert_str_neq(qw_version(), "");
    cr_assert_eq(strncmp(qw_version(), "0.", 2), 0, "%s starts with the project version",
                 qw_version());
}
