/* libFuzzer target: the notifier's routing-file loader on arbitrary bytes. It must return within
 * the time limit (run with -timeout=2: libfyaml 0.7.12 can loop forever, see quotawatch/yaml.h),
 * never crash, refuse with a one-line message, and never accept a configuration that breaks the
 * privacy rules (qw_route_check). Seeds: tests/fixtures/routes/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#include "fuzz_libfyaml.h"

static qw_route_cfg_t cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[QW_ERRSTR_MAX];
    err[0] = '\0';
    qw_route_cfg_init(&cfg);
    if (qw_route_load_string(&cfg, (const char *)data, size, err, sizeof(err)) != QW_OK) {
        if (strncmp(err, "routing", 7) != 0 && strcmp(err, "out of memory") != 0) abort();
        for (const char *q = err; *q; q++)
            if ((unsigned char)*q < 0x20) abort();
    } else {
        if (qw_route_check(&cfg, err, sizeof(err)) != QW_OK) abort();
        if (cfg.n_routes > QW_ROUTE_MAX || cfg.n_addrs > QW_ROUTE_MAX_ADDRS) abort();
        for (size_t i = 0; i < cfg.n_routes; i++)
            if (!memchr(cfg.routes[i].name, '\0', sizeof(cfg.routes[i].name))) abort();
    }
    qw_route_cfg_free(&cfg);
    return 0;
}
