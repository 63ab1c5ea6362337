/* The roster (qw.roster.v1, compacted) in memory, through the shared follower: read up to its
 * end before the first decision, so that decision already finds its rep, then followed. */
#include "app.h"

#include "quotawatch/log.h"
#include "quotawatch/svc.h"

#include <stdio.h>

static void roster_apply(void *opaque, const qw_follow_rec_t *r)
{
    qw_ntf_t *a = opaque;
    if (!r->key || r->key_len == 0) return;
    if (qw_roster_cache_apply(&a->roster, r->key, r->key_len, r->value, r->value_len) != QW_OK) {
        qw_metric_add(
            qw_metrics_counter(QW_NTF_M_ROSTER_REJECTED, QW_NTF_M_ROSTER_REJECTED_HELP, NULL), 1);
        qw_log(QW_LOG_WARN, "roster.bad",
               "roster record at offset %lld does not decode or has an invalid id: ignored",
               (long long)r->offset);
    }
}

int qw_ntf_roster_open(qw_ntf_t *a, rd_kafka_t *rk, char *errbuf, size_t errlen)
{
    const char *topics[] = {a->topic_roster};
    return qw_follow_init(&a->roster_follow, rk, topics, 1, roster_apply, a, "kafka.consume",
                          errbuf, errlen);
}

int qw_ntf_roster_load(qw_ntf_t *a, char *errbuf, size_t errlen)
{
    qw_follow_t *f = &a->roster_follow;
    f->wait_event = "roster.waiting";
    /* About 15 s: a roster topic that does not exist by then is not coming soon. */
    if (qw_follow_wait(f, 15, 1000, 1000, &qw_svc_stop, errbuf, errlen) != QW_OK) {
        if (qw_svc_stop) return QW_ERR;
        /* No roster topic (yet): run on static addresses, and take the roster from the start
         * whenever the topic appears (a subscription of this instance's own group). */
        qw_log(QW_LOG_WARN, "roster.missing",
               "topic %s does not exist: starting without a roster; it is read when it appears",
               a->topic_roster);
        return qw_follow_subscribe(f, errbuf, errlen);
    }
    while (!f->caught_up && !qw_svc_stop)
        if (qw_follow_poll(f, 500, 1000) < 0)
            return qw_err_set(errbuf, errlen, "roster: %s", f->errstr);
    if (qw_svc_stop) return QW_ERR;
    qw_log(QW_LOG_INFO, "roster.loaded", "%lld roster records, %zu reps", (long long)f->records,
           a->roster.map.n);
    return QW_OK;
}

int qw_ntf_roster_poll(qw_ntf_t *a, char *errbuf, size_t errlen)
{
    if (qw_follow_poll(&a->roster_follow, 0, 1000) < 0)
        return qw_err_set(errbuf, errlen, "roster: %s", a->roster_follow.errstr);
    return QW_OK;
}
