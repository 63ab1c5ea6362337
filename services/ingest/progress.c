#include "progress.h"

#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/common.h"

void qw_progress_init(qw_progress_t *pr, int64_t interval_ms)
{
    memset(pr, 0, sizeof(*pr));
    pr->interval_ms = interval_ms > 0 ? interval_ms : 1000;
}

void qw_progress_free(qw_progress_t *pr)
{
    free(pr->p);
    pr->p = NULL;
    pr->n = pr->cap = 0;
}

void qw_progress_assign(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *parts)
{
    pr->n = 0;
    if (!parts || parts->cnt <= 0) return;
    if (parts->cnt > pr->cap) {
        qw_progress_part_t *np = realloc(pr->p, (size_t)parts->cnt * sizeof(*np));
        if (!np) return; /* no marks then: the evaluator waits, which is the safe side */
        pr->p = np;
        pr->cap = parts->cnt;
    }
    for (int i = 0; i < parts->cnt; i++) {
        qw_progress_part_t *p = &pr->p[pr->n];
        memset(p, 0, sizeof(*p));
        if (strlen(parts->elems[i].topic) >= sizeof(p->topic)) continue;
        strcpy(p->topic, parts->elems[i].topic);
        p->partition = parts->elems[i].partition;
        p->probe_end = p->eof = -1;
        pr->n++;
    }
    pr->next_probe_ns = 0; /* read the new partitions' ends at once */
}

static qw_progress_part_t *find(qw_progress_t *pr, const char *topic, int32_t partition)
{
    for (int i = 0; i < pr->n; i++)
        if (pr->p[i].partition == partition && !strcmp(pr->p[i].topic, topic)) return &pr->p[i];
    return NULL;
}

void qw_progress_eof(qw_progress_t *pr, const char *topic, int32_t partition, int64_t offset)
{
    qw_progress_part_t *p = find(pr, topic, partition);
    if (p && offset > p->eof) p->eof = offset;
}

int qw_progress_probe(qw_progress_t *pr, rd_kafka_t *consumer, int64_t now_ms)
{
    int64_t t = qw_clock_mono_ns();
    if (!pr->n || t < pr->next_probe_ns) return QW_OK;
    pr->next_probe_ns = t + pr->interval_ms * 1000000;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(pr->n);
    for (int i = 0; i < pr->n; i++)
        rd_kafka_topic_partition_list_add(l, pr->p[i].topic, pr->p[i].partition)->offset =
            RD_KAFKA_OFFSET_END; /* ListOffsets "latest": the LSO under read_committed */
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(consumer, l, 5000);
    int rc = QW_OK;
    if (err) {
        rc = qw_err_set(pr->errstr, sizeof(pr->errstr), "reading raw end offsets: %s",
                        rd_kafka_err2str(err));
    } else {
        for (int i = 0; i < l->cnt; i++) {
            qw_progress_part_t *p = find(pr, l->elems[i].topic, l->elems[i].partition);
            if (!p || l->elems[i].err || l->elems[i].offset < 0) continue;
            p->probe_t0 = now_ms;
            p->probe_end = l->elems[i].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* Where the consumer stands in p: its position, or the end offset its EOF reported (which is
 * past any transaction markers, and the only sign of progress on an empty partition). */
static int64_t reached(const qw_progress_part_t *p, const rd_kafka_topic_partition_list_t *pos)
{
    int64_t at = p->eof;
    if (pos)
        for (int i = 0; i < pos->cnt; i++)
            if (pos->elems[i].partition == p->partition && !strcmp(pos->elems[i].topic, p->topic) &&
                pos->elems[i].offset > at)
                at = pos->elems[i].offset;
    return at;
}

int qw_progress_marks(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *positions,
                      qw_wm_mark_t *out, int cap)
{
    int advanced = 0;
    for (int i = 0; i < pr->n; i++) {
        qw_progress_part_t *p = &pr->p[i];
        p->pending = p->flying; /* never below wm: committing marks, or the committed ones */
        if (p->probe_end >= 0 && reached(p, positions) >= p->probe_end &&
            p->probe_t0 > p->pending) {
            p->pending = p->probe_t0;
            advanced = 1;
        }
    }
    int64_t t = qw_clock_mono_ns();
    if (!advanced && t - pr->sent_ns < pr->interval_ms * 1000000) return 0;
    int n = 0;
    for (int i = 0; i < pr->n && n < cap; i++) {
        if (!pr->p[i].pending) continue; /* never complete yet: nothing to claim */
        strcpy(out[n].topic, pr->p[i].topic);
        out[n].partition = pr->p[i].partition;
        out[n].watermark_ms = pr->p[i].pending;
        n++;
    }
    return n;
}

void qw_progress_launched(qw_progress_t *pr)
{
    for (int i = 0; i < pr->n; i++)
        if (pr->p[i].pending > pr->p[i].flying) pr->p[i].flying = pr->p[i].pending;
}

void qw_progress_committed(qw_progress_t *pr)
{
    for (int i = 0; i < pr->n; i++)
        if (pr->p[i].flying > pr->p[i].wm) pr->p[i].wm = pr->p[i].flying;
    pr->sent_ns = qw_clock_mono_ns();
}

void qw_progress_aborted(qw_progress_t *pr)
{
    for (int i = 0; i < pr->n; i++)
        pr->p[i].pending = pr->p[i].flying = pr->p[i].wm;
}

void qw_progress_rewound(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *committed)
{
    for (int i = 0; i < pr->n; i++) {
        qw_progress_part_t *p = &pr->p[i];
        const rd_kafka_topic_partition_t *c =
            committed ? rd_kafka_topic_partition_list_find(committed, p->topic, p->partition)
                      : NULL;
        int64_t at = c && c->offset >= 0 ? c->offset : -1;
        if (p->eof > at) p->eof = at;
    }
}

int qw_progress_idle_due(const qw_progress_t *pr, rd_kafka_t *consumer)
{
    if (!pr->n) return 0;
    rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(pr->n);
    for (int i = 0; i < pr->n; i++)
        rd_kafka_topic_partition_list_add(pos, pr->p[i].topic, pr->p[i].partition);
    rd_kafka_position(consumer, pos);
    int due = 0;
    for (int i = 0; i < pr->n && !due; i++) {
        const qw_progress_part_t *p = &pr->p[i];
        due = p->probe_end >= 0 && reached(p, pos) >= p->probe_end && p->probe_t0 > p->wm;
    }
    rd_kafka_topic_partition_list_destroy(pos);
    return due || (pr->n && qw_clock_mono_ns() - pr->sent_ns >= 5 * pr->interval_ms * 1000000);
}
