/* libFuzzer target: the shared option parser (qw_config_parse) over arbitrary argument vectors
 * (NUL-separated in the input). Options come from unit files, orchestrators and operators'
 * shells. It never reads past argv, an accepted vector assigns only declared types, and a
 * refusal always names its problem. Seeds: tests/fixtures/options/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!freopen("/dev/null", "w", stdout)) abort(); /* --help prints */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char copy[4096];
    char *argv[65];
    int argc = 0;
    if (size >= sizeof(copy)) return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    argv[argc++] = "qw-fuzz";
    for (size_t i = 0; i < size && argc < 64;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    const char *s = NULL, *secret = NULL;
    int64_t n = -1;
    int b = -1;
    qw_opt_t opts[] = {
        {"name", NULL, QW_OPT_STR, "x", "a string", &s, 0},
        {"count", NULL, QW_OPT_INT, "5", "an integer", &n, 0},
        {"flag", NULL, QW_OPT_BOOL, "false", "a flag", &b, 0},
        {"password", NULL, QW_OPT_STR, NULL, "a secret", &secret, 1},
        {0},
    };
    qw_config_t cfg;
    int rc = qw_config_parse(&cfg, "qw-fuzz", "fuzz", opts, argc, argv);
    if (rc == QW_ERR && !cfg.errstr[0]) abort();
    if (rc == QW_OK) {
        if (!s || (b != 0 && b != 1) || cfg.nargs < 0 || cfg.nargs > argc) abort();
        for (int i = 0; i < cfg.nargs; i++)
            if (!cfg.args[i]) abort();
        for (int i = 0; i < cfg.nkafka; i++)
            if (!cfg.kafka[2 * i][0]) abort(); /* -X keys are never empty */
    }
    return 0;
}
