/* A batch's encoded output, in one arena: decisions packed as the engine emits them (with the
 * counter each one bumps once written), then rep blobs and dead-letter records for the outbox.
 * The arena is sized once and reused batch after batch. */
#ifndef QW_EMIT_H
#define QW_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "outbox.h"
#include "quotawatch/metrics.h"

typedef struct qw_emit_s {
    uint8_t *arena;
    size_t len, cap;
    size_t *doff, *dlen;   /* per decision: where it is in the arena */
    qw_metric_t **dmetric; /* per decision: its type's counter */
    int ndec, dcap;
    int failed; /* out of memory packing a decision: the batch must not be written */
} qw_emit_t;

void qw_emit_reset(qw_emit_t *em);
void qw_emit_free(qw_emit_t *em);

/* Room for `more` bytes after len. 0, or -1 out of memory. */
int qw_emit_reserve(qw_emit_t *em, size_t more);

/* Pack one decision at the end of the arena (sets failed on out of memory). */
void qw_emit_decision(qw_emit_t *em, const qw_decision_t *d, qw_metric_t *metric);

/* Encode one dead-letter record at the end of the arena (room reserved by the caller); returns
 * its size and its start in *rec, or 0 when it does not fit. */
size_t qw_emit_dlq(qw_emit_t *em, const qw_dlq_t *dl, const uint8_t **rec);

#endif
