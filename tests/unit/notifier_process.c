/* services/notifier/process.c: the pure parts of a batch — priority order and the offsets
 * committed once everything is recorded. */
#include <criterion/criterion.h>
#include <string.h>

#include "app.h"

Test(notifier_process, reviews_first_then_batch_order)
{
    qw_ntf_entry_t e[5];
    memset(e, 0, sizeof(e));
    const int prio[] = {4, 0, 2, 0, 4};
    for (int i = 0; i < 5; i++) {
        e[i].msg = (size_t)(10 - i); /* batch indices, not in array order */
        e[i].prio = prio[i];
    }
    qw_ntf_entries_sort(e, 5);
    cr_assert_eq(e[0].prio, 0);
    cr_assert_eq(e[0].msg, 7, "equal priority: the earlier record first");
    cr_assert_eq(e[1].msg, 9);
    cr_assert_eq(e[2].prio, 2);
    cr_assert_eq(e[3].msg, 6);
    cr_assert_eq(e[4].msg, 10);
    qw_ntf_entries_sort(e, 0); /* nothing to do, no crash */
}

Test(notifier_process, commit_plan_is_the_next_offset_of_each_partition)
{
    const char *topics[] = {"d", "d", "d", "x", "d"};
    const int32_t parts[] = {0, 1, 0, 0, 1};
    const int64_t offs[] = {5, 9, 7, 3, 8};
    qw_ntf_commit_t plan[5];
    size_t k = qw_ntf_commit_plan(topics, parts, offs, 5, plan);
    cr_assert_eq(k, 3, "one entry per topic and partition");
    cr_assert_str_eq(plan[0].topic, "d");
    cr_assert_eq(plan[0].partition, 0);
    cr_assert_eq(plan[0].next, 8, "the highest offset seen, plus one");
    cr_assert_eq(plan[1].partition, 1);
    cr_assert_eq(plan[1].next, 10, "a lower offset later in the batch does not go back");
    cr_assert_str_eq(plan[2].topic, "x", "another topic's partition 0 is its own");
    cr_assert_eq(plan[2].next, 4);
    cr_assert_eq(qw_ntf_commit_plan(topics, parts, offs, 0, plan), 0);
}

Test(notifier_process, batch_polling_holds_off_without_redis_and_when_full)
{
    cr_assert_eq(qw_ntf_batch_timeout(1, 0, 10, 100), 100, "an empty batch waits");
    cr_assert_eq(qw_ntf_batch_timeout(1, 3, 10, 100), 0, "a started batch takes what is there");
    cr_assert_eq(qw_ntf_batch_timeout(1, 10, 10, 100), -1, "full");
    cr_assert_eq(qw_ntf_batch_timeout(0, 0, 10, 100), -1, "Redis away: nothing could be recorded");
}
