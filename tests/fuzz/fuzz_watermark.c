/* libFuzzer target: qw_wm_unpack on arbitrary bytes (a credits-topic record without a key and
 * with the watermark header; anyone who can produce to the topic can write one). Whatever it
 * accepts must hold marks the evaluator can store: a topic that fits, a partition >= 0, a field
 * name that fits, and it re-packs. Seeds: tests/fixtures/watermark/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/watermark.h"

static qw_wm_mark_t marks[64];
static int n;

static int take(void *opaque, const char *topic, int32_t part, int64_t ms)
{
    (void)opaque;
    size_t tl = strlen(topic);
    char f[QW_WM_FIELD_MAX];
    if (!tl || tl >= QW_WM_TOPIC_MAX || part < 0) abort();
    if (qw_wm_field(f, sizeof(f), topic, part) < 0) abort();
    if (n < 64) {
        memcpy(marks[n].topic, topic, tl + 1);
        marks[n].partition = part;
        marks[n++].watermark_ms = ms;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[64 * (QW_WM_TOPIC_MAX + 32)];
    n = 0;
    if (qw_wm_unpack(data, size, take, NULL) != 0) return 0;
    if (n && !qw_wm_pack(marks, n, "fuzz", buf, sizeof(buf))) abort();
    return 0;
}
