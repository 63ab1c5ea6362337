/* qw-salesforce's reconnect backoff and replay-id rules. */
#include "sf_backoff.h"
#include "sf_replay.h"

#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/common.h"

Test(salesforce_backoff, doubles_with_jitter_to_the_cap_and_resets)
{
    qw_sf_backoff_t b;
    qw_sf_backoff_init(&b, 500, 30000);
    int64_t lo[] = {250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000};
    int64_t hi[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (int i = 0; i < 9; i++) {
        int64_t d0 = qw_sf_backoff_next(&b, 0);
        cr_assert_eq(d0, lo[i], "step %d: %lld", i, (long long)d0);
    }
    qw_sf_backoff_reset(&b);
    for (int i = 0; i < 9; i++) {
        int64_t d = qw_sf_backoff_next(&b, 0xffffffffu);
        cr_assert(d >= lo[i] && d <= hi[i], "step %d: %lld", i, (long long)d);
    }
    qw_sf_backoff_reset(&b);
    cr_assert_leq(qw_sf_backoff_next(&b, 12345), 500);
    /* Every random value stays within [d/2, d]. */
    qw_sf_backoff_init(&b, 1000, 1000);
    for (uint32_t r = 0; r < 5000; r += 7) {
        int64_t d = qw_sf_backoff_next(&b, r);
        cr_assert(d >= 500 && d <= 1000, "%lld", (long long)d);
    }
}

Test(salesforce_replay, header_values)
{
    int64_t id = 0;
    cr_assert_eq(qw_sf_replay_parse("41007", 5, &id), QW_OK);
    cr_assert_eq(id, 41007);
    cr_assert_eq(qw_sf_replay_parse("0", 1, &id), QW_OK);
    cr_assert_eq(id, 0);
    cr_assert_eq(qw_sf_replay_parse("", 0, &id), QW_ERR);
    cr_assert_eq(qw_sf_replay_parse("-1", 2, &id), QW_ERR, "a fallback is never stored");
    cr_assert_eq(qw_sf_replay_parse("12a", 3, &id), QW_ERR);
    cr_assert_eq(qw_sf_replay_parse("4100 ", 5, &id), QW_ERR);
    cr_assert_eq(qw_sf_replay_parse("1234567890123456789", 19, &id), QW_ERR);
    cr_assert_eq(qw_sf_replay_parse(NULL, 3, &id), QW_ERR);
}

Test(salesforce_replay, where_to_start)
{
    qw_sf_from_t f;
    cr_assert_eq(qw_sf_from_parse("earliest", &f), QW_OK);
    cr_assert_eq(qw_sf_from_replay(f), -2);
    cr_assert_eq(qw_sf_from_parse("latest", &f), QW_OK);
    cr_assert_eq(qw_sf_from_replay(f), -1);
    cr_assert_eq(qw_sf_from_parse("newest", &f), QW_ERR);
    /* A committed id wins; Salesforce then sends what follows it. */
    cr_assert_eq(qw_sf_replay_start(1, 41007, QW_SF_FROM_LATEST), 41007);
    cr_assert_eq(qw_sf_replay_start(0, 0, QW_SF_FROM_EARLIEST), -2);
    cr_assert_eq(qw_sf_replay_start(0, 0, QW_SF_FROM_LATEST), -1);
}
