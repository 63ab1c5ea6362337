/* Batch grouping: messages polled from several partitions, split into one run per partition
 * with each partition's messages in their original (offset) order, because each partition's
 * progress is one atomic Redis step of its own. Pure. */
#ifndef QW_BATCH_H
#define QW_BATCH_H

#include <stdint.h>

typedef struct qw_batch_run_s {
    int32_t part;
    int start; /* into idx[] */
    int count;
} qw_batch_run_t;

/* part[i]: partition of message i. Fills idx[0..n) with message indexes grouped by partition
 * (partitions in order of first appearance, messages in arrival order) and runs[] (at most n).
 * Returns the number of runs. */
int qw_batch_group(const int32_t *part, int n, int *idx, qw_batch_run_t *runs);

/* Does a run hold consecutive offsets in ascending order (gaps allowed: transaction markers)?
 * Returns 1 or 0; the shell refuses a run that is not ascending. */
int qw_batch_ascending(const int64_t *offset, const int *idx, int start, int count);

#endif
