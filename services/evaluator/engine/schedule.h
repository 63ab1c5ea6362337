/* The checkpoint schedule: which calendar steps (pacing checkpoints, period close) of a period
 * are due at an instant, and one step over an in-memory team set. Pure: shared by the calendar
 * job (over Redis) and simulate (over files). */
#ifndef QW_SCHEDULE_H
#define QW_SCHEDULE_H

#include <stdint.h>

#include "engine.h"
#include "quotawatch/period.h"
#include "quotawatch/policy.h"

/* Bit i of a step set = checkpoint i of the policy, this bit = the period close. */
#define QW_CAL_CLOSE_BIT 7

/* The steps of a period due at now_ms (a bit set as above). */
unsigned qw_schedule_due(const qw_policy_t *p, const qw_period_t *period, int64_t now_ms);

/* The instant (ms) of the earliest step of the period that is not in done, due or not; INT64_MAX
 * when every step is done. */
int64_t qw_schedule_next_ms(const qw_policy_t *p, const qw_period_t *period, unsigned done);

/* ---- weekly digests (docs/engine.md, "Weekly digests") ---- */

#define QW_WEEK_ID_MAX 12 /* "2026-W49" */

/* The latest digest instant at or before now_ms: the policy's weekday and time of day
 * (digests.weekly_at) in its time zone, DST-correct (a time that occurs twice is the first, one
 * in a DST gap is the transition). INT64_MIN when digests are off. Only this, the most recent
 * due instant, is ever sent: a job that was down does not send the weeks it missed. */
int64_t qw_schedule_digest_at(const qw_policy_t *p, int64_t now_ms);

/* The next digest instant after now_ms (INT64_MAX when off): for the next-due gauge. */
int64_t qw_schedule_digest_next(const qw_policy_t *p, int64_t now_ms);

/* The ISO 8601 week ("2026-W49") of the local date of at_ms: weeks start on Monday and belong
 * to the year of their Thursday, so 2026-12-31 is in 2026-W53 and 2027-01-01 too. */
void qw_schedule_week_id(const qw_tz_t *tz, int64_t at_ms, char out[QW_WEEK_ID_MAX]);

/* A failed team tick or fairness report: what the caller logs (event name, message). */
typedef void (*qw_schedule_warn_fn)(void *opaque, const char *event, const char *msg);

/* One step over a whole in-memory team set. reps[] hold every rep (any team); it groups them by
 * team, ticks each team for the period, and runs the fairness report after a close. Failures
 * go to warn (may be NULL) and make it return QW_ERR after the other teams are ticked. */
int qw_schedule_tick_all(qw_engine_t *e, qw_engine_rep_t *reps, int n, const char *period,
                         unsigned due, int64_t now_ms, qw_schedule_warn_fn warn, void *opaque);

#endif
