/* libFuzzer target: the --stage-map file (CRM stage names → won/lost/open per source and
 * pipeline) on arbitrary bytes. It must never crash, refuse with a message, and leave a
 * configuration the adapters can use. Seeds: tests/fixtures/stage_map/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"

static qw_adapter_cfg_t cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qw_adapter_cfg_init(&cfg);
    char err[QW_ERRSTR_MAX];
    err[0] = '\0';
    if (qw_stage_map_load(&cfg, (const char *)data, size, err, sizeof(err)) != QW_OK && !err[0])
        abort();
    if (cfg.nrules < 0 || cfg.nrules > QW_STAGE_MAP_MAX) abort();
    /* Whatever was loaded can be looked up, with and without a pipeline. */
    for (int src = 0; src < QW_SRC_COUNT; src++) {
        qw_stage_map_lookup(&cfg, (qw_source_t)src, NULL, "Closed Won");
        qw_stage_map_lookup(&cfg, (qw_source_t)src, "default", "closedwon");
        if (cfg.default_currency[src][3] != '\0') abort();
    }
    return 0;
}
