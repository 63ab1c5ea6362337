/* One delivery: gate (breaker, Retry-After, rate limit), render, send, record the outcome in
 * Redis, retry later or dead-letter. Single-threaded: called from the main loop only. */
#include "app.h"
#include "quotawatch/audience.h"

#include "mail.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t qw_ntf_rand(qw_ntf_t *a)
{
    /* xorshift64*: jitter needs spread, not secrecy */
    a->rng ^= a->rng >> 12;
    a->rng ^= a->rng << 25;
    a->rng ^= a->rng >> 27;
    return a->rng * 2685821657736338717ULL;
}

static qw_metric_t *ntf_counter(const char *name, const char *channel, const char *reason)
{
    char labels[160];
    if (reason)
        snprintf(labels, sizeof(labels), "channel=\"%s\",reason=\"%s\"", channel, reason);
    else
        snprintf(labels, sizeof(labels), "channel=\"%s\"", channel);
    const char *help = strstr(name, "sent")      ? "Notifications delivered"
                       : strstr(name, "retried") ? "Notification attempts that will be retried"
                       : strstr(name, "failed")  ? "Notifications dead-lettered"
                       : strstr(name, "redriven")
                           ? "Redriven notifications: reopened (failed before) or not_failed"
                           : "Notifications skipped (already handled)";
    return qw_metrics_counter(name, help, labels);
}

void qw_ntf_count(const char *name, const char *channel, const char *reason)
{
    qw_metric_add(ntf_counter(name, channel, reason), 1);
}

void qw_ntf_metrics_declare(void)
{
    /* Every channel a route can name ("<audience>.<kind>", and the HR workflow's "webhook") at
     * 0, so a rate or an alert sees the first delivery and the first failure. Failure reasons
     * carry the endpoint's own code (http_503, Slack's error names): those appear when they
     * first happen; the ones quotawatch itself gives are declared here. */
    static const char *const kinds[] = {"slack", "email", "webhook"};
    char ch[64];
    for (int i = 0; i <= QW_AUD_DECISION_COUNT * 3; i++) {
        if (i == QW_AUD_DECISION_COUNT * 3)
            snprintf(ch, sizeof(ch), "webhook");
        else
            snprintf(ch, sizeof(ch), "%s.%s", qw_aud_name((qw_aud_t)(i / 3)), kinds[i % 3]);
        ntf_counter("qw_notifier_sent_total", ch, NULL);
        ntf_counter("qw_notifier_skipped_total", ch, "done");
        ntf_counter("qw_notifier_skipped_total", ch, "queued");
        ntf_counter("qw_notifier_failed_total", ch, "no_address");
        ntf_counter("qw_notifier_failed_total", ch, "bad_decision");
        ntf_counter("qw_notifier_retried_total", ch, "deferred");
        ntf_counter("qw_notifier_redriven_total", ch, "reopened");
        ntf_counter("qw_notifier_redriven_total", ch, "not_failed");
    }
    qw_metrics_counter(QW_NTF_M_DECISIONS, QW_NTF_M_DECISIONS_HELP, NULL);
    qw_metrics_counter(QW_NTF_M_ROSTER_REJECTED, QW_NTF_M_ROSTER_REJECTED_HELP, NULL);
    qw_metrics_counter(QW_NTF_M_JOBS_DROPPED, QW_NTF_M_JOBS_DROPPED_HELP, NULL);
    qw_metrics_histogram(QW_NTF_M_LATENCY, QW_NTF_M_LATENCY_HELP, NULL);
}

/* Forgetting an idle endpoint loses nothing: a new one starts in the same state. */
static int endpoint_idle(const qw_endpoint_t *e, int64_t now)
{
    const qw_bucket_t *b = &e->bucket;
    return e->not_before_ms <= now && e->breaker.state == QW_BREAKER_CLOSED &&
           e->breaker.failures == 0 &&
           b->tokens_ms + (now > b->last_ms ? now - b->last_ms : 0) >= b->interval_ms * b->burst;
}

