/* The calendar job's own thread. A step reads and ticks every rep (seconds for 100 000 reps);
 * on the consuming thread that would stall this instance's partitions for all that time, so the
 * job runs beside it with its own Redis connection and clock. It shares the reference data
 * (roster, quotas) under a read-write lock: the consuming thread applies roster and quota
 * updates only when it gets the write lock without waiting, so it never waits for a step. */
#ifndef QW_CALTHREAD_H
#define QW_CALTHREAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "calendar.h"
#include "evclock.h"

typedef struct qw_calthread_s {
    pthread_t th;
    int started;
    atomic_int stop;
    pthread_rwlock_t *ref_lock;
    qw_redis_t redis;
    qw_store_t store;
    qw_evclock_t evclock;
    qw_clock_t clock;
    qw_calendar_t cal;
    qw_complete_t complete;
} qw_calthread_t;

/* Start the thread; the job runs every interval_ms under the Redis lease (calendar.h). rk is
 * used for topic metadata only (librdkafka handles are thread-safe). */
int qw_calthread_start(qw_calthread_t *t, const char *redis_url, const char *ns,
                       const qw_refdata_t *ref, pthread_rwlock_t *ref_lock,
                       const qw_policy_t *policy, const char *credits_topic, rd_kafka_t *rk,
                       int64_t interval_ms, const qw_evclock_t *clock,
                       const qw_complete_opts_t *complete, char *errbuf, size_t errlen);

/* Ask the thread to stop after its current step, wait for it, release the lease. */
void qw_calthread_stop(qw_calthread_t *t);

#endif
