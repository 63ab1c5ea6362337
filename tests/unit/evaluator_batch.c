/* Batch grouping per partition (batch.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "batch.h"

Test(evaluator_batch, groups_by_partition_keeping_order)
{
    int32_t part[] = {2, 0, 2, 1, 0, 2};
    int64_t off[] = {10, 5, 11, 7, 6, 13};
    int idx[6];
    qw_batch_run_t runs[6];
    int n = qw_batch_group(part, 6, idx, runs);
    cr_assert_eq(n, 3);
    cr_assert_eq(runs[0].part, 2);
    cr_assert_eq(runs[0].count, 3);
    cr_assert_eq(idx[runs[0].start + 0], 0);
    cr_assert_eq(idx[runs[0].start + 1], 2);
    cr_assert_eq(idx[runs[0].start + 2], 5);
    cr_assert_eq(runs[1].part, 0);
    cr_assert_eq(idx[runs[1].start], 1);
    cr_assert_eq(idx[runs[1].start + 1], 4);
    cr_assert_eq(runs[2].part, 1);
    cr_assert_eq(runs[2].count, 1);
    for (int r = 0; r < n; r++)
        cr_assert(qw_batch_ascending(off, idx, runs[r].start, runs[r].count),
                  "gaps (transaction markers) are fine");
    int64_t bad[] = {10, 5, 9, 7, 6, 13};
    cr_assert_not(qw_batch_ascending(bad, idx, runs[0].start, runs[0].count));
    cr_assert_eq(qw_batch_group(part, 0, idx, runs), 0);
}
