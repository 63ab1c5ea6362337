/* What each topic must be for quotawatch's guarantees (docs/operations.md, "Topics"). */
#include "topics_judge.h"

#include <stdarg.h>
#include <stdio.h>

const qw_topic_need_t qw_topics_needed[QW_TOPICS_COUNT] = {
    {"qw.crm.canonical", QW_TOPIC_RAW},   {"qw.crm.salesforce", QW_TOPIC_RAW},
    {"qw.crm.hubspot", QW_TOPIC_RAW},     {"qw.crm.pipedrive", QW_TOPIC_RAW},
    {"qw.credits.v1", QW_TOPIC_DERIVED},  {"qw.decisions.v1", QW_TOPIC_DERIVED},
    {"qw.dlq.v1", QW_TOPIC_DLQ},          {"qw.notify-dlq.v1", QW_TOPIC_DLQ},
    {"qw.roster.v1", QW_TOPIC_REFERENCE}, {"qw.quotas.v1", QW_TOPIC_REFERENCE},
};

static int add(qw_topic_finding_t *out, int n, qw_find_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add(qw_topic_finding_t *out, int n, qw_find_level_t level, const char *fmt, ...)
{
    if (n >= QW_TOPICS_FINDINGS_MAX) return n;
    out[n].level = level;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out[n].text, sizeof(out[n].text), fmt, ap);
    va_end(ap);
    return n + 1;
}

static double days(int64_t ms)
{
    return (double)ms / 86400000.0;
}

int qw_topics_judge(const qw_topic_need_t *need, const char *name, const qw_topic_seen_t *seen,
                    int64_t dlq_min_ms, qw_topic_finding_t *out)
{
    int n = 0;
    if (!seen->exists)
        return add(out, n, QW_FIND_ERROR,
                   "%s does not exist: create it (deploy/local/stack.sh topics shows the set, "
                   "docs/operations.md \"Topics\")",
                   name);
    if (seen->partitions <= 0)
        n = add(out, n, QW_FIND_ERROR, "%s reports no partitions: is its leader down?", name);
    if (seen->replication > 0 && seen->replication < 3)
        n = add(out, n, QW_FIND_WARN,
                "%s has replication factor %d: one broker loss can lose it (3 in production)", name,
                seen->replication);
    if (seen->min_isr > 0 && seen->min_isr < 2 && seen->replication >= 3)
        n = add(out, n, QW_FIND_WARN,
                "%s has min.insync.replicas=%d: an acknowledged write may live on one broker only "
                "(2 with replication 3)",
                name, seen->min_isr);
    switch (need->role) {
    case QW_TOPIC_REFERENCE:
        if (!seen->compact || seen->delete)
            n = add(out, n, QW_FIND_ERROR,
                    "%s must be cleanup.policy=compact only (now %s): the services read it whole "
                    "at start, and deletion loses people or quotas; kafka-configs.sh --alter "
                    "--entity-type topics --entity-name %s --add-config cleanup.policy=compact",
                    name,
                    seen->compact && seen->delete ? "compact,delete"
                    : seen->compact               ? "compact"
                                                  : "delete",
                    name);
        break;
    case QW_TOPIC_RAW:
        if (seen->retention_ms >= 0)
            n = add(out, n, QW_FIND_WARN,
                    "%s keeps %.1f days (retention.ms=%lld): rebuilding the deal ledger replays "
                    "only that far back; retention.ms=-1 keeps every deal rebuildable",
                    name, days(seen->retention_ms), (long long)seen->retention_ms);
        break;
    case QW_TOPIC_DERIVED:
        if (seen->retention_ms >= 0)
            n = add(out, n, QW_FIND_WARN,
                    "%s keeps %.1f days (retention.ms=%lld): qw-web and an evaluator rebuild see "
                    "only that far back; retention.ms=-1 keeps every period's history",
                    name, days(seen->retention_ms), (long long)seen->retention_ms);
        break;
    case QW_TOPIC_DLQ:
        if (seen->retention_ms >= 0 && seen->retention_ms < dlq_min_ms)
            n = add(out, n, QW_FIND_WARN,
                    "%s keeps %.1f days: a dead letter not redriven by then is lost; keep at "
                    "least %.0f days",
                    name, days(seen->retention_ms), days(dlq_min_ms));
        break;
    }
    return n;
}
