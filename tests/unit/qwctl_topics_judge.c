/* qwctl topics check: each rule of topics_judge.c, on topics as a cluster would report them. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "topics_judge.h"

static const qw_topic_need_t *need(const char *base)
{
    for (int i = 0; i < QW_TOPICS_COUNT; i++)
        if (!strcmp(qw_topics_needed[i].base, base)) return &qw_topics_needed[i];
    cr_assert_fail("no need for %s", base);
    return NULL;
}

/* A healthy production topic: 3 replicas, min ISR 2, kept for ever. */
static qw_topic_seen_t good(void)
{
    qw_topic_seen_t s = {.exists = 1,
                         .partitions = 6,
                         .replication = 3,
                         .min_isr = 2,
                         .delete = 1,
                         .retention_ms = -1};
    return s;
}

static int judge(const char *base, qw_topic_seen_t s, qw_topic_finding_t *f)
{
    return qw_topics_judge(need(base), base, &s, 14LL * 86400000, f);
}

Test(qwctl_topics_judge, every_topic_of_the_set_is_checked)
{
    cr_assert_eq(QW_TOPICS_COUNT, 10);
    cr_assert_eq(need("qw.roster.v1")->role, QW_TOPIC_REFERENCE);
    cr_assert_eq(need("qw.notify-dlq.v1")->role, QW_TOPIC_DLQ);
}

Test(qwctl_topics_judge, a_healthy_topic_has_no_finding)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    cr_assert_eq(judge("qw.credits.v1", good(), f), 0);
    qw_topic_seen_t ref = good();
    ref.compact = 1, ref.delete = 0;
    cr_assert_eq(judge("qw.quotas.v1", ref, f), 0);
}

Test(qwctl_topics_judge, a_missing_topic_is_an_error_naming_it)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    qw_topic_seen_t s = {0};
    cr_assert_eq(judge("qw.decisions.v1", s, f), 1);
    cr_assert_eq(f[0].level, QW_FIND_ERROR);
    cr_assert(strstr(f[0].text, "qw.decisions.v1 does not exist"), "%s", f[0].text);
}

Test(qwctl_topics_judge, a_reference_topic_must_compact_and_never_delete)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    qw_topic_seen_t s = good(); /* delete only */
    cr_assert_eq(judge("qw.roster.v1", s, f), 1);
    cr_assert_eq(f[0].level, QW_FIND_ERROR);
    cr_assert(strstr(f[0].text, "(now delete)") && strstr(f[0].text, "cleanup.policy=compact"),
              "%s", f[0].text);
    s.compact = 1; /* compact,delete still loses people */
    cr_assert_eq(judge("qw.roster.v1", s, f), 1);
    cr_assert(strstr(f[0].text, "compact,delete"), "%s", f[0].text);
}

Test(qwctl_topics_judge, finite_retention_of_inputs_limits_a_rebuild)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    qw_topic_seen_t s = good();
    s.retention_ms = 7LL * 86400000;
    cr_assert_eq(judge("qw.crm.hubspot", s, f), 1);
    cr_assert_eq(f[0].level, QW_FIND_WARN);
    cr_assert(strstr(f[0].text, "7.0 days") && strstr(f[0].text, "deal ledger"), "%s", f[0].text);
    cr_assert_eq(judge("qw.credits.v1", s, f), 1);
    cr_assert(strstr(f[0].text, "evaluator rebuild"), "%s", f[0].text);
}

Test(qwctl_topics_judge, a_dlq_needs_time_to_be_redriven)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    qw_topic_seen_t s = good();
    s.retention_ms = 7LL * 86400000;
    cr_assert_eq(judge("qw.dlq.v1", s, f), 1);
    cr_assert(strstr(f[0].text, "at least 14 days"), "%s", f[0].text);
    s.retention_ms = 30LL * 86400000;
    cr_assert_eq(judge("qw.dlq.v1", s, f), 0, "30 days is enough");
}

Test(qwctl_topics_judge, weak_replication_is_a_warning)
{
    qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
    qw_topic_seen_t s = good();
    s.replication = 1;
    cr_assert_eq(judge("qw.credits.v1", s, f), 1);
    cr_assert_eq(f[0].level, QW_FIND_WARN);
    cr_assert(strstr(f[0].text, "replication factor 1"), "%s", f[0].text);
    s = good();
    s.min_isr = 1;
    cr_assert_eq(judge("qw.credits.v1", s, f), 1);
    cr_assert(strstr(f[0].text, "min.insync.replicas=1"), "%s", f[0].text);
    s.partitions = 0;
    cr_assert_eq(judge("qw.credits.v1", s, f), 2);
    cr_assert_eq(f[0].level, QW_FIND_ERROR);
}
