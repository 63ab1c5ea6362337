/* Batch grouping per partition and the outbox entry -> CloudEvents attributes. */
#include <criterion/criterion.h>
#include <string.h>

#include "batch.h"
#include "outbox.h"

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

static size_t pack(Quotawatch__V1__Decision *d, uint8_t *buf)
{
    return quotawatch__v1__decision__pack(d, buf);
}

Test(evaluator_batch, outbox_entry_to_cloudevent)
{
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "d:r1:2026-11:reward.quota_achieved";
    d.type = "reward.quota_achieved";
    d.rep_id = "r1";
    d.period = "2026-11";
    d.time_ms = 1795000000123LL;
    uint8_t buf[512];
    size_t n = pack(&d, buf);
    qw_ce_t ce;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_ce_decode(&ce, buf, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(ce.id, d.id);
    cr_assert_str_eq(ce.type, d.type);
    cr_assert_str_eq(ce.subject, "r1");
    cr_assert_str_eq(ce.time, "2026-11-18T11:06:40.123Z");
    qw_ce_free(&ce);

    /* A team decision is keyed by its team. */
    d.rep_id = "";
    d.team_id = "east";
    d.id = "d:team:east:2026-11:health.quota_pressure:systemic";
    d.type = "health.quota_pressure";
    n = pack(&d, buf);
    cr_assert_eq(qw_ce_decode(&ce, buf, n, err, sizeof(err)), QW_OK);
    cr_assert_str_eq(ce.subject, "team:east");
    qw_ce_free(&ce);

    /* Without an id or not a Decision: refused. */
    d.id = "";
    n = pack(&d, buf);
    cr_assert_eq(qw_ce_decode(&ce, buf, n, err, sizeof(err)), QW_ERR);
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    cr_assert_eq(qw_ce_decode(&ce, junk, sizeof(junk), err, sizeof(err)), QW_ERR);
}
