/* The completeness rule of the calendar job (completeness.h): every raw partition's mark must
 * have passed the step's target, a missing mark is "never", and the newest Kafka timestamp is
 * read for the clock check. */
#include <criterion/criterion.h>
#include <string.h>

#include "completeness.h"
#include "quotawatch/watermark.h"

static const char *const req[] = {"qw.crm.hubspot/0", "qw.crm.hubspot/1", "qw.crm.canonical/0"};

Test(evaluator_completeness, passes_only_when_every_partition_passed_the_target)
{
    const char *f[] = {"qw.crm.hubspot/0", "_ts", "qw.crm.hubspot/1", "qw.crm.canonical/0"};
    const char *v[] = {"2000", "2100", "1999", "5000"};
    const char *lag = NULL;
    int64_t lag_ms = 0, ts = 0;
    cr_assert_eq(qw_complete_marks_pass(f, v, 4, req, 3, 2000, &lag, &lag_ms, &ts), 0);
    cr_assert_str_eq(lag, "qw.crm.hubspot/1");
    cr_assert_eq(lag_ms, 1999);
    cr_assert_eq(ts, 2100);
    cr_assert_eq(qw_complete_marks_pass(f, v, 4, req, 3, 1999, &lag, &lag_ms, &ts), 1);
}

Test(evaluator_completeness, a_partition_without_a_mark_is_never_complete)
{
    const char *f[] = {"qw.crm.hubspot/0", "qw.crm.hubspot/1"};
    const char *v[] = {"9000", "9000"};
    const char *lag = NULL;
    int64_t lag_ms = 0, ts = 7;
    cr_assert_eq(qw_complete_marks_pass(f, v, 2, req, 3, 1, &lag, &lag_ms, &ts), 0);
    cr_assert_str_eq(lag, "qw.crm.canonical/0");
    cr_assert_eq(lag_ms, -1);
    cr_assert_eq(ts, 0, "no _ts field: no Kafka time seen");
}

Test(evaluator_completeness, no_raw_partitions_means_nothing_to_wait_for)
{
    const char *lag = NULL;
    int64_t lag_ms = 0, ts = 0;
    cr_assert_eq(qw_complete_marks_pass(NULL, NULL, 0, NULL, 0, 123, &lag, &lag_ms, &ts), 1);
}

static int collect(void *opaque, const char *topic, int32_t part, int64_t ms)
{
    qw_wm_mark_t *m = opaque;
    while (m->topic[0])
        m++;
    snprintf(m->topic, sizeof(m->topic), "%s", topic);
    m->partition = part;
    m->watermark_ms = ms;
    return 0;
}

Test(evaluator_completeness, watermark_records_round_trip_and_refuse_garbage)
{
    qw_wm_mark_t in[2] = {{"qw.crm.hubspot", 3, 1796189041153}, {"qw.crm.canonical", 0, 17}};
    uint8_t buf[1024];
    size_t n = qw_wm_pack(in, 2, "ingest-1", buf, sizeof(buf));
    cr_assert_gt(n, 0);
    qw_wm_mark_t out[3] = {0};
    cr_assert_eq(qw_wm_unpack(buf, n, collect, out), 0);
    cr_assert_str_eq(out[0].topic, "qw.crm.hubspot");
    cr_assert_eq(out[0].partition, 3);
    cr_assert_eq(out[0].watermark_ms, 1796189041153);
    cr_assert_str_eq(out[1].topic, "qw.crm.canonical");
    cr_assert_eq(qw_wm_pack(in, 2, "ingest-1", buf, 8), 0, "too small a buffer is refused");
    qw_wm_mark_t bad[1] = {{"", 0, 1}};
    n = qw_wm_pack(bad, 1, NULL, buf, sizeof(buf));
    memset(out, 0, sizeof(out));
    cr_assert_neq(qw_wm_unpack(buf, n, collect, out), 0, "a mark without topic is refused");
    cr_assert_neq(qw_wm_unpack("\xff\xff\xff", 3, collect, out), 0);
    char field[QW_WM_FIELD_MAX];
    cr_assert_eq(qw_wm_field(field, sizeof(field), "t", 12), 4);
    cr_assert_str_eq(field, "t/12");
}
