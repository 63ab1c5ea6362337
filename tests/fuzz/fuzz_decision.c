/* libFuzzer target: a Decision record from qw.decisions.v1 as the notifier and qwctl read it
 * (protobuf unpack + qw_decision_from_pb). Anyone who can produce to the topic can write one.
 * Whatever is accepted fits the engine's struct and survives a pack/unpack round trip unchanged.
 * Seeds: tests/fixtures/decision/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decision_pb.h"

static qw_decision_t a, b;
static uint8_t buf[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    Quotawatch__V1__Decision *m = quotawatch__v1__decision__unpack(NULL, size, data);
    if (!m) return 0;
    int rc = qw_decision_from_pb(m, &a, err, sizeof(err));
    quotawatch__v1__decision__free_unpacked(m, NULL);
    if (rc != QW_OK) {
        if (!err[0]) abort();
        return 0;
    }
    size_t n = qw_decision_pb_pack(&a, buf, sizeof(buf));
    if (!n) { /* only an all-default decision packs to no bytes */
        if (a.id[0] || a.type[0] || a.rep_id[0] || a.nevidence || a.audience) abort();
        return 0;
    }
    m = quotawatch__v1__decision__unpack(NULL, n, buf);
    if (!m) abort();
    if (qw_decision_from_pb(m, &b, err, sizeof(err)) != QW_OK) abort();
    quotawatch__v1__decision__free_unpacked(m, NULL);
    if (strcmp(a.id, b.id) || strcmp(a.type, b.type) || strcmp(a.rep_id, b.rep_id) ||
        a.audience != b.audience || a.nevidence != b.nevidence || a.time_ms != b.time_ms ||
        a.credited_minor != b.credited_minor || strcmp(a.summary, b.summary))
        abort();
    return 0;
}
