/* qwctl rebuild evaluator: each precondition blocks with its fix; the key patterns. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "rebuild_plan.h"

static qwctl_rebuild_facts_t ok(void)
{
    qwctl_rebuild_facts_t f = {.credits_exists = 1,
                               .credits_retention_ms = -1,
                               .group = "qw-evaluator",
                               .group_members = 0};
    return f;
}

static int blockers(const qwctl_rebuild_facts_t *f, const char *want)
{
    char out[QWCTL_REBUILD_BLOCKERS_MAX][QWCTL_REBUILD_TEXT_MAX];
    int n = qwctl_rebuild_blockers(f, out, QWCTL_REBUILD_BLOCKERS_MAX);
    if (want) {
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= strstr(out[i], want) != NULL;
        cr_assert(found, "no blocker says '%s' (%d blockers, first: %s)", want, n, n ? out[0] : "");
    }
    return n;
}

Test(qwctl_rebuild_plan, all_clear_goes_ahead)
{
    qwctl_rebuild_facts_t f = ok();
    cr_assert_eq(blockers(&f, NULL), 0);
}

Test(qwctl_rebuild_plan, each_precondition_blocks_with_its_fix)
{
    qwctl_rebuild_facts_t f = ok();
    f.credits_retention_ms = 7LL * 86400000;
    cr_assert_eq(blockers(&f, "keeps only 7 days"), 1);
    f.accept_retention = 1;
    cr_assert_eq(blockers(&f, NULL), 0, "a partial rebuild when asked for");
    f = ok();
    f.credits_exists = 0;
    cr_assert_eq(blockers(&f, "does not exist"), 1);
    f = ok();
    f.credits_retention_ms = INT64_MIN;
    cr_assert_eq(blockers(&f, "unknown"), 1);
    f = ok();
    f.redis_refused = "maxmemory-policy allkeys-lru evicts keys";
    cr_assert_eq(blockers(&f, "allkeys-lru"), 1);
    f = ok();
    f.group_members = 2;
    cr_assert_eq(blockers(&f, "2 qw-evaluator instance(s) still run"), 1);
    f = ok();
    f.group_members = -1;
    cr_assert_eq(blockers(&f, "cannot tell"), 1, "unknown is not 'none'");
    f = ok();
    f.calendar_lease = 1;
    cr_assert_eq(blockers(&f, "lease is held"), 1);
    f = ok();
    f.outbox_pending = 3;
    cr_assert_eq(blockers(&f, "3 decision(s)"), 1);
    f.group_members = 1;
    f.calendar_lease = 1;
    cr_assert_eq(blockers(&f, NULL), 3, "every blocker at once");
}

Test(qwctl_rebuild_plan, patterns_cover_every_evaluator_key_and_escape_the_prefix)
{
    char p[3][256];
    cr_assert_eq(qwctl_rebuild_patterns("", p, 3), 3);
    cr_assert_str_eq(p[0], "qw:ev:*");
    cr_assert_str_eq(p[1], "qw:rep:*");
    cr_assert_str_eq(p[2], "qw:cid:*",
                     "the applied credit ids: kept, they would drop every credit");
    cr_assert_eq(qwctl_rebuild_patterns("it.a*[b]?.", p, 3), 3);
    cr_assert_str_eq(p[0], "it.a\\*\\[b\\]\\?.qw:ev:*");
    cr_assert_eq(qwctl_rebuild_patterns("x", p, 2), 0);
}

Test(qwctl_rebuild_plan, notifier_index_actions)
{
    cr_assert_eq(qwctl_index_action("queued", 1), QWCTL_IDX_OK);
    cr_assert_eq(qwctl_index_action("queued", 0), QWCTL_IDX_REQUEUE, "lost from its queue");
    cr_assert_eq(qwctl_index_action("sending", 0), QWCTL_IDX_REQUEUE,
                 "a stale send is retried, the receiver drops a repeat by its id");
    cr_assert_eq(qwctl_index_action("sending", 1), QWCTL_IDX_OK);
    cr_assert_eq(qwctl_index_action("sent", 1), QWCTL_IDX_DROP, "never sent again");
    cr_assert_eq(qwctl_index_action("failed", 0), QWCTL_IDX_DROP, "dead-lettered already");
    cr_assert_eq(qwctl_index_action("", 0), QWCTL_IDX_DROP, "its window passed");
}
