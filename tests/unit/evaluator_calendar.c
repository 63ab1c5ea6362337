/* The calendar job's pure parts: which steps are due, the rep -> partition mapping, and the
 * team-by-team tick over an in-memory set of reps. */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "quotawatch/date.h"

Test(evaluator_calendar, partition_matches_librdkafka_murmur2)
{
    const char *keys[] = {"r1", "rep-00042", "a", "abc", "abcd", "abcde", "team:east", ""};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        for (int32_t n = 1; n <= 12; n += 3) {
            size_t len = strlen(keys[i]);
            int32_t want = rd_kafka_msg_partitioner_murmur2(NULL, keys[i], len, n, NULL, NULL);
            cr_assert_eq(qw_partition_murmur2(keys[i], len, n), want, "key %s, %d partitions",
                         keys[i], n);
        }
}

static qw_policy_t policy(void)
{
    qw_policy_t p;
    qw_policy_defaults(&p);
    snprintf(p.version, sizeof(p.version), "t");
    return p;
}

Test(evaluator_calendar, due_steps)
{
    qw_policy_t p = policy(); /* UTC, months, checkpoints 50% and 75%, grace 3 days */
    qw_period_t nov;
    cr_assert_eq(qw_period_parse("2026-11", &nov), 0);
    int64_t start = qw_period_start_ms(&nov, &p.tz);
    int64_t day = 86400000LL;
    cr_assert_eq(qw_schedule_due(&p, &nov, start), 0u);
    cr_assert_eq(qw_schedule_due(&p, &nov, start + 15 * day - 1), 0u);
    cr_assert_eq(qw_schedule_due(&p, &nov, start + 15 * day), 1u, "50%% of 30 days");
    cr_assert_eq(qw_schedule_due(&p, &nov, start + 23 * day), 3u, "75%% passed too");
    int64_t close = qw_period_close_ms(&nov, &p.tz, 3);
    cr_assert_eq(close, start + 33 * day, "midnight after 3 grace days");
    cr_assert_eq(qw_schedule_due(&p, &nov, close - 1), 3u);
    cr_assert_eq(qw_schedule_due(&p, &nov, close), 3u | (1u << QW_CAL_CLOSE_BIT));
}

Test(evaluator_calendar, next_step_not_done)
{
    qw_policy_t p = policy();
    qw_period_t nov;
    cr_assert_eq(qw_period_parse("2026-11", &nov), 0);
    int64_t start = qw_period_start_ms(&nov, &p.tz), day = 86400000LL;
    int64_t close = qw_period_close_ms(&nov, &p.tz, 3);
    cr_assert_eq(qw_schedule_next_ms(&p, &nov, 0), start + 15 * day, "the 50%% checkpoint");
    cr_assert_eq(qw_schedule_next_ms(&p, &nov, 1u), (int64_t)(start + 22.5 * day), "then 75%%");
    cr_assert_eq(qw_schedule_next_ms(&p, &nov, 3u), close, "then the close");
    cr_assert_eq(qw_schedule_next_ms(&p, &nov, 2u), start + 15 * day,
                 "an earlier step not done comes first, due or not");
    cr_assert_eq(qw_schedule_next_ms(&p, &nov, 3u | (1u << QW_CAL_CLOSE_BIT)), INT64_MAX);
}

static void count(void *opaque, const qw_decision_t *d)
{
    (void)d;
    (*(int *)opaque)++;
}

Test(evaluator_calendar, tick_all_groups_teams_and_is_idempotent)
{
    qw_policy_t p = policy();
    qw_rep_profile_t prof[4];
    qw_rep_state_t st[4];
    qw_quota_t q[4];
    qw_engine_rep_t reps[4];
    const char *teams[] = {"east", "west", "east", "east"};
    for (int i = 0; i < 4; i++) {
        memset(&prof[i], 0, sizeof(prof[i]));
        snprintf(prof[i].rep_id, sizeof(prof[i].rep_id), "r%d", i);
        snprintf(prof[i].team_id, sizeof(prof[i].team_id), "%s", teams[i]);
        prof[i].hire_date = QW_DATE_NONE;
        prof[i].active = 1;
        qw_rep_state_init(&st[i], prof[i].rep_id);
        memset(&q[i], 0, sizeof(q[i]));
        snprintf(q[i].rep_id, sizeof(q[i].rep_id), "r%d", i);
        snprintf(q[i].period, sizeof(q[i].period), "2026-11");
        snprintf(q[i].currency, sizeof(q[i].currency), "USD");
        snprintf(q[i].version, sizeof(q[i].version), "v1");
        q[i].amount_minor = 100000;
        reps[i] = (qw_engine_rep_t){&prof[i], &q[i], &st[i]};
    }
    int n = 0;
    qw_engine_t e;
    qw_engine_init(&e, &p, count, &n);
    qw_period_t nov;
    qw_period_parse("2026-11", &nov);
    int64_t close = qw_period_close_ms(&nov, &p.tz, p.grace_days);
    unsigned due = qw_schedule_due(&p, &nov, close);
    cr_assert_eq(qw_schedule_tick_all(&e, reps, 4, "2026-11", due, close, NULL, NULL), QW_OK, "%s",
                 e.errstr);
    /* Nobody sold anything: every rep was warned at both checkpoints (with coaching), and the
     * whole east team of 3 missed: one systemic quota-pressure event for it. */
    cr_assert_gt(n, 0);
    for (int i = 0; i < 4; i++) {
        const qw_period_state_t *ps = qw_rep_state_find(&st[i], "2026-11");
        cr_assert_not_null(ps);
        cr_assert(ps->flags & QW_PF_CLOSED, "r%d closed", i);
        cr_assert_eq(ps->outcome, QW_OUTCOME_MISS);
    }
    cr_assert(qw_rep_state_find(&st[0], "2026-11")->flags & QW_PF_SYSTEMIC,
              "east missed as a team");
    cr_assert_not(qw_rep_state_find(&st[1], "2026-11")->flags & QW_PF_SYSTEMIC,
                  "west (one rep) is not a team for the systemic check");
    int first = n;
    cr_assert_eq(qw_schedule_tick_all(&e, reps, 4, "2026-11", due, close, NULL, NULL), QW_OK);
    cr_assert_eq(n, first, "a second run of the same step emits nothing new");
}
