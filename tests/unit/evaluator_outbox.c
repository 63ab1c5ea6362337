/* Outbox entries (outbox.c): Decision -> CloudEvents attributes, dead letters. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "outbox.h"

static size_t pack(Quotawatch__V1__Decision *d, uint8_t *buf)
{
    return quotawatch__v1__decision__pack(d, buf);
}

Test(evaluator_outbox, outbox_entry_to_cloudevent)
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

Test(evaluator_outbox, dead_letter_roundtrip_and_marker)
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

/* Found by fuzz_outbox: a corrupt entry whose partition or offset is not a plain decimal was
 * published with the number's prefix; it is refused now. */
Test(evaluator_outbox, dead_letter_numbers_are_strict)
{
    qw_dlq_t d = {.reason = "r",
                  .reason_len = 1,
                  .topic = "t",
                  .topic_len = 1,
                  .partition = 3,
                  .offset = 12345};
    uint8_t buf[128];
    size_t n = qw_dlq_encode(&d, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    qw_dlq_t e;
    cr_assert_eq(qw_dlq_decode(&e, buf, n), QW_OK);
    /* Offset "12345" is the second-to-last field before key and value: find and corrupt it. */
    uint8_t *o = memmem(buf, n, "12345", 5);
    cr_assert_not_null(o);
    o[1] = '"';
    cr_assert_eq(qw_dlq_decode(&e, buf, n), QW_ERR, "1\"345 is not an offset");
    o[1] = '2';
    uint8_t *p = memmem(buf, n,
                        "\x01\x00\x00\x00"
                        "3",
                        5);
    cr_assert_not_null(p);
    p[4] = '-';
    cr_assert_eq(qw_dlq_decode(&e, buf, n), QW_ERR, "a partition is never negative");
}

/* Found by fuzz_outbox: a Decision with an extreme time overflowed the RFC 3339 formatting
 * (UBSan); the CloudEvents time is clamped to the four-digit years instead. */
Test(evaluator_outbox, extreme_times_are_clamped)
{
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "d:x";
    d.type = "warning.at_risk";
    d.rep_id = "r1";
    d.time_ms = INT64_MAX;
    uint8_t buf[256];
    size_t n = pack(&d, buf);
    qw_ce_t ce;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_ce_decode(&ce, buf, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(ce.time, "9999-12-31T23:59:59.999Z");
    qw_ce_free(&ce);
    d.time_ms = INT64_MIN;
    n = pack(&d, buf);
    cr_assert_eq(qw_ce_decode(&ce, buf, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(ce.time, "0000-01-01T00:00:00.000Z");
    qw_ce_free(&ce);
}
