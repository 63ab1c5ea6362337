#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"

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

/* 0 = Monday .. 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday_of(int32_t day)
{
    return (int)(((int64_t)day % 7 + 7 + 3) % 7);
}

static int64_t digest_on(const qw_policy_t *p, int32_t day)
{
    return qw_tz_local_time_ms(&p->tz, day, p->digest_minute * 60);
}

int64_t qw_schedule_digest_at(const qw_policy_t *p, int64_t now_ms)
{
    if (p->digest_weekday < 0 || p->digest_weekday > 6) return INT64_MIN;
    int32_t today = qw_tz_local_date(&p->tz, now_ms);
    int32_t day = today - (weekday_of(today) - p->digest_weekday + 7) % 7;
    int64_t at = digest_on(p, day);
    return at <= now_ms ? at : digest_on(p, day - 7);
}

int64_t qw_schedule_digest_next(const qw_policy_t *p, int64_t now_ms)
{
    int64_t last = qw_schedule_digest_at(p, now_ms);
    if (last == INT64_MIN) return INT64_MAX;
    return digest_on(p, qw_tz_local_date(&p->tz, last) + 7);
}

void qw_schedule_week_id(const qw_tz_t *tz, int64_t at_ms, char out[QW_WEEK_ID_MAX])
{
    int32_t day = qw_tz_local_date(tz, at_ms);
    int32_t thursday = day - weekday_of(day) + 3;
    int y, m, d;
    qw_date_to_ymd(thursday, &y, &m, &d);
    int week = (thursday - qw_date_from_ymd(y, 1, 1)) / 7 + 1;
    /* Unsigned and bounded, so gcc can see the id fits (-Wformat-truncation). */
    snprintf(out, QW_WEEK_ID_MAX, "%04u-W%02u", (unsigned)y % 10000u, (unsigned)week % 100u);
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
