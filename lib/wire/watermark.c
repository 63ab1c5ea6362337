#include "quotawatch/watermark.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/common.h"
#include "quotawatch/v1/watermark.pb-c.h"

size_t qw_wm_pack(const qw_wm_mark_t *marks, int n, const char *producer, uint8_t *buf, size_t cap)
{
    Quotawatch__V1__SourceMark sm[64], *psm[64];
    if (n < 0 || n > 64) return 0;
    for (int i = 0; i < n; i++) {
        quotawatch__v1__source_mark__init(&sm[i]);
        sm[i].topic = (char *)marks[i].topic;
        sm[i].partition = marks[i].partition;
        sm[i].watermark_ms = marks[i].watermark_ms;
        psm[i] = &sm[i];
    }
    Quotawatch__V1__Watermark w = QUOTAWATCH__V1__WATERMARK__INIT;
    w.n_marks = (size_t)n;
    w.marks = psm;
    w.producer = (char *)(producer ? producer : "");
    size_t need = quotawatch__v1__watermark__get_packed_size(&w);
    if (need > cap) return 0;
    return quotawatch__v1__watermark__pack(&w, buf);
}

int qw_wm_unpack(const void *buf, size_t len,
                 int (*fn)(void *opaque, const char *topic, int32_t partition, int64_t ms),
                 void *opaque)
{
    Quotawatch__V1__Watermark *w = quotawatch__v1__watermark__unpack(NULL, len, buf);
    if (!w) return QW_ERR;
    int rc = QW_OK;
    for (size_t i = 0; i < w->n_marks && rc == QW_OK; i++) {
        const Quotawatch__V1__SourceMark *m = w->marks[i];
        if (!m->topic || !*m->topic || strlen(m->topic) >= QW_WM_TOPIC_MAX || m->partition < 0)
            rc = QW_ERR;
        else
            rc = fn(opaque, m->topic, m->partition, m->watermark_ms);
    }
    quotawatch__v1__watermark__free_unpacked(w, NULL);
    return rc;
}

int qw_wm_field(char *out, size_t cap, const char *topic, int32_t partition)
{
    int n = snprintf(out, cap, "%s/%d", topic, (int)partition);
    return n > 0 && (size_t)n < cap ? n : -1;
}
