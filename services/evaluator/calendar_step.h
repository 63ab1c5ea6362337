/* One calendar step over Redis (calendar_step.c), for the job's schedule (calendar.c). */
#ifndef QW_CALENDAR_STEP_H
#define QW_CALENDAR_STEP_H

#include <stdint.h>

#include "calendar.h"
#include "quotawatch/period.h"

/* A week's digests to write instead of a step. */
typedef struct qw_calendar_digest_s {
    int64_t at_ms;
    char week[QW_WEEK_ID_MAX];
} qw_calendar_digest_t;

/* The credits topic's partition count (c->nparts, or Kafka's metadata); -1 when unknown. */
int qw_calendar_partitions(qw_calendar_t *c);

/* The due steps `todo` (QW_CAL_* bits) of one period over every partition, or with dg the
 * week's digests: snapshot, tick, pre-writes, hold, catch-up, write. QW_OK, or QW_ERR with
 * c->errstr (nothing is marked done; a re-run is harmless). Updates c->last_* and the metrics. */
int qw_calendar_step(qw_calendar_t *c, const qw_period_t *period, unsigned todo,
                     const qw_calendar_digest_t *dg, int64_t now_ms);

#endif
