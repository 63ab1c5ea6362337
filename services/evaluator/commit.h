/* What to do after a batch step's commit script answered (store.h's qw_commit_status_t): a pure
 * plan (qw_ev_commit_plan) and a thin executor for its Kafka half (qw_ev_commit_exec). The
 * plan is unit-tested with plain values (tests/unit/evaluator_commit.c). */
#ifndef QW_EV_COMMIT_H
#define QW_EV_COMMIT_H

#include <stdint.h>

#include "quotawatch/kafka.h"
#include "store.h"

/* How one run of a partition ended, for the batch loop. */
typedef enum {
    QW_RUN_DONE,  /* written, or applied before: next run */
    QW_RUN_RETRY, /* Redis failed or memory ran out: back off, redo the same run */
    QW_RUN_HELD,  /* the calendar job holds the partition: redo soon */
    QW_RUN_DROP,  /* not ours (fenced, unreadable state): leave the run */
    QW_RUN_REDO,  /* old duplicates are now known, or the calendar job changed states (reloaded):
                     redo at once */
} qw_run_result_t;

typedef struct qw_ev_commit_plan_s {
    qw_run_result_t result;
    int keep_work;   /* OK: the working copies become the cache, the window takes the ids */
    int write_marks; /* raise the batch's completeness marks */
    int drop_cache;  /* forget the cached states: the next run reloads them from Redis */
    int fence;       /* stop processing the partition until it is reassigned */
    int pause;       /* pause the partition's consumption (fenced) */
    int relay_due;   /* pump the outbox (only when the batch wrote entries, for OK) */
    int64_t next;    /* the partition's next offset, or -1: unchanged */
    int64_t seek;    /* seek the consumer to this offset, or -1: no seek */
    int64_t gen;     /* the partition's new generation, or -1: unchanged */
    int64_t dups;    /* DUP: credit ids found applied before the window's reach */
} qw_ev_commit_plan_t;

/* status and value as qw_store_commit returned them; next_offset is the batch's end and
 * nentries the outbox entries it wrote (decisions and DLQ records). */
void qw_ev_commit_plan(qw_commit_status_t status, int64_t value, int64_t next_offset,
                       int64_t nentries, qw_ev_commit_plan_t *plan);

/* The plan's consumer half: seek and pause the partition of topic as it says. */
void qw_ev_commit_exec(rd_kafka_t *rk, const char *topic, int32_t part,
                       const qw_ev_commit_plan_t *plan);

#endif
