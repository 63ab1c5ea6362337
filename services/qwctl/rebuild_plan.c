#include "rebuild_plan.h"

#include <stdio.h>
#include <string.h>

int qwctl_rebuild_blockers(const qwctl_rebuild_facts_t *f, char out[][QWCTL_REBUILD_TEXT_MAX],
                           int max)
{
    int n = 0;
#define BLOCK(...)                                                                                 \
    do {                                                                                           \
        if (n < max) snprintf(out[n++], QWCTL_REBUILD_TEXT_MAX, __VA_ARGS__);                      \
    } while (0)
    if (!f->credits_exists)
        BLOCK("qw.credits.v1 does not exist: there is nothing to rebuild from (check "
              "--topic-prefix)");
    else if (f->credits_retention_ms == INT64_MIN)
        BLOCK("the retention of qw.credits.v1 is unknown (DescribeConfigs refused?): run qwctl "
              "topics check");
    else if (f->credits_retention_ms >= 0 && !f->accept_retention)
        BLOCK("qw.credits.v1 keeps only %lld days (retention.ms=%lld): a rebuild would forget "
              "every credit older than that. Set retention.ms=-1 on it, or pass "
              "--accept-retention to rebuild from what is left",
              (long long)(f->credits_retention_ms / 86400000), (long long)f->credits_retention_ms);
    if (f->redis_refused) BLOCK("Redis would lose the rebuilt state: %s", f->redis_refused);
    if (f->group_members < 0)
        BLOCK("cannot tell whether qw-evaluator runs (consumer group %s did not answer): "
              "retry, or check --brokers and --group",
              f->group);
    else if (f->group_members > 0)
        BLOCK("%d qw-evaluator instance(s) still run in consumer group %s: stop every one "
              "first (systemctl stop qw-evaluator)",
              f->group_members, f->group);
    if (f->calendar_lease)
        BLOCK("the calendar job's lease is held: a qw-evaluator still runs (or stopped less "
              "than its lease ago): stop every one and retry in a minute");
    if (f->outbox_pending > 0)
        BLOCK("%lld decision(s) or dead letter(s) wait in the outboxes and would be lost: "
              "start qw-evaluator until qw_evaluator_outbox_length is 0, stop it, retry",
              (long long)f->outbox_pending);
#undef BLOCK
    return n;
}

qwctl_idx_action_t qwctl_index_action(const char *state, int in_queue)
{
    if (!strcmp(state, "queued") || !strcmp(state, "sending"))
        return in_queue ? QWCTL_IDX_OK : QWCTL_IDX_REQUEUE;
    return QWCTL_IDX_DROP;
}

int qwctl_glob_escape(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s; s++) {
        if (strchr("*?[]\\", *s)) {
            if (k + 1 >= cap) return -1;
            out[k++] = '\\';
        }
        if (k + 1 >= cap) return -1;
        out[k++] = *s;
    }
    out[k] = 0;
    return 0;
}

int qwctl_rebuild_patterns(const char *ns, char out[][256], int cap)
{
    static const char *const what[] = {"ev", "rep", "cid"};
    char esc[200];
    if (cap < 3 || qwctl_glob_escape(ns ? ns : "", esc, sizeof(esc))) return 0;
    for (int i = 0; i < 3; i++)
        snprintf(out[i], 256, "%sqw:%s:*", esc, what[i]);
    return 3;
}
