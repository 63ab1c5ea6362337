#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/dlq.h"

static const char *val(const qw_dlq_headers_t *hs, const char *name)
{
    static char buf[256];
    const qw_dlq_header_t *h = qw_dlq_headers_get(hs, name);
    if (!h) return NULL;
    memcpy(buf, h->value, h->len);
    buf[h->len] = '\0';
    return buf;
}

Test(wire_dlq, notifier_dead_letter)
{
    qw_dlq_headers_t hs;
    qw_dlq_error_t e = QW_DLQ_ERROR_INIT;
    e.reason = "channel_not_found";
    e.message = "HTTP 404";
    e.channel = "rep.slack";
    e.attempts = 3;
    qw_dlq_headers_init(&hs);
    cr_assert_eq(qw_dlq_headers_build(&hs, &e), 0);
    cr_assert_eq(hs.n, 4);
    cr_assert_str_eq(hs.h[0].name, "qw.error.reason", "reason first");
    cr_assert_str_eq(val(&hs, QW_DLQ_REASON), "channel_not_found");
    cr_assert_str_eq(val(&hs, "qw.error.message"), "HTTP 404");
    cr_assert_str_eq(val(&hs, "qw.error.channel"), "rep.slack");
    cr_assert_str_eq(val(&hs, "qw.error.attempts"), "3");
    cr_assert_null(qw_dlq_headers_get(&hs, QW_DLQ_SOURCE_TOPIC));
    cr_assert_null(qw_dlq_headers_get(&hs, QW_DLQ_INDEX));
}

Test(wire_dlq, ingest_dead_letter)
{
    qw_dlq_headers_t hs;
    qw_dlq_error_t e = QW_DLQ_ERROR_INIT;
    e.reason = "too_large";
    e.message = "";
    e.index = 0;
    e.truncated = 2000000;
    e.source_topic = "qw.crm.hubspot";
    e.source_partition = 2;
    e.source_offset = 9007199254740993LL;
    qw_dlq_headers_init(&hs);
    cr_assert_eq(qw_dlq_headers_build(&hs, &e), 0);
    cr_assert_str_eq(val(&hs, "qw.error.index"), "0");
    cr_assert_str_eq(val(&hs, "qw.error.truncated"), "2000000");
    cr_assert_str_eq(val(&hs, "qw.source.topic"), "qw.crm.hubspot");
    cr_assert_str_eq(val(&hs, "qw.source.partition"), "2");
    cr_assert_str_eq(val(&hs, "qw.source.offset"), "9007199254740993");
    cr_assert_str_eq(val(&hs, "qw.error.message"), "");
    cr_assert_null(qw_dlq_headers_get(&hs, QW_DLQ_ATTEMPTS));
}

Test(wire_dlq, reason_is_required_and_the_list_is_bounded)
{
    qw_dlq_headers_t hs;
    qw_dlq_error_t e = QW_DLQ_ERROR_INIT;
    qw_dlq_headers_init(&hs);
    cr_assert_eq(qw_dlq_headers_build(&hs, &e), -1);
    cr_assert_eq(hs.n, 0);
    for (int i = 0; i < QW_DLQ_HEADERS_MAX; i++)
        cr_assert_eq(qw_dlq_headers_add_int(&hs, "n", i), 0);
    cr_assert_not(hs.overflow);
    cr_assert_eq(qw_dlq_headers_add(&hs, "x", "y", (size_t)-1), -1);
    cr_assert(hs.overflow, "an incomplete list is marked, never produced");
    cr_assert_str_eq(val(&hs, "n"), "0");
    cr_assert_str_eq(hs.h[QW_DLQ_HEADERS_MAX - 1].value, "15");
    /* Binary values keep their length. */
    qw_dlq_headers_init(&hs);
    cr_assert_eq(qw_dlq_headers_add(&hs, "b", "a\0b", 3), 0);
    cr_assert_eq(hs.h[0].len, 3);
    cr_assert_eq(qw_dlq_headers_add(&hs, "nul", NULL, 5), 0);
    cr_assert_eq(hs.h[1].len, 0);
}

Test(wire_dlq, legacy_notifier_names_map_to_the_scheme)
{
    cr_assert_str_eq(qw_dlq_legacy_name("qw_reason"), QW_DLQ_REASON);
    cr_assert_str_eq(qw_dlq_legacy_name("qw_detail"), QW_DLQ_MESSAGE);
    cr_assert_str_eq(qw_dlq_legacy_name("qw_channel"), QW_DLQ_CHANNEL);
    cr_assert_str_eq(qw_dlq_legacy_name("qw_attempts"), QW_DLQ_ATTEMPTS);
    cr_assert_null(qw_dlq_legacy_name("qw.error.reason"));
    cr_assert_null(qw_dlq_legacy_name("ce_id"));
    cr_assert_null(qw_dlq_legacy_name(NULL));
    cr_assert_str_eq(QW_DLQ_LEGACY_UNTIL, "2027-06-30");
}
