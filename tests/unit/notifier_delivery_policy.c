/* Backoff with jitter, token buckets, circuit breakers, priorities: pure, time passed in. */
#include <criterion/criterion.h>

#include "delivery_policy.h"
#include "route.h"

Test(notifier_delivery_policy, backoff_doubles_within_jitter_bounds_and_caps)
{
    qw_backoff_t b = {.base_ms = 1000, .cap_ms = 60000, .max_attempts = 8};
    for (int attempt = 1; attempt <= 10; attempt++) {
        int64_t d = 1000;
        for (int i = 1; i < attempt; i++)
            d *= 2;
        if (d > 60000) d = 60000;
        for (uint64_t rnd = 0; rnd < 5000; rnd += 37) {
            int64_t x = qw_backoff_delay(&b, attempt, rnd * 2654435761u, 0);
            cr_assert(x >= d / 2 && x <= d, "attempt %d delay %lld outside [%lld,%lld]", attempt,
                      (long long)x, (long long)d / 2, (long long)d);
        }
    }
    /* Jitter spreads: two different random inputs give different delays. */
    cr_assert_neq(qw_backoff_delay(&b, 3, 1, 0), qw_backoff_delay(&b, 3, 2000, 0));
}

Test(notifier_delivery_policy, retry_after_wins_when_longer)
{
    qw_backoff_t b = {.base_ms = 1000, .cap_ms = 60000, .max_attempts = 8};
    cr_assert_eq(qw_backoff_delay(&b, 1, 0, 7000), 7000);
    cr_assert(qw_backoff_delay(&b, 1, 0, 10) >= 500);
}

Test(notifier_delivery_policy, bucket_one_per_second)
{
    qw_bucket_t b;
    qw_bucket_init(&b, 1000, 1, 0);
    cr_assert_eq(qw_bucket_take(&b, 0), 0);
    cr_assert_eq(qw_bucket_take(&b, 0), 1000);
    cr_assert_eq(qw_bucket_take(&b, 400), 600);
    cr_assert_eq(qw_bucket_take(&b, 1000), 0);
    /* A long idle period does not bank more than the burst. */
    cr_assert_eq(qw_bucket_take(&b, 100000), 0);
    cr_assert_eq(qw_bucket_take(&b, 100000), 1000);
}

Test(notifier_delivery_policy, bucket_burst)
{
    qw_bucket_t b;
    qw_bucket_init(&b, 1000, 3, 0);
    cr_assert_eq(qw_bucket_take(&b, 0), 0);
    cr_assert_eq(qw_bucket_take(&b, 0), 0);
    cr_assert_eq(qw_bucket_take(&b, 0), 0);
    cr_assert_gt(qw_bucket_take(&b, 0), 0);
    /* Over 10 simulated seconds at most 3 + 10 messages pass. */
    int sent = 3;
    for (int64_t t = 0; t <= 10000; t += 10)
        if (qw_bucket_take(&b, t) == 0) sent++;
    cr_assert_eq(sent, 13);
}

Test(notifier_delivery_policy, breaker_opens_half_opens_and_closes)
{
    qw_breaker_t b;
    qw_breaker_init(&b, 3, 5000);
    cr_assert_eq(qw_breaker_allow(&b, 0), 0);
    qw_breaker_failure(&b, 0);
    qw_breaker_failure(&b, 1);
    cr_assert_eq(b.state, QW_BREAKER_CLOSED);
    qw_breaker_failure(&b, 2);
    cr_assert_eq(b.state, QW_BREAKER_OPEN);
    cr_assert_eq(qw_breaker_allow(&b, 1002), 4000);
    /* After the cool-down one probe goes; others wait while it is out. */
    cr_assert_eq(qw_breaker_allow(&b, 5002), 0);
    cr_assert_eq(b.state, QW_BREAKER_HALF_OPEN);
    cr_assert_gt(qw_breaker_allow(&b, 5003), 0);
    /* A failed probe opens it again for a full cool-down. */
    qw_breaker_failure(&b, 5004);
    cr_assert_eq(b.state, QW_BREAKER_OPEN);
    cr_assert_gt(qw_breaker_allow(&b, 9000), 0);
    cr_assert_eq(qw_breaker_allow(&b, 10004), 0);
    qw_breaker_success(&b);
    cr_assert_eq(b.state, QW_BREAKER_CLOSED);
    cr_assert_eq(qw_breaker_allow(&b, 10005), 0);
}

Test(notifier_delivery_policy, success_resets_consecutive_failures)
{
    qw_breaker_t b;
    qw_breaker_init(&b, 2, 1000);
    qw_breaker_failure(&b, 0);
    qw_breaker_success(&b);
    qw_breaker_failure(&b, 1);
    cr_assert_eq(b.state, QW_BREAKER_CLOSED);
}

Test(notifier_delivery_policy, reviews_before_rewards)
{
    cr_assert_eq(qw_route_priority("review.termination_review"), 0);
    cr_assert_lt(qw_route_priority("integrity.flag"),
                 qw_route_priority("support.coaching_recommended"));
    cr_assert_eq(qw_route_priority("warning.at_risk"), qw_route_priority("integrity.flag"));
    cr_assert_lt(qw_route_priority("support.coaching_recommended"),
                 qw_route_priority("health.quota_pressure"));
    cr_assert_lt(qw_route_priority("health.quota_pressure"),
                 qw_route_priority("reward.quota_achieved"));
    cr_assert_eq(qw_route_priority("reward.accelerator"), QW_PRIO_LEVELS - 1);
    cr_assert_eq(qw_route_priority("reviewish.x"), QW_PRIO_LEVELS - 1);
}