qw_endpoint_t *qw_ntf_endpoint(qw_ntf_t *a, const qw_dlv_job_t *job, int64_t now, int64_t *wait_ms)
{
    const char *key = job->kind == QW_CHAN_EMAIL ? "smtp" : job->address;
    *wait_ms = 0;
    for (size_t i = 0; i < a->n_endpoints; i++)
        if (strcmp(a->endpoints[i].key, key) == 0) {
            a->endpoints[i].used_ms = now;
            return &a->endpoints[i];
        }
    qw_endpoint_t *e = NULL;
    if (a->n_endpoints < QW_NTF_MAX_ENDPOINTS) {
        e = &a->endpoints[a->n_endpoints++];
    } else {
        /* Sharing a slot would give this endpoint another one's breaker and Retry-After. */
        for (size_t i = 0; i < a->n_endpoints; i++)
            if (endpoint_idle(&a->endpoints[i], now) &&
                (!e || a->endpoints[i].used_ms < e->used_ms))
                e = &a->endpoints[i];
        if (!e) {
            *wait_ms = a->o.breaker_cooldown_ms > 1000 ? a->o.breaker_cooldown_ms : 1000;
            qw_log(QW_LOG_WARN, "notify.endpoints_full",
                   "%d endpoints, none idle: %s waits %" PRId64 " ms", QW_NTF_MAX_ENDPOINTS, key,
                   *wait_ms);
            return NULL;
        }
    }
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    e->used_ms = now;
    int64_t interval = job->kind == QW_CHAN_SLACK   ? a->o.slack_interval_ms
                       : job->kind == QW_CHAN_EMAIL ? a->o.smtp_interval_ms
                                                    : a->o.webhook_interval_ms;
    qw_bucket_init(&e->bucket, interval, job->kind == QW_CHAN_SLACK ? (int)a->o.slack_burst : 5,
                   now);
    qw_breaker_init(&e->breaker, (int)a->o.breaker_failures, a->o.breaker_cooldown_ms);
    return e;
}

/* 0 when the endpoint takes a message now, else the milliseconds to wait. */
static int64_t gate(qw_endpoint_t *e, int64_t now)
{
    if (e->not_before_ms > now) return e->not_before_ms - now;
    int64_t w = qw_breaker_allow(&e->breaker, now);
    if (w > 0) return w;
    w = qw_bucket_take(&e->bucket, now);
    if (w > 0 && e->breaker.state == QW_BREAKER_HALF_OPEN) e->breaker.probing = 0;
    return w;
}

static int render_and_send(qw_ntf_t *a, const Quotawatch__V1__Decision *d, qw_dlv_job_t *job,
                           qw_send_result_t *res, int64_t now)
{
    const qw_rep_profile_t *rep = qw_roster_cache_get(&a->roster, d->rep_id);
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, d, rep, qw_aud_name(job->audience), job->channel);
    char err[QW_ERRSTR_MAX];
    qw_buf_t b1, b2, b3, b4;
    qw_buf_init(&b1, a->buf_a, a->buf_cap);
    qw_buf_init(&b2, a->buf_b, a->buf_cap);
    qw_buf_init(&b3, a->buf_c, a->buf_cap);
    qw_buf_init(&b4, a->buf_d, a->buf_cap);
    qw_http_opts_t ho = {.timeout_ms = a->o.send_timeout_ms,
                         .connect_timeout_ms =
                             a->o.send_timeout_ms < 2000 ? a->o.send_timeout_ms : 2000};
    memset(res, 0, sizeof(*res));
    char msg_id[QW_DECISION_ID_MAX + QW_ROUTE_CHANNEL_MAX + 2];
    snprintf(msg_id, sizeof(msg_id), "%s.%s", job->decision_id, job->channel);
    int rc = QW_OK;
    switch (job->kind) {
    case QW_CHAN_SLACK: {
        static const size_t ul = sizeof(QW_ROUTE_SLACK_USER) - 1;
        rc = qw_tmpl_slack(a->tmpl, &ctx, &b1, err, sizeof(err));
        if (rc != QW_OK) break;
        if (strncmp(job->address, QW_ROUTE_SLACK_USER, ul) == 0)
            qw_chan_slack_api_send(a->curl, &ho, a->o.slack_api_url, a->slack_token,
                                   job->address + ul, b1.p, b1.len, res);
        else
            qw_chan_slack_send(a->curl, &ho, job->address, b1.p, b1.len, res);
        break;
    }
    case QW_CHAN_WEBHOOK:
        rc = qw_tmpl_webhook(a->tmpl, &ctx, &b1, err, sizeof(err));
        if (rc == QW_OK)
            qw_chan_webhook_send(a->curl, &ho, job->address, b1.p, b1.len,
                                 a->have_key ? &a->key : NULL, msg_id, now / 1000, res);
        break;
    case QW_CHAN_EMAIL: {
        if (!a->o.smtp_url || !*a->o.smtp_url) {
            res->status = QW_SEND_PERMANENT;
            snprintf(res->reason, sizeof(res->reason), "no_smtp_server");
            return QW_OK;
        }
        rc = qw_tmpl_email(a->tmpl, &ctx, &b1, &b2, &b3, err, sizeof(err));
        if (rc == QW_OK) {
            qw_mail_t m = {.from = a->o.smtp_from,
                           .to = job->address,
                           .subject = b1.p,
                           .text = b2.p,
                           .html = b3.p,
                           .decision_id = job->decision_id,
                           .channel = job->channel,
                           .date_ms = now};
            rc = qw_mail_build(&m, &b4, err, sizeof(err));
        }
        if (rc == QW_OK) {
            qw_smtp_opts_t so = {.url = a->o.smtp_url,
                                 .from = a->o.smtp_from,
                                 .user = a->o.smtp_user,
                                 .password = a->o.smtp_password,
                                 .require_tls = a->o.smtp_starttls,
                                 .insecure = a->o.smtp_insecure,
                                 .cacert = a->o.smtp_cacert,
                                 .timeout_ms = a->o.send_timeout_ms * 2};
            qw_chan_smtp_send(a->curl, &so, job->address, b4.p, b4.len, res);
        }
        break;
    }
    }
    if (rc != QW_OK) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "render");
        snprintf(res->detail, sizeof(res->detail), "%s", err);
    }
    return QW_OK;
}

