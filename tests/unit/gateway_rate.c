/* qw-gateway's per-source token bucket: burst, refill at the rate, Retry-After. */
#include "gw_rate.h"

#include <criterion/criterion.h>

Test(gateway_rate, burst_then_refill)
{
    qw_gw_rate_t r;
    int64_t ra = 0;
    qw_gw_rate_init(&r, 10, 3, 1000);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(qw_gw_rate_take(&r, 1000, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 1000, &ra), 0);
    cr_assert_eq(ra, 1);
    /* 10/s: one token per 100 ms. */
    cr_assert_eq(qw_gw_rate_take(&r, 1099, &ra), 0);
    cr_assert_eq(qw_gw_rate_take(&r, 1100, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 1100, &ra), 0);
    /* A long pause refills to the burst, never beyond it. */
    cr_assert_eq(qw_gw_rate_take(&r, 1000000000, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 1000000000, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 1000000000, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 1000000000, &ra), 0);
}

Test(gateway_rate, slow_rate_retry_after_in_seconds)
{
    qw_gw_rate_t r;
    int64_t ra = 0;
    qw_gw_rate_init(&r, 1, 1, 0);
    cr_assert_eq(qw_gw_rate_take(&r, 0, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 0, &ra), 0);
    cr_assert_eq(ra, 1);
    cr_assert_eq(qw_gw_rate_take(&r, 999, &ra), 0);
    cr_assert_eq(qw_gw_rate_take(&r, 1000, &ra), 1);
}

Test(gateway_rate, unlimited_and_clock_going_back)
{
    qw_gw_rate_t r;
    qw_gw_rate_init(&r, 0, 0, 0);
    for (int i = 0; i < 100000; i++)
        cr_assert_eq(qw_gw_rate_take(&r, 0, NULL), 1);
    qw_gw_rate_init(&r, 5, 1, 5000);
    cr_assert_eq(qw_gw_rate_take(&r, 5000, NULL), 1);
    /* A clock stepping back refills nothing (and does not underflow). */
    cr_assert_eq(qw_gw_rate_take(&r, 1000, NULL), 0);
    cr_assert_eq(qw_gw_rate_take(&r, 5199, NULL), 0);
    cr_assert_eq(qw_gw_rate_take(&r, 5200, NULL), 1);
}

Test(gateway_rate, huge_rate_does_not_overflow)
{
    qw_gw_rate_t r;
    int64_t ra = 0;
    qw_gw_rate_init(&r, 1000000000, 2, 0);
    cr_assert_eq(qw_gw_rate_take(&r, 0, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 0, &ra), 1);
    cr_assert_eq(qw_gw_rate_take(&r, 0, &ra), 0);
    cr_assert_eq(ra, 1);
    cr_assert_eq(qw_gw_rate_take(&r, INT64_MAX / 2, &ra), 1);
}
