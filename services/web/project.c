/* The projection thread: the roster and quotas through the evaluator's refdata follower (the
 * same checks), credits and decisions through the generic follower from the beginning — every
 * instance rebuilds the whole model from Kafka at start, nothing is stored elsewhere. Ready once
 * every partition reached the end it had at start. */
#include <stdio.h>
#include <string.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/metrics.h"
#include "quotawatch/svc.h"
#include "web.h"

static qw_metric_t *m_credits, *m_dups, *m_invalid, *m_decisions;

static void on_record(void *opaque, const qw_follow_rec_t *r)
{
    qw_web_t *w = opaque;
    char err[QW_ERRSTR_MAX];
    if (r->tombstone || !r->value) return;
    /* Completeness marks of qw-ingest share the credits topic: not credits. */
    if (r->msg && qw_kafka_is_watermark(r->msg)) return;
    int rc;
    if (strstr(r->topic, "qw.credits.v1")) {
        char key[QW_ID_MAX] = "";
        if (r->key && r->key_len < sizeof(key))
            memcpy(key, r->key, r->key_len), key[r->key_len] = 0;
        rc = qw_web_model_apply_credit(&w->model, key, r->value, r->value_len, qw_web_now(w), err,
                                       sizeof(err));
        qw_metric_add(rc == QW_OK ? m_credits : rc == QW_WEB_DUPLICATE ? m_dups : m_invalid, 1);
    } else {
        rc = qw_web_model_apply_decision(&w->model, r->value, r->value_len, err, sizeof(err));
        /* A weekly digest (QW_WEB_NOT_SHOWN) is a valid record: counted, not shown. */
        qw_metric_add(rc == QW_ERR ? m_invalid : m_decisions, 1);
    }
    if (rc == QW_ERR)
        qw_log(QW_LOG_WARN, "record.invalid", "%s[%d]@%lld skipped: %s", r->topic,
               (int)r->partition, (long long)r->offset, err);
}

static void *run(void *arg)
{
    qw_web_t *w = arg;
    while (!qw_svc_stop && !atomic_load(&w->stop)) {
        pthread_rwlock_wrlock(&w->lock);
        int n = qw_refdata_poll(&w->ref, 0);
        if (n > 0) {
            qw_web_model_roster_changed(&w->model);
            /* Here, under the write lock: the server's threads only read the indexes. */
            qw_web_model_reindex(&w->model);
        }
        int k = qw_follow_poll(&w->follow, 0, 2000);
        if (n > 0 || k > 0) atomic_fetch_add(&w->version, 1);
        pthread_rwlock_unlock(&w->lock);
        if (k == QW_ERR) {
            qw_log(QW_LOG_ERROR, "kafka.fatal", "%s", w->follow.errstr);
            break;
        }
        if (!atomic_load(&w->ready) && w->ref.caught_up && w->follow.caught_up) {
            atomic_store(&w->ready, 1);
            qw_http_set_ready(w->http, "projection", 1);
            qw_log(QW_LOG_INFO, "projection.ready",
                   "caught up: %ld credits, %ld duplicates, %ld decisions", w->model.credits,
                   w->model.duplicates, w->model.ndecisions);
        }
        /* Idle: wait outside the lock, so readers are never held up (at most 20 ms late). */
        if (k == 0 && n <= 0) qw_svc_sleep_ms(20);
    }
    return NULL;
}

int qw_web_project_start(qw_web_t *w, char *err, size_t errlen)
{
    m_credits = qw_metrics_counter("qw_web_credits_applied_total", "Credit entries applied", NULL);
    m_dups =
        qw_metrics_counter("qw_web_duplicates_total", "Credit ids seen before (dropped)", NULL);
    m_invalid = qw_metrics_counter("qw_web_records_invalid_total",
                                   "Records that could not be applied (logged)", NULL);
    m_decisions = qw_metrics_counter("qw_web_decisions_total", "Decisions read", NULL);
    pthread_rwlock_init(&w->lock, NULL);
    qw_refdata_init(&w->ref);
    qw_refdata_set_policy(&w->ref, &w->policy);
    if (w->quotas_csv && *w->quotas_csv &&
        qw_refdata_load_quotas_csv(&w->ref, w->quotas_csv, err, errlen) != QW_OK)
        return QW_ERR;
    qw_web_model_init(&w->model, &w->policy, &w->ref.t);
    qw_web_model_reindex(&w->model); /* before any reader: an empty roster is indexed too */
    pthread_mutex_init(&w->change_mu, NULL);
    pthread_cond_init(&w->change_cv, NULL);
    qw_web_model_set_on_change(&w->model, qw_web_sse_note, w);
    if (qw_refdata_follow(&w->ref, w->brokers, w->prefix, &w->cfg, err, errlen) != QW_OK)
        return QW_ERR;
    rd_kafka_t *rk = qw_follow_consumer_new(w->brokers, "qw-web", &w->cfg, err, errlen);
    if (!rk) return QW_ERR;
    char t1[256], t2[256];
    qw_kafka_topic(t1, sizeof(t1), w->prefix, "qw.credits.v1");
    qw_kafka_topic(t2, sizeof(t2), w->prefix, "qw.decisions.v1");
    const char *topics[] = {t1, t2};
    if (qw_follow_init(&w->follow, rk, topics, 2, on_record, w, "follow.waiting", err, errlen) !=
        QW_OK) {
        rd_kafka_destroy(rk);
        return QW_ERR;
    }
    if (qw_follow_wait(&w->follow, 0, 200, 5000, &qw_svc_stop, err, errlen) != QW_OK) return QW_ERR;
    if (pthread_create(&w->thread, NULL, run, w) != 0)
        return qw_err_set(err, errlen, "cannot start the projection thread");
    return QW_OK;
}

void qw_web_project_stop(qw_web_t *w)
{
    atomic_store(&w->stop, 1);
    pthread_mutex_lock(&w->change_mu);
    pthread_cond_broadcast(&w->change_cv);
    pthread_mutex_unlock(&w->change_mu);
    pthread_join(w->thread, NULL);
    qw_follow_free(&w->follow);
    qw_web_model_free(&w->model);
    qw_refdata_free(&w->ref);
    pthread_rwlock_destroy(&w->lock);
}
