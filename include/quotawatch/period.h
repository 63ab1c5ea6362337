/* Quota periods: calendar months or quarters of local civil dates in the organisation's time
 * zone. */
#ifndef QW_PERIOD_H
#define QW_PERIOD_H

#include <stdint.h>

#include "quotawatch/roster.h"
#include "quotawatch/tz.h"

typedef enum {
    QW_PERIOD_MONTH = 1,
    QW_PERIOD_QUARTER = 2,
} qw_period_kind_t;

typedef struct qw_period_s {
    qw_period_kind_t kind;
    int year;
    int index;         /* month 1..12 or quarter 1..4 */
    int32_t first_day; /* local civil dates, inclusive */
    int32_t last_day;
    char id[QW_PERIOD_ID_MAX]; /* "2026-11" or "2026-Q4" */
} qw_period_t;

/* The period holding a local civil date. */
void qw_period_of_date(qw_period_kind_t kind, int32_t local_date, qw_period_t *out);

/* Parse "2026-11" (month) or "2026-Q4" (quarter). Returns 0 or -1. */
int qw_period_parse(const char *id, qw_period_t *out);

int32_t qw_period_days(const qw_period_t *p);
void qw_period_prev(const qw_period_t *p, qw_period_t *out);
void qw_period_next(const qw_period_t *p, qw_period_t *out);

/* Number of periods from a to b (b - a; 0 when equal). Both of the same kind. */
int qw_period_distance(const qw_period_t *a, const qw_period_t *b);

/* First instant of the period and first instant after it, in the zone. */
int64_t qw_period_start_ms(const qw_period_t *p, const qw_tz_t *tz);
int64_t qw_period_end_ms(const qw_period_t *p, const qw_tz_t *tz);

/* Elapsed share of the period at an instant, in basis points, clamped to 0..10000. */
int32_t qw_period_elapsed_bp(const qw_period_t *p, const qw_tz_t *tz, int64_t now_ms);

/* The instant when `checkpoint_bp` of the period has elapsed. */
int64_t qw_period_checkpoint_ms(const qw_period_t *p, const qw_tz_t *tz, int32_t checkpoint_bp);

/* The close instant: local midnight `grace_days` days after the period's last day ends. */
int64_t qw_period_close_ms(const qw_period_t *p, const qw_tz_t *tz, int grace_days);

#endif