/* Dead-letters a job: DLQ first (acknowledged), then the "failed" record. */
static int give_up(qw_ntf_t *a, qw_dlv_job_t *job, const char *reason, const char *detail)
{
    snprintf(job->reason, sizeof(job->reason), "%s", reason);
    if (qw_ntf_dlq_publish(a, job, detail) != QW_OK) return QW_ERR;
    if (qw_dlv_mark_failed(&a->dlv, job) != QW_OK) return QW_ERR;
    qw_ntf_count("qw_notifier_failed_total", job->channel, reason);
    qw_log(QW_LOG_WARN, "notify.failed", "%s to %s dead-lettered after %d attempt(s): %s (%s)",
           job->decision_id, job->channel, job->attempts, reason, detail ? detail : "");
    return QW_OK;
}

/* One attempt of a claimed job and the record of its outcome. */
static int attempt(qw_ntf_t *a, const Quotawatch__V1__Decision *d, qw_dlv_job_t *job,
                   qw_endpoint_t *ep)
{
    int64_t now = qw_clock_now(a->clock);
    qw_send_result_t res;
    /* A half-open probe measures the endpoint, not the message: it is not counted. */
    int probe = ep->breaker.state == QW_BREAKER_HALF_OPEN;
    job->attempts++;
    render_and_send(a, d, job, &res, now);
    int64_t after = qw_clock_now(a->clock);
    if (res.status == QW_SEND_OK) {
        qw_breaker_success(&ep->breaker);
        /* Sent: record it, however long Redis takes to come back. Giving up here would make
         * the caller try the send again - a repeat that no crash caused. */
        while (qw_dlv_mark_sent(&a->dlv, job) != QW_OK) {
            if (qw_svc_stop) return QW_ERR;
            qw_log(QW_LOG_WARN, "redis.retry", "cannot record %s to %s as sent: %s",
                   job->decision_id, job->channel, a->redis.errstr);
            qw_svc_sleep_ms(500);
        }
        qw_ntf_count("qw_notifier_sent_total", job->channel, NULL);
        int64_t lat = after - job->first_ms;
        qw_metric_observe_us(qw_metrics_histogram(QW_NTF_M_LATENCY, QW_NTF_M_LATENCY_HELP, NULL),
                             (lat > 0 ? lat : 0) * 1000);
        qw_log(QW_LOG_DEBUG, "notify.sent", "%s to %s", job->decision_id, job->channel);
        return QW_OK;
    }
    if (res.code == 429 || res.retry_after_ms > 0) {
        /* The endpoint asked us to wait: nothing goes there before Retry-After. */
        ep->not_before_ms = after + (res.retry_after_ms > 0 ? res.retry_after_ms : 1000);
        if (ep->breaker.state == QW_BREAKER_HALF_OPEN) ep->breaker.probing = 0;
    } else if (res.status == QW_SEND_RETRY) {
        qw_breaker_failure(&ep->breaker, after);
    } else if (ep->breaker.state == QW_BREAKER_HALF_OPEN) {
        ep->breaker.probing = 0;
    }
    if (res.status == QW_SEND_PERMANENT) {
        if (res.code >= 400)
            qw_log(QW_LOG_WARN, "notify.rejected", "%s to %s: HTTP/SMTP %ld %s: %s",
                   job->decision_id, job->channel, res.code, res.reason, res.detail);
        return give_up(a, job, res.reason, res.detail);
    }
    if (probe) job->attempts--;
    if (job->attempts >= a->backoff.max_attempts) return give_up(a, job, res.reason, res.detail);
    if (after - job->first_ms > a->o.max_age_ms) {
        /* An endpoint down for longer than anyone waits: dead-letter, keeping the cause. */
        char why[48];
        snprintf(why, sizeof(why), "expired_%.39s", res.reason);
        return give_up(a, job, why, res.detail);
    }
    int64_t delay =
        qw_backoff_delay(&a->backoff, job->attempts, qw_ntf_rand(a), res.retry_after_ms);
    if (ep->breaker.state == QW_BREAKER_OPEN) {
        /* The endpoint is down: its notifications wait for the circuit, together, instead of
         * each for its own backoff - so when it is back the backlog drains in priority order
         * (reviews before rewards) at the first half-open. */
        int64_t until = ep->breaker.opened_ms + ep->breaker.cooldown_ms - after;
        delay = until > res.retry_after_ms ? until : res.retry_after_ms;
        if (delay < 0) delay = 0;
    }
    snprintf(job->reason, sizeof(job->reason), "%s", res.reason);
    if (qw_dlv_schedule(&a->dlv, job, after + delay) != QW_OK) return QW_ERR;
    qw_ntf_count("qw_notifier_retried_total", job->channel, res.reason);
    qw_log(QW_LOG_INFO, "notify.retry",
           "%s to %s: attempt %d failed (%s %s); next in %" PRId64 " ms", job->decision_id,
           job->channel, job->attempts, res.reason, res.detail, delay);
    return QW_OK;
}

