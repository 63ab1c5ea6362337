/* One batch of decisions: decode each (intake.c), sort the notifications by priority (reviews
 * first), deliver or record each (dispatch.c), and only when every one is recorded in Redis
 * commit the batch's offsets — so a crash loses nothing and a redelivery is de-duplicated. */
#include "app.h"

#include "quotawatch/dlq.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int entry_cmp(const void *x, const void *y)
{
    const qw_ntf_entry_t *a = x, *b = y;
    if (a->prio != b->prio) return a->prio - b->prio;
    return a->msg < b->msg ? -1 : a->msg > b->msg;
}

void qw_ntf_entries_sort(qw_ntf_entry_t *e, size_t n)
{
    if (n > 1) qsort(e, n, sizeof(*e), entry_cmp);
}

size_t qw_ntf_commit_plan(const char *const *topics, const int32_t *parts, const int64_t *offsets,
                          size_t n, qw_ntf_commit_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && !(out[j].partition == parts[i] && !strcmp(out[j].topic, topics[i])))
            j++;
        if (j == k) {
            out[k].topic = topics[i];
            out[k].partition = parts[i];
            out[k].next = offsets[i] + 1;
            k++;
        } else if (offsets[i] + 1 > out[j].next) {
            out[j].next = offsets[i] + 1;
        }
    }
    return k;
}

int qw_ntf_batch_timeout(int redis_ok, size_t have, size_t cap, int timeout_ms)
{
    if (!redis_ok || have >= cap) return -1;
    return have ? 0 : timeout_ms;
}

void qw_ntf_set_redis_ready(qw_ntf_t *a, int ok)
{
    if (ok != a->redis_ok) {
        if (!ok)
            qw_log(QW_LOG_WARN, "redis.down", "%s", a->redis.errstr);
        else
            qw_log(QW_LOG_INFO, "redis.up", "Redis reachable");
    }
    a->redis_ok = ok;
    if (a->http) qw_http_set_ready(a->http, "redis", ok);
}

/* A record that is not a Decision goes to the DLQ as it came. */
static int dead_letter_raw(qw_ntf_t *a, const rd_kafka_message_t *m)
{
    qw_dlv_job_t job;
    memset(&job, 0, sizeof(job));
    size_t idl = 0;
    const void *id = qw_kafka_header(m, "ce_id", &idl);
    qw_ntf_intake_dlq_id(id, idl, job.decision_id, sizeof(job.decision_id));
    snprintf(job.channel, sizeof(job.channel), "-");
    snprintf(job.reason, sizeof(job.reason), "bad_decision");
    job.dec = m->payload;
    job.dec_len = m->len;
    int rc = qw_ntf_dlq_publish(a, &job, "record is not a quotawatch.v1.Decision");
    if (rc == QW_OK) qw_ntf_count("qw_notifier_failed_total", "-", "bad_decision");
    return rc;
}

/* A redriven decision: its failed delivery to this channel is opened again (once; one that
 * was delivered since stays delivered, so a second redrive sends nothing). */
static int reopen(qw_ntf_t *a, const Quotawatch__V1__Decision *d, const qw_target_t *t)
{
    int r;
    while ((r = qw_dlv_reopen(&a->dlv, d->id, t->channel)) == QW_ERR) {
        qw_ntf_set_redis_ready(a, 0);
        if (qw_svc_stop) return QW_ERR;
        qw_svc_sleep_ms(500);
        rd_kafka_poll(a->producer, 0);
    }
    qw_ntf_count("qw_notifier_redriven_total", t->channel, r ? "reopened" : "not_failed");
    qw_log(QW_LOG_INFO, "notify.redrive", "%s to %s: %s", d->id, t->channel,
           r ? "failed before: delivering again" : "not failed: nothing to do");
    return QW_OK;
}

