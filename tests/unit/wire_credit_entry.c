/* The one CreditEntry codec: what the ingest ledger packs and the evaluator decodes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/credit_entry.h"
#include "quotawatch/date.h"

static int32_t day(const char *s)
{
    int32_t d;
    cr_assert_eq(qw_date_parse(s, strlen(s), &d), 0, "%s", s);
    return d;
}

static int64_t at(const char *s)
{
    int64_t ms;
    cr_assert_eq(qw_time_parse_iso8601(s, strlen(s), &ms), 0, "%s", s);
    return ms;
}

static size_t slurp(const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/credit_entry/%s", QW_FIXTURES, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Field by field: padding bytes are not part of the value. */
static void same_credit(const qw_credit_t *a, const qw_credit_t *b)
{
    cr_assert_str_eq(a->id, b->id);
    cr_assert_str_eq(a->deal_id, b->deal_id);
    cr_assert_eq(a->deal_version, b->deal_version);
    cr_assert_str_eq(a->rep_id, b->rep_id);
    cr_assert_eq(a->kind, b->kind);
    cr_assert_eq(a->reason, b->reason);
    cr_assert_eq(a->amount_minor, b->amount_minor);
    cr_assert_str_eq(a->currency, b->currency);
    cr_assert_eq(a->original_minor, b->original_minor);
    cr_assert_str_eq(a->original_currency, b->original_currency);
    cr_assert_eq(a->close_date, b->close_date);
    cr_assert_eq(a->close_time_ms, b->close_time_ms);
    cr_assert_eq(a->won_date, b->won_date);
    cr_assert_eq(a->event_time_ms, b->event_time_ms);
    cr_assert_eq(a->discount_bp, b->discount_bp);
}

/* Moved from evaluator_decision_pb.c (then evaluator_engine_pb.c): the evaluator's reading of close
 * dates and instants. */
Test(wire_credit_entry, credit_entry_dates_and_instants)
{
    Quotawatch__V1__CreditEntry m = QUOTAWATCH__V1__CREDIT_ENTRY__INIT;
    m.id = "deal:3:ana";
    m.deal_id = "deal";
    m.rep_id = "ana";
    m.kind = QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_CLAWBACK;
    m.amount_minor = -500;
    m.currency = "USD";
    m.close_date = "2026-11-30";
    m.won_date = "2026-11-02";
    qw_credit_t c;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(c.kind, QW_CREDIT_KIND_CLAWBACK);
    cr_assert_eq(c.close_date, day("2026-11-30"));
    cr_assert_eq(c.close_time_ms, QW_TIME_NONE);
    cr_assert_eq(c.won_date, day("2026-11-02"));
    m.close_date = "2026-12-01T04:30:00Z";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(c.close_time_ms, at("2026-12-01T04:30:00Z"));
    m.close_date = "yesterday";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_ERR);
    /* A credit written to the topic by anyone: its deal id keeps the id rule. */
    m.close_date = "2026-11-30";
    m.deal_id = "crm:D1\r\nX-Injected: yes";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "deal id") != NULL, "%s", err);
}

Test(wire_credit_entry, ids_are_strict_and_reasons_bounded)
{
    Quotawatch__V1__CreditEntry m = QUOTAWATCH__V1__CREDIT_ENTRY__INIT;
    m.id = "d:1:r";
    m.deal_id = "d";
    m.rep_id = "r\nx";
    m.currency = "USD";
    m.close_date = "2026-11-30";
    qw_credit_t c;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "rep id") != NULL, "%s", err);
    m.rep_id = "r";
    m.currency = "EURO";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_ERR);
    m.currency = "USD";
    m.reason = "a reason this build has never heard of"; /* longer than the bound */
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "reason") != NULL, "%s", err);
    m.reason = "renamed_later";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(c.reason, QW_REASON_NONE, "unknown reasons are not refused");
    m.reason = "owner_changed";
    cr_assert_eq(qw_credit_entry_from_pb(&m, &c, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(c.reason, QW_REASON_OWNER_CHANGED);
    cr_assert_eq(qw_credit_entry_unpack((const uint8_t *)"\xff\xff", 2, &c, err, sizeof(err)),
                 QW_ERR);
}

Test(wire_credit_entry, pack_then_unpack_is_the_same_credit)
{
    qw_credit_t c = {.id = "crm:D1:2:rep-a",
                     .deal_id = "crm:D1",
                     .deal_version = 2,
                     .rep_id = "rep-a",
                     .kind = QW_CREDIT_KIND_CLAWBACK,
                     .reason = QW_REASON_LOST,
                     .amount_minor = -1100055,
                     .currency = "USD",
                     .original_minor = -1000050,
                     .original_currency = "EUR",
                     .close_time_ms = QW_TIME_NONE,
                     .event_time_ms = 1767225600000,
                     .discount_bp = 1500};
    c.close_date = day("2026-03-15");
    c.won_date = day("2026-03-14");
    uint8_t buf[1024];
    size_t n = qw_credit_entry_pack(&c, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_credit_entry_pack(&c, buf, 10), 0, "too small a buffer");
    qw_credit_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_credit_entry_unpack(buf, n, &back, err, sizeof(err)), QW_OK, "%s", err);
    same_credit(&c, &back);
    /* An instant without a civil date goes out as the instant. */
    c.close_date = QW_DATE_NONE;
    c.close_time_ms = at("2026-12-01T04:30:00Z");
    c.won_date = QW_DATE_NONE;
    n = qw_credit_entry_pack(&c, buf, sizeof(buf));
    cr_assert_eq(qw_credit_entry_unpack(buf, n, &back, err, sizeof(err)), QW_OK, "%s", err);
    same_credit(&c, &back);
}

/* The fuzz seeds are real records: they decode, and survive a pack/unpack round trip. */
Test(wire_credit_entry, fixtures_decode)
{
    static const char *const names[] = {"won.bin", "clawback.bin", "adjust.bin"};
    uint8_t buf[4096], again[4096];
    char err[QW_ERRSTR_MAX];
    qw_credit_t c[3], back;
    for (int i = 0; i < 3; i++) {
        size_t n = slurp(names[i], buf, sizeof(buf));
        cr_assert_eq(qw_credit_entry_unpack(buf, n, &c[i], err, sizeof(err)), QW_OK, "%s: %s",
                     names[i], err);
        size_t m = qw_credit_entry_pack(&c[i], again, sizeof(again));
        cr_assert_gt(m, 0);
        cr_assert_eq(qw_credit_entry_unpack(again, m, &back, err, sizeof(err)), QW_OK, "%s", err);
        same_credit(&c[i], &back);
    }
    cr_assert_str_eq(c[0].id, "canonical:D1:1:r1");
    cr_assert_str_eq(c[0].deal_id, "canonical:D1");
    cr_assert_str_eq(c[0].rep_id, "r1");
    cr_assert_eq(c[0].deal_version, 1);
    cr_assert_eq(c[0].kind, QW_CREDIT_KIND_CREDIT);
    cr_assert_eq(c[0].amount_minor, 123456);
    cr_assert_str_eq(c[0].currency, "EUR");
    cr_assert_eq(c[0].close_date, day("2026-11-04"));
    cr_assert_eq(c[0].won_date, QW_DATE_NONE);
    cr_assert_eq(c[0].reason, QW_REASON_WON);
    cr_assert_eq(c[1].kind, QW_CREDIT_KIND_CLAWBACK);
    cr_assert_eq(c[1].amount_minor, -123456);
    cr_assert_eq(c[1].reason, QW_REASON_LOST);
    cr_assert_eq(c[1].won_date, day("2026-11-04"));
}