int qw_ntf_deliver_new(qw_ntf_t *a, const Quotawatch__V1__Decision *d, const void *raw,
                       size_t raw_len, const qw_target_t *t)
{
    int64_t now = qw_clock_now(a->clock);
    qw_dlv_job_t job;
    memset(&job, 0, sizeof(job));
    snprintf(job.decision_id, sizeof(job.decision_id), "%s", d->id);
    snprintf(job.channel, sizeof(job.channel), "%s", t->channel);
    snprintf(job.address, sizeof(job.address), "%s", t->address);
    job.kind = t->kind;
    job.audience = t->audience;
    job.first_ms = now;
    job.prio = qw_route_priority(d->type);
    job.dec = (unsigned char *)raw;
    job.dec_len = raw_len;
    int c = qw_dlv_claim(&a->dlv, job.decision_id, job.channel);
    if (c == QW_ERR) return QW_ERR;
    if (c == QW_DLV_DONE || c == QW_DLV_QUEUED) {
        qw_ntf_count("qw_notifier_skipped_total", job.channel,
                     c == QW_DLV_DONE ? "done" : "queued");
        return QW_OK;
    }
    if (c == QW_DLV_STALE)
        qw_log(QW_LOG_WARN, "notify.resend",
               "%s to %s was being sent when a previous run stopped: sending again (the "
               "receiver drops the repeat by its id)",
               job.decision_id, job.channel);
    if (!job.address[0]) return give_up(a, &job, "no_address", "no address for this channel");
    int64_t wait;
    qw_endpoint_t *ep = qw_ntf_endpoint(a, &job, now, &wait);
    if (ep) wait = gate(ep, now);
    if (wait > 0) {
        /* Not now: the queue holds it, the consumer moves on (no attempt used). */
        snprintf(job.reason, sizeof(job.reason), "deferred");
        return qw_dlv_schedule(&a->dlv, &job, now + wait);
    }
    return attempt(a, d, &job, ep);
}

