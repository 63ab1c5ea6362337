/* qwctl preview-template's decision reader: any bytes parsed as JSON, then read as a decision;
 * must never crash, and a decision read must have an id and a type. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "decision_json.h"
#include "quotawatch/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc) return 0;
    qw_decision_json_t dj;
    char err[256];
    if (qw_decision_json_read(doc, &dj, err, sizeof(err)) == QW_OK &&
        (!dj.msg.id[0] || !dj.msg.type[0]))
        __builtin_trap();
    json_decref(doc);
    return 0;
}
