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

Test(evaluator_batch, dead_letter_roundtrip_and_marker)
{
    const char val[] = "\x0a\x03"
                       "abc";
    qw_dlq_t d = {.reason = "credit_refused",
                  .reason_len = 14,
                  .message = "unknown currency XXX",
                  .message_len = 20,
                  .topic = "qw.credits.v1",
                  .topic_len = 13,
                  .partition = 3,
                  .offset = 1234567890123LL,
                  .key = "rep-1",
                  .key_len = 5,
                  .value = val,
                  .value_len = sizeof(val) - 1};
    uint8_t buf[256];
    size_t n = qw_dlq_encode(&d, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert(qw_outbox_is_dlq(buf, n));
    qw_dlq_t e;
    cr_assert_eq(qw_dlq_decode(&e, buf, n), QW_OK);
    cr_assert_eq(e.reason_len, 14);
    cr_assert_eq(memcmp(e.reason, "credit_refused", 14), 0);
    cr_assert_eq(e.partition, 3);
    cr_assert_eq(e.offset, 1234567890123LL);
    cr_assert_eq(e.value_len, 5);
    cr_assert_eq(memcmp(e.value, val, 5), 0);
    cr_assert_eq(qw_dlq_decode(&e, buf, n - 1), QW_ERR, "truncated");
    cr_assert_eq(qw_dlq_encode(&d, buf, 20), 0, "too small");
    /* A Decision never looks like a dead letter. */
    Quotawatch__V1__Decision m = QUOTAWATCH__V1__DECISION__INIT;
    m.id = "x";
    m.type = "t";
    n = quotawatch__v1__decision__pack(&m, buf);
    cr_assert_not(qw_outbox_is_dlq(buf, n));
}
