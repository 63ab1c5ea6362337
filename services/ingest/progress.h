/* qw-ingest's completeness watermarks (docs/completeness.md). Every --watermark-ms the ingest
 * reads the end offset (read_committed) of each raw partition it owns, noting the wall-clock
 * time t0 just before: every record appended before t0 lies below that offset. Once the
 * consumer's position has passed the offset and the transaction with those positions commits,
 * the partition is complete up to t0. The marks go, in that same transaction, to every
 * partition of qw.credits.v1, behind the credits they cover; an idle ingest still commits a
 * small transaction with fresh marks, so watermarks advance for idle partitions too. */
#ifndef QW_INGEST_PROGRESS_H
#define QW_INGEST_PROGRESS_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "quotawatch/watermark.h"

typedef struct qw_progress_part_s {
    char topic[QW_WM_TOPIC_MAX];
    int32_t partition;
    int64_t probe_t0, probe_end; /* the last end-offset reading and when it was taken */
    int64_t eof;                 /* end offset reported by the consumer's partition EOF */
    int64_t wm;                  /* committed mark */
    int64_t flying;              /* the mark of the transaction committing now (wm when none) */
    int64_t pending;             /* the mark of the open transaction */
} qw_progress_part_t;

typedef struct qw_progress_s {
    qw_progress_part_t *p;
    int n, cap;
    int64_t interval_ms;
    int64_t next_probe_ns;
    int64_t sent_ns; /* when marks last went out */
    int dirty;       /* a mark advanced since marks last went out */
    char errstr[256];
} qw_progress_t;

void qw_progress_init(qw_progress_t *pr, int64_t interval_ms);
void qw_progress_free(qw_progress_t *pr);
/* The consumer's assignment changed: track exactly these partitions (marks start afresh). */
void qw_progress_assign(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *parts);
void qw_progress_eof(qw_progress_t *pr, const char *topic, int32_t partition, int64_t offset);
/* Read the end offsets of every owned partition when a reading is due; QW_ERR (errstr) when
 * the broker did not answer (the marks then simply do not advance). */
int qw_progress_probe(qw_progress_t *pr, rd_kafka_t *consumer, int64_t now_ms);
/* Given the positions about to be committed: the marks this transaction may carry. Returns the
 * number of marks (0: nothing to send). Marks are sent when one advanced, and at least every
 * interval so a restarted evaluator learns them soon. */
int qw_progress_marks(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *positions,
                      qw_wm_mark_t *out, int cap);
/* The open transaction, which carries the marks of the last qw_progress_marks, starts to
 * commit; a later transaction may claim them too, as it can only commit after this one. */
void qw_progress_launched(qw_progress_t *pr);
/* The committing transaction committed; or every transaction in flight aborted (the marks go
 * back to the committed ones). A transaction aborted before its marks were taken needs
 * neither. */
void qw_progress_committed(qw_progress_t *pr);
void qw_progress_aborted(qw_progress_t *pr);
/* The consumer was rewound to these committed offsets (NULL: unknown): an end it reported
 * before (EOF) past them is no longer reached by what will be committed, so it is cut back to
 * the committed offset (forgotten when unknown) until reported again. An end at the committed
 * offset, an empty partition's, stays: its EOF need not come again. */
void qw_progress_rewound(qw_progress_t *pr, const rd_kafka_topic_partition_list_t *committed);
/* Is an idle transaction worth committing now (a mark would advance or is due again)? */
int qw_progress_idle_due(const qw_progress_t *pr, rd_kafka_t *consumer);

#endif