static int retry_one(qw_ntf_t *a, int prio, const char *member)
{
    qw_dlv_job_t job;
    int r = qw_dlv_job_load(&a->dlv, member, &job);
    if (r == QW_ERR) return QW_ERR;
    if (r == 1) { /* expired, or a record that does not parse: nothing left to send */
        qw_log(QW_LOG_WARN, "retry.job_dropped",
               "retry job %s is gone or malformed in Redis; dropped from the queue", member);
        qw_metric_add(qw_metrics_counter(QW_NTF_M_JOBS_DROPPED, QW_NTF_M_JOBS_DROPPED_HELP, NULL),
                      1);
        return qw_dlv_forget(&a->dlv, prio, member);
    }
    job.prio = prio;
    int rc = QW_OK;
    char st[32];
    if (qw_dlv_state(&a->dlv, job.decision_id, job.channel, st, sizeof(st)) != QW_OK) {
        rc = QW_ERR;
        goto out;
    }
    if (!strcmp(st, "sent") || !strcmp(st, "failed")) {
        /* Finished by another path: make the record whole again. */
        rc = !strcmp(st, "sent") ? qw_dlv_mark_sent(&a->dlv, &job)
                                 : qw_dlv_mark_failed(&a->dlv, &job);
        goto out;
    }
    Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(NULL, job.dec_len, job.dec);
    if (!d) {
        rc = give_up(a, &job, "bad_decision", "stored decision does not decode");
        goto out;
    }
    int64_t now = qw_clock_now(a->clock);
    int64_t wait;
    qw_endpoint_t *ep = qw_ntf_endpoint(a, &job, now, &wait);
    if (ep) wait = gate(ep, now);
    if (wait > 0) {
        rc = qw_dlv_schedule(&a->dlv, &job, now + wait);
    } else if (qw_dlv_mark_sending(&a->dlv, &job) != QW_OK) {
        rc = QW_ERR;
    } else {
        rc = attempt(a, d, &job, ep);
    }
    quotawatch__v1__decision__free_unpacked(d, NULL);
out:
    qw_dlv_job_free(&job);
    return rc;
}

/* Gives back the jobs claimed but not handled: QW_OK when none is left. */
static int release_unclaimed(qw_ntf_t *a)
{
    int64_t now = qw_clock_now(a->clock);
    while (a->n_unclaimed > 0) {
        int k = a->n_unclaimed - 1;
        if (qw_dlv_release(&a->dlv, a->unclaimed[k].prio, a->unclaimed[k].member, now) != QW_OK)
            return QW_ERR;
        free(a->unclaimed[k].member);
        a->n_unclaimed = k;
    }
    return QW_OK;
}

void qw_ntf_unclaimed_free(qw_ntf_t *a)
{
    for (int k = 0; k < a->n_unclaimed; k++)
        free(a->unclaimed[k].member);
    a->n_unclaimed = 0;
}

int qw_ntf_retry_due(qw_ntf_t *a, int budget)
{
    if (release_unclaimed(a) != QW_OK) return QW_ERR;
    int done = 0;
    for (int p = 0; p < QW_PRIO_LEVELS && done < budget; p++) {
        char *members[64];
        int max = budget - done < 64 ? budget - done : 64;
        int n = qw_dlv_due(&a->dlv, p, qw_clock_now(a->clock), members, max);
        if (n < 0) return QW_ERR;
        int rc = QW_OK;
        for (int i = 0; i < n; i++) {
            if (rc == QW_OK) rc = retry_one(a, p, members[i]);
            /* Redis failed on this one: it and the rest go back to the queue (a full list
             * leaves them to the lease). */
            if (rc != QW_OK &&
                a->n_unclaimed < (int)(sizeof(a->unclaimed) / sizeof(a->unclaimed[0]))) {
                a->unclaimed[a->n_unclaimed].prio = p;
                a->unclaimed[a->n_unclaimed++].member = members[i];
                continue;
            }
            free(members[i]);
        }
        if (rc != QW_OK) return QW_ERR;
        done += n;
        /* Lower priorities wait while this one still has due work. */
        if (n == max) break;
    }
    return done;
}
