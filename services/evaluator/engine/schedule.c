#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned qw_schedule_due(const qw_policy_t *p, const qw_period_t *period, int64_t now_ms)
{
    unsigned due = 0;
    int64_t end = qw_period_end_ms(period, &p->tz);
    for (int i = 0; i < p->ncheckpoints && i < QW_CAL_CLOSE_BIT; i++) {
        int64_t at = qw_period_checkpoint_ms(period, &p->tz, p->checkpoints_bp[i]);
        if (now_ms >= at && at < end) due |= 1u << i;
    }
    if (now_ms >= qw_period_close_ms(period, &p->tz, p->grace_days)) due |= 1u << QW_CAL_CLOSE_BIT;
    return due;
}

int64_t qw_schedule_next_ms(const qw_policy_t *p, const qw_period_t *period, unsigned done)
{
    int64_t next = INT64_MAX, end = qw_period_end_ms(period, &p->tz);
    for (int i = 0; i < p->ncheckpoints && i < QW_CAL_CLOSE_BIT; i++) {
        int64_t at = qw_period_checkpoint_ms(period, &p->tz, p->checkpoints_bp[i]);
        if (!(done & (1u << i)) && at < end && at < next) next = at;
    }
    int64_t close = qw_period_close_ms(period, &p->tz, p->grace_days);
    if (!(done & (1u << QW_CAL_CLOSE_BIT)) && close < next) next = close;
    return next;
}

static int cmp_team(const void *a, const void *b)
{
    const qw_engine_rep_t *x = a, *y = b;
    int c = strcmp(x->profile->team_id, y->profile->team_id);
    return c ? c : strcmp(x->profile->rep_id, y->profile->rep_id);
}

static void warn_of(qw_schedule_warn_fn warn, void *opaque, const char *event, const char *msg)
{
    if (warn) warn(opaque, event, msg);
}

int qw_schedule_tick_all(qw_engine_t *e, qw_engine_rep_t *reps, int n, const char *period,
                         unsigned due, int64_t now_ms, qw_schedule_warn_fn warn, void *opaque)
{
    /* Teams are contiguous after sorting; reps without a team are each a team of one (team
     * rules need team_min_size anyway). Sorted order also makes the output deterministic. */
    qsort(reps, (size_t)n, sizeof(*reps), cmp_team);
    int rc = QW_OK;
    char msg[QW_ERRSTR_MAX + 160];
    for (int i = 0; i < n;) {
        int j = i + 1;
        if (reps[i].profile->team_id[0])
            while (j < n && !strcmp(reps[j].profile->team_id, reps[i].profile->team_id))
                j++;
        if (qw_engine_tick(e, reps + i, j - i, period, now_ms) != QW_OK) {
            snprintf(msg, sizeof(msg), "team %s period %s: %s", reps[i].profile->team_id, period,
                     e->errstr);
            warn_of(warn, opaque, "calendar.tick_failed", msg);
            rc = QW_ERR;
        }
        i = j;
    }
    if (due & (1u << QW_CAL_CLOSE_BIT)) {
        if (qw_engine_fairness_report(e, reps, n, period, now_ms, NULL) != QW_OK) {
            snprintf(msg, sizeof(msg), "period %s: %s", period, e->errstr);
            warn_of(warn, opaque, "calendar.fairness_failed", msg);
            rc = QW_ERR;
        }
    }
    return rc;
}
