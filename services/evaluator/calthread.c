#include "calthread.h"

#include <string.h>

#include "quotawatch/log.h"
#include "quotawatch/svc.h"

static void *calthread_main(void *arg)
{
    qw_calthread_t *t = arg;
    while (!qw_svc_stop && !atomic_load(&t->stop)) {
        pthread_rwlock_rdlock(t->ref_lock);
        qw_calendar_run(&t->cal, qw_clock_now(&t->clock));
        pthread_rwlock_unlock(t->ref_lock);
        qw_svc_sleep_ms(100);
    }
    return NULL;
}

int qw_calthread_start(qw_calthread_t *t, const char *redis_url, const char *ns,
                       const qw_refdata_t *ref, pthread_rwlock_t *ref_lock,
                       const qw_policy_t *policy, const char *credits_topic, rd_kafka_t *rk,
                       int64_t interval_ms, const qw_evclock_t *clock,
                       const qw_complete_opts_t *complete, char *errbuf, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (qw_redis_init(&t->redis, redis_url, errbuf, errlen) != QW_OK) return QW_ERR;
    qw_store_init(&t->store, &t->redis, ns);
    /* A copy: a --clock-file clock caches what it read, which is not shared across threads. */
    t->evclock = *clock;
    t->clock = qw_evclock_clock(&t->evclock);
    t->ref_lock = ref_lock;
    qw_calendar_init(&t->cal, &t->store, ref, policy, credits_topic, rk, interval_ms);
    if (complete && complete->sources) {
        if (qw_complete_init(&t->complete, &t->store, rk, complete->sources, complete->prefix,
                             errbuf, errlen) != QW_OK) {
            qw_calendar_free(&t->cal);
            qw_redis_close(&t->redis);
            return QW_ERR;
        }
        t->complete.simulated = complete->simulated;
        t->complete.max_lead_ms = complete->max_lead_ms;
        t->complete.alert_ms = complete->alert_ms;
        t->cal.complete = &t->complete;
    }
    if (pthread_create(&t->th, NULL, calthread_main, t) != 0) {
        qw_calendar_free(&t->cal);
        qw_redis_close(&t->redis);
        return qw_err_set(errbuf, errlen, "cannot start the calendar thread");
    }
    t->started = 1;
    return QW_OK;
}

void qw_calthread_stop(qw_calthread_t *t)
{
    if (!t->started) return;
    atomic_store(&t->stop, 1);
    pthread_join(t->th, NULL);
    t->started = 0;
    qw_calendar_free(&t->cal);
    qw_redis_close(&t->redis);
}
