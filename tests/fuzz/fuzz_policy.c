/* libFuzzer target: the policy loader on arbitrary bytes (an operator writes the file by hand).
 * It must return within the time limit (run with -timeout=2: libfyaml 0.7.12 loops forever on
 * some inputs, which quotawatch/yaml.h screens out), never crash, and either refuse with a
 * one-line message that names the policy or produce a policy the engine can live with.
 * Seeds: tests/fixtures/policy/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/policy.h"

#include "fuzz_libfyaml.h"

static qw_policy_t pol;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[QW_ERRSTR_MAX];
    err[0] = '\0';
    /* A zone directory that does not exist: no file is read in the loop (UTC is built in). */
    if (qw_policy_load_string(&pol, (const char *)data, size, "/nonexistent-qw-fuzz", err,
                              sizeof(err)) != QW_OK) {
        if (strncmp(err, "policy", 6) != 0) abort();
        for (const char *q = err; *q; q++)
            if ((unsigned char)*q < 0x20) abort(); /* one line, whatever the file held */
        return 0;
    }
    if (!pol.version[0] || pol.miss_line_bp > pol.quota_achieved_bp) abort();
    if (pol.final_warning_at >= pol.review_at) abort();
    if (pol.ncheckpoints < 1 || pol.ncheckpoints > QW_POLICY_CHECKPOINTS_MAX) abort();
    if (pol.ntiers < 0 || pol.ntiers > QW_POLICY_TIERS_MAX) abort();
    for (int i = 0; i < pol.ncheckpoints; i++)
        if (pol.checkpoints_bp[i] <= 0 || pol.checkpoints_bp[i] >= 10000 ||
            (i && pol.checkpoints_bp[i] <= pol.checkpoints_bp[i - 1]))
            abort();
    for (int i = 0; i < pol.ntiers; i++)
        if (pol.tiers_bp[i] <= pol.quota_achieved_bp ||
            (i && pol.tiers_bp[i] <= pol.tiers_bp[i - 1]))
            abort();
    return 0;
}
