/* Periods: ids, boundaries, elapsed share, checkpoints and close in the organisation's zone. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/period.h"
#include "quotawatch/roster.h"

static int32_t day(const char *ymd)
{
    int32_t d;
    cr_assert_eq(qw_date_parse(ymd, strlen(ymd), &d), 0);
    return d;
}

static int64_t at(const char *iso)
{
    int64_t ms;
    cr_assert_eq(qw_time_parse_iso8601(iso, strlen(iso), &ms), 0, "%s", iso);
    return ms;
}

Test(base_period, month_and_quarter_ids)
{
    qw_period_t p;
    qw_period_of_date(QW_PERIOD_MONTH, day("2026-11-27"), &p);
    cr_assert_str_eq(p.id, "2026-11");
    cr_assert_eq(p.first_day, day("2026-11-01"));
    cr_assert_eq(p.last_day, day("2026-11-30"));
    cr_assert_eq(qw_period_days(&p), 30);
    qw_period_of_date(QW_PERIOD_QUARTER, day("2026-11-27"), &p);
    cr_assert_str_eq(p.id, "2026-Q4");
    cr_assert_eq(p.first_day, day("2026-10-01"));
    cr_assert_eq(p.last_day, day("2026-12-31"));
    cr_assert_eq(qw_period_days(&p), 92);
    qw_period_of_date(QW_PERIOD_MONTH, day("2028-02-10"), &p);
    cr_assert_eq(qw_period_days(&p), 29, "leap February");
}

Test(base_period, prev_next_and_distance_cross_years)
{
    qw_period_t p, q;
    cr_assert_eq(qw_period_parse("2026-01", &p), 0);
    qw_period_prev(&p, &q);
    cr_assert_str_eq(q.id, "2025-12");
    qw_period_next(&q, &q);
    cr_assert_str_eq(q.id, "2026-01");
    cr_assert_eq(qw_period_parse("2026-Q4", &p), 0);
    qw_period_next(&p, &q);
    cr_assert_str_eq(q.id, "2027-Q1");
    cr_assert_eq(qw_period_distance(&p, &q), 1);
    cr_assert_eq(qw_period_parse("2025-Q3", &q), 0);
    cr_assert_eq(qw_period_distance(&q, &p), 5);
}

Test(base_period, parse_rejects_garbage)
{
    qw_period_t p;
    cr_assert_eq(qw_period_parse("2026-13", &p), -1);
    cr_assert_eq(qw_period_parse("2026-Q5", &p), -1);
    cr_assert_eq(qw_period_parse("2026-1", &p), -1);
    cr_assert_eq(qw_period_parse("2026/11", &p), -1);
    cr_assert_eq(qw_period_parse("", &p), -1);
}

Test(base_period, boundaries_elapsed_checkpoint_and_close_in_berlin)
{
    qw_tz_t tz;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_tz_load(&tz, "Europe/Berlin", NULL, err, sizeof(err)), 0, "%s", err);
    qw_period_t p;
    qw_period_parse("2026-11", &p);
    cr_assert_eq(qw_period_start_ms(&p, &tz), at("2026-10-31T23:00:00Z"));
    cr_assert_eq(qw_period_end_ms(&p, &tz), at("2026-11-30T23:00:00Z"));
    cr_assert_eq(qw_period_elapsed_bp(&p, &tz, at("2026-11-16T00:00:00+01:00")), 5000);
    cr_assert_eq(qw_period_elapsed_bp(&p, &tz, at("2026-10-01T00:00:00Z")), 0);
    cr_assert_eq(qw_period_elapsed_bp(&p, &tz, at("2027-01-01T00:00:00Z")), 10000);
    cr_assert_eq(qw_period_checkpoint_ms(&p, &tz, 5000), at("2026-11-15T23:00:00Z"));
    cr_assert_eq(qw_period_close_ms(&p, &tz, 3), at("2026-12-03T23:00:00Z"));
    /* October has 25 hours more... one hour more: DST ends on the 25th. */
    qw_period_parse("2026-10", &p);
    cr_assert_eq(qw_period_end_ms(&p, &tz) - qw_period_start_ms(&p, &tz),
                 (31 * 24 + 1) * 3600000LL);
}

Test(base_period, leave_days_count_overlaps_once)
{
    qw_rep_profile_t r;
    memset(&r, 0, sizeof(r));
    r.nleave = 2;
    r.leave[0].start = day("2026-11-10");
    r.leave[0].end = day("2026-11-20");
    r.leave[1].start = day("2026-11-18");
    r.leave[1].end = day("2026-12-05");
    r.leave[1].is_protected = 1;
    int prot;
    cr_assert_eq(qw_roster_leave_days(&r, day("2026-11-01"), day("2026-11-30"), &prot), 21);
    cr_assert_eq(prot, 1);
    cr_assert_eq(qw_roster_leave_days(&r, day("2026-11-01"), day("2026-11-15"), &prot), 6);
    cr_assert_eq(prot, 0);
}
