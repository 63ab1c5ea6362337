#include "commit.h"

#include <string.h>

void qw_ev_commit_plan(qw_commit_status_t status, int64_t value, int64_t next_offset,
                       int64_t nentries, qw_ev_commit_plan_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->next = plan->seek = plan->gen = -1;
    plan->result = QW_RUN_RETRY;
    switch (status) {
    case QW_COMMIT_OK:
        plan->result = QW_RUN_DONE;
        plan->keep_work = plan->write_marks = 1;
        plan->next = next_offset;
        plan->relay_due = nentries > 0;
        return;
    case QW_COMMIT_SKIP:
        /* Applied before (a retry after an unknown outcome, or a replay): our copies may differ
         * in detail from what was stored, so reload; skip ahead when Redis is further on. */
        plan->result = QW_RUN_DONE;
        plan->write_marks = plan->drop_cache = plan->relay_due = 1;
        plan->next = value;
        if (value > next_offset) plan->seek = value;
        return;
    case QW_COMMIT_FENCED:
        plan->result = QW_RUN_DROP;
        plan->drop_cache = plan->fence = plan->pause = 1;
        return;
    case QW_COMMIT_HELD:
        plan->result = QW_RUN_HELD;
        plan->drop_cache = 1;
        return;
    case QW_COMMIT_STALE:
        /* Not a Redis failure, nor a hold: redo at once with the reloaded states (the job's
         * pre-writes make it stale several times in a step; a wait each time would stall). */
        plan->result = QW_RUN_REDO;
        plan->drop_cache = 1;
        plan->gen = value;
        return;
    case QW_COMMIT_DUP:
        /* Nothing was written; the cache is still what Redis has, the window now names them. */
        plan->result = QW_RUN_REDO;
        plan->dups = value;
        return;
    }
}

void qw_ev_commit_exec(rd_kafka_t *rk, const char *topic, int32_t part,
                       const qw_ev_commit_plan_t *plan)
{
    if (plan->seek >= 0) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, part)->offset = plan->seek;
        rd_kafka_error_t *e = rd_kafka_seek_partitions(rk, l, -1);
        if (e) rd_kafka_error_destroy(e);
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (plan->pause) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, part);
        rd_kafka_pause_partitions(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
}