static void commit(qw_ntf_t *a, rd_kafka_message_t **msgs, size_t n)
{
    const char **topics = calloc(n, sizeof(*topics));
    int32_t *parts = calloc(n, sizeof(*parts));
    int64_t *offs = calloc(n, sizeof(*offs));
    qw_ntf_commit_t *plan = calloc(n, sizeof(*plan));
    if (!topics || !parts || !offs || !plan) {
        /* Not committing only means the batch may be seen again (and de-duplicated). */
        qw_log(QW_LOG_WARN, "kafka.commit", "out of memory: offsets not committed");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        topics[i] = rd_kafka_topic_name(msgs[i]->rkt);
        parts[i] = msgs[i]->partition;
        offs[i] = msgs[i]->offset;
    }
    size_t k = qw_ntf_commit_plan(topics, parts, offs, n, plan);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)k);
    for (size_t j = 0; j < k; j++)
        rd_kafka_topic_partition_list_add(l, plan[j].topic, plan[j].partition)->offset =
            plan[j].next;
    rd_kafka_resp_err_t err = rd_kafka_commit(a->consumer, l, 0);
    if (err)
        qw_log(QW_LOG_WARN, "kafka.commit",
               "offset commit failed (%s): the batch may be seen again, and is de-duplicated",
               rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(l);
out:
    free(topics);
    free(parts);
    free(offs);
    free(plan);
}

int qw_ntf_process_batch(qw_ntf_t *a, rd_kafka_message_t **msgs, size_t n)
{
    Quotawatch__V1__Decision **decs = calloc(n, sizeof(*decs));
    qw_ntf_entry_t *entries = calloc(n * QW_ROUTE_MAX_TARGETS + 1, sizeof(*entries));
    if (!decs || !entries) {
        free(decs);
        free(entries);
        return QW_ERR;
    }
    size_t ne = 0;
    int rc = QW_OK;
    for (size_t i = 0; i < n && rc == QW_OK; i++) {
        rd_kafka_message_t *m = msgs[i];
        decs[i] = qw_ntf_intake_decode(m->payload, m->len);
        if (!decs[i]) {
            while ((rc = dead_letter_raw(a, m)) != QW_OK && !qw_svc_stop)
                qw_svc_sleep_ms(1000);
            continue;
        }
        qw_metric_add(qw_metrics_counter(QW_NTF_M_DECISIONS, QW_NTF_M_DECISIONS_HELP, NULL), 1);
        size_t first = ne;
        ne += qw_ntf_intake_targets(&a->routes, &a->roster, decs[i], i, entries + ne,
                                    QW_ROUTE_MAX_TARGETS);
        size_t chl = 0;
        const char *ch = qw_kafka_header(m, QW_DLQ_REDRIVE_CHANNEL, &chl);
        if (ch) {
            size_t before = ne - first;
            ne = first + qw_ntf_intake_only_channel(entries + first, before, i, ch, chl);
            if (ne == first)
                qw_log(QW_LOG_WARN, "notify.redrive",
                       "redriven %s for channel %.*s: no route sends it there now (routes "
                       "changed?); nothing delivered",
                       decs[i]->id, (int)(chl > 64 ? 64 : chl), ch);
        }
    }
    qw_ntf_entries_sort(entries, ne);
    for (size_t e = 0; e < ne && rc == QW_OK; e++) {
        rd_kafka_message_t *m = msgs[entries[e].msg];
        size_t hl;
        if (qw_kafka_header(m, QW_DLQ_REDRIVE_CHANNEL, &hl) &&
            (rc = reopen(a, decs[entries[e].msg], &entries[e].t)) != QW_OK)
            break;
        while (qw_ntf_deliver_new(a, decs[entries[e].msg], m->payload, m->len, &entries[e].t) !=
               QW_OK) {
            qw_ntf_set_redis_ready(a, 0);
            if (qw_svc_stop) {
                rc = QW_ERR;
                break;
            }
            qw_svc_sleep_ms(500);
            rd_kafka_poll(a->producer, 0);
        }
        if (rc == QW_OK) qw_ntf_set_redis_ready(a, 1);
    }
    for (size_t i = 0; i < n; i++)
        if (decs[i]) quotawatch__v1__decision__free_unpacked(decs[i], NULL);
    free(decs);
    free(entries);
    if (rc != QW_OK) return rc;
    /* Everything recorded: commit the next offset of each partition of the batch. */
    commit(a, msgs, n);
    return QW_OK;
}
