/* Completeness watermarks (docs/completeness.md): qw-ingest broadcasts, to every partition of
 * qw.credits.v1, how far each raw CRM partition has been turned into credits; the evaluator keeps
 * the newest mark per raw partition, and the calendar job judges an instant only once every raw
 * partition's mark has passed it. This is the one codec of that record. */
#ifndef QW_WATERMARK_H
#define QW_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

#define QW_WM_HEADER    "qw.kind"
#define QW_WM_KIND      "watermark"
#define QW_WM_TOPIC_MAX 256
#define QW_WM_FIELD_MAX (QW_WM_TOPIC_MAX + 16)

typedef struct qw_wm_mark_s {
    char topic[QW_WM_TOPIC_MAX];
    int32_t partition;
    int64_t watermark_ms;
} qw_wm_mark_t;

/* Pack a Watermark record; 0 when it does not fit in cap. */
size_t qw_wm_pack(const qw_wm_mark_t *marks, int n, const char *producer, uint8_t *buf, size_t cap);

/* Unpack: fn is called once per mark (topic NUL-terminated). QW_ERR on bytes that are not a
 * Watermark, on a mark without topic, with a negative partition or an over-long topic. */
int qw_wm_unpack(const void *buf, size_t len,
                 int (*fn)(void *opaque, const char *topic, int32_t partition, int64_t ms),
                 void *opaque);

/* Field name of a raw partition in the evaluator's per-partition mark hash: "<topic>/<part>". */
int qw_wm_field(char *out, size_t cap, const char *topic, int32_t partition);

#endif
