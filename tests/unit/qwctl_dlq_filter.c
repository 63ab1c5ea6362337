/* qwctl dlq: the filters operators select dead letters with, and what a redrive does. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "dlq_filter.h"

static qwctl_dlq_rec_t rec(const char *reason, const char *topic)
{
    qwctl_dlq_rec_t r = {.reason = reason,
                         .source_topic = topic,
                         .source_partition = topic ? 2 : -1,
                         .source_offset = topic ? 40 : -1,
                         .truncated = -1,
                         .partition = 0,
                         .offset = 7,
                         .timestamp_ms = 1764000000000};
    return r;
}

Test(qwctl_dlq_filter, reasons_sources_and_offsets_select)
{
    qwctl_dlq_filter_t f;
    char e[160];
    qwctl_dlq_filter_init(&f);
    qwctl_dlq_rec_t r = rec("unknown_currency", "it.x.qw.crm.hubspot");
    cr_assert(qwctl_dlq_match(&f, &r), "no filter selects everything");
    cr_assert_eq(qwctl_dlq_filter_reasons(&f, "bad_amount,unknown_currency", e, sizeof(e)), 0);
    cr_assert(qwctl_dlq_match(&f, &r));
    r.reason = "bad_amount";
    cr_assert(qwctl_dlq_match(&f, &r));
    r.reason = "not_json";
    cr_assert_not(qwctl_dlq_match(&f, &r));
    r.reason = NULL;
    cr_assert_not(qwctl_dlq_match(&f, &r), "a record without a reason never matches a reason");
    qwctl_dlq_filter_init(&f);
    r = rec("x", "it.x.qw.crm.hubspot");
    const char *yes[] = {"hubspot", "qw.crm.hubspot", "it.x.qw.crm.hubspot", "crm"};
    for (size_t i = 0; i < 4; i++) {
        f.source = yes[i];
        cr_assert(qwctl_dlq_match(&f, &r), "%s", yes[i]);
    }
    f.source = "salesforce";
    cr_assert_not(qwctl_dlq_match(&f, &r));
    f.source = "spot";
    cr_assert_not(qwctl_dlq_match(&f, &r), "a part of a word is no source");
    r.source_topic = NULL;
    f.source = "hubspot";
    cr_assert_not(qwctl_dlq_match(&f, &r));
    qwctl_dlq_filter_init(&f);
    r = rec("x", "t");
    cr_assert_eq(qwctl_dlq_parse_offsets("5-9", &f.from_offset, &f.to_offset, e, sizeof(e)), 0);
    cr_assert(qwctl_dlq_match(&f, &r));
    r.offset = 10;
    cr_assert_not(qwctl_dlq_match(&f, &r));
    cr_assert_eq(qwctl_dlq_parse_offsets("10", &f.from_offset, &f.to_offset, e, sizeof(e)), 0);
    cr_assert(qwctl_dlq_match(&f, &r));
    cr_assert_eq(qwctl_dlq_parse_offsets("3-", &f.from_offset, &f.to_offset, e, sizeof(e)), 0);
    cr_assert_eq(f.to_offset, -1);
    cr_assert_neq(qwctl_dlq_parse_offsets("9-3", &f.from_offset, &f.to_offset, e, sizeof(e)), 0);
    cr_assert_neq(qwctl_dlq_parse_offsets("x", &f.from_offset, &f.to_offset, e, sizeof(e)), 0);
    f.partition = 1;
    cr_assert_not(qwctl_dlq_match(&f, &r));
}

Test(qwctl_dlq_filter, times_and_channels)
{
    qwctl_dlq_filter_t f;
    char e[160];
    int64_t t;
    qwctl_dlq_filter_init(&f);
    cr_assert_eq(qwctl_dlq_parse_time("6h", 1764000000000, &t, e, sizeof(e)), 0);
    cr_assert_eq(t, 1764000000000 - 6 * 3600000LL);
    cr_assert_eq(qwctl_dlq_parse_time("2025-11-24T16:00:00Z", 0, &t, e, sizeof(e)), 0);
    cr_assert_eq(t, 1764000000000);
    cr_assert_neq(qwctl_dlq_parse_time("yesterday", 0, &t, e, sizeof(e)), 0);
    cr_assert_neq(qwctl_dlq_parse_time("-3h", 0, &t, e, sizeof(e)), 0);
    qwctl_dlq_rec_t r = rec("channel_not_found", NULL);
    f.since_ms = r.timestamp_ms + 1;
    cr_assert_not(qwctl_dlq_match(&f, &r));
    f.since_ms = r.timestamp_ms;
    cr_assert(qwctl_dlq_match(&f, &r), "bounds are inclusive");
    r.channel = "hr.webhook";
    f.channel = "hr";
    cr_assert(qwctl_dlq_match(&f, &r), "an audience selects its channels");
    f.channel = "h";
    cr_assert_not(qwctl_dlq_match(&f, &r));
    f.channel = "hr.webhook";
    cr_assert(qwctl_dlq_match(&f, &r));
}

Test(qwctl_dlq_filter, what_a_redrive_does)
{
    char e[160];
    qwctl_dlq_rec_t r = rec("unknown_currency", "qw.crm.canonical");
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 0, e, sizeof(e)), QWCTL_REDRIVE_VALUE);
    r.truncated = 950000;
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 0, e, sizeof(e)), QWCTL_REDRIVE_REFERENCE,
                 "a cut original is read back from its source");
    const char *never[] = {"too_large", "not_a_deal", "gap_resync_needed"};
    for (size_t i = 0; i < 3; i++) {
        r.reason = never[i];
        cr_assert_eq(qwctl_dlq_redrive_plan(&r, 0, e, sizeof(e)), QWCTL_REDRIVE_NO, "%s", never[i]);
        cr_assert(strlen(e) > 10, "the reason is said");
    }
    r = rec("bad_amount", NULL);
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 0, e, sizeof(e)), QWCTL_REDRIVE_NO,
                 "no source: nowhere to put it");
    r = rec("no_address", NULL);
    r.channel = "rep.email";
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 1, e, sizeof(e)), QWCTL_REDRIVE_DECISION);
    r.reason = "bad_decision";
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 1, e, sizeof(e)), QWCTL_REDRIVE_NO);
    r.reason = "channel_not_found";
    r.channel = NULL;
    cr_assert_eq(qwctl_dlq_redrive_plan(&r, 1, e, sizeof(e)), QWCTL_REDRIVE_NO);
}
