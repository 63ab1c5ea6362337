#include "completeness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/redis.h"
#include "quotawatch/source.h"
#include "quotawatch/watermark.h"

int qw_complete_init(qw_complete_t *c, qw_store_t *store, rd_kafka_t *rk, const char *sources,
                     const char *prefix, char *errbuf, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->store = store;
    c->rk = rk;
    c->max_lead_ms = 10 * 60 * 1000;
    c->alert_ms = 15 * 60 * 1000;
    char list[512];
    snprintf(list, sizeof(list), "%s", sources ? sources : "");
    for (char *save = NULL, *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        qw_source_t src;
        if (qw_source_parse(s, &src) != QW_OK) /* the names qw-ingest's --sources takes */
            return qw_err_set(errbuf, errlen,
                              "--sources: unknown source \"%s\" (salesforce, hubspot, pipedrive, "
                              "canonical)",
                              s);
        if (c->ntopics == QW_COMPLETE_TOPICS_MAX)
            return qw_err_set(errbuf, errlen, "--sources: too many");
        if (qw_source_topic(c->topics[c->ntopics++], sizeof(c->topics[0]), prefix, src) != QW_OK)
            return qw_err_set(errbuf, errlen, "--topic-prefix: too long");
    }
    c->m_waiting = qw_metrics_gauge("qw_evaluator_calendar_waiting",
                                    "1 while a due calendar step waits for complete data", NULL);
    c->m_wait_s =
        qw_metrics_gauge("qw_evaluator_calendar_wait_seconds",
                         "how long the due calendar step has waited for its inputs", NULL);
    c->m_clock_ahead = qw_metrics_gauge(
        "qw_evaluator_calendar_clock_ahead",
        "1 while the business clock is far ahead of the newest Kafka timestamp", NULL);
    c->m_delayed = qw_metrics_counter("qw_evaluator_data_delayed_total",
                                      "health.data_delayed notices raised", NULL);
    static const char *const reasons[4] = {"none", "incomplete_data", "clock_ahead",
                                           "check_failed"};
    for (int i = 0; i < 4; i++) {
        char l[48];
        snprintf(l, sizeof(l), "reason=\"%s\"", reasons[i]);
        c->m_reason[i] = qw_metrics_gauge("qw_evaluator_calendar_wait_reason",
                                          "1 for why the due calendar step waits (none: it does "
                                          "not)",
                                          l);
    }
    qw_complete_set_reason(c, QW_COMPLETE_OK);
    return QW_OK;
}

void qw_complete_set_reason(qw_complete_t *c, int st)
{
    for (int i = 0; i < 4; i++)
        if (c->m_reason[i]) qw_metric_set(c->m_reason[i], i == st);
}

int qw_complete_marks_pass(const char *const *fields, const char *const *values, int n,
                           const char *const *required, int nrequired, int64_t target_ms,
                           const char **lag, int64_t *lag_ms, int64_t *ts)
{
    *ts = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(fields[i], "_ts")) *ts = strtoll(values[i], NULL, 10);
    for (int r = 0; r < nrequired; r++) {
        int64_t v = -1;
        for (int i = 0; i < n && v < 0; i++)
            if (!strcmp(fields[i], required[r])) v = strtoll(values[i], NULL, 10);
        if (v < target_ms) {
            *lag = required[r];
            *lag_ms = v;
            return 0;
        }
    }
    return 1;
}

/* The raw partitions that must be complete: every partition of every raw topic that exists. A
 * topic that does not exist has nothing to wait for; an unanswered request is an error. */
static int required_fields(qw_complete_t *c, char (**out)[QW_WM_FIELD_MAX], int *n)
{
    *out = NULL;
    *n = 0;
    int cap = 0;
    for (int t = 0; t < c->ntopics; t++) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, c->topics[t], NULL);
        rd_kafka_resp_err_t e =
            rkt ? rd_kafka_metadata(c->rk, 0, rkt, &md, 5000) : RD_KAFKA_RESP_ERR__INVALID_ARG;
        if (rkt) rd_kafka_topic_destroy(rkt);
        if (e || md->topic_cnt != 1) {
            if (md) rd_kafka_metadata_destroy(md);
            snprintf(c->reason, sizeof(c->reason), "no metadata for %s: %s", c->topics[t],
                     rd_kafka_err2str(e));
            return QW_ERR;
        }
        rd_kafka_resp_err_t te = md->topics[0].err;
        int parts = te ? 0 : md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
        if (te && te != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            snprintf(c->reason, sizeof(c->reason), "no metadata for %s: %s", c->topics[t],
                     rd_kafka_err2str(te));
            return QW_ERR;
        }
        for (int p = 0; p < parts; p++) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 32;
                char(*np)[QW_WM_FIELD_MAX] = realloc(*out, (size_t)cap * sizeof(*np));
                if (!np) return QW_ERR;
                *out = np;
            }
            qw_wm_field((*out)[(*n)++], QW_WM_FIELD_MAX, c->topics[t], p);
        }
    }
    return QW_OK;
}

static void fmt_ms(char *out, size_t cap, int64_t ms)
{
    char b[25];
    if (ms < 0) {
        snprintf(out, cap, "never");
        return;
    }
    qw_time_format_iso8601(ms, b);
    snprintf(out, cap, "%s", b);
}

qw_complete_status_t qw_complete_check(qw_complete_t *c, int nparts, int64_t target_ms,
                                       int64_t now_ms)
{
    char(*req)[QW_WM_FIELD_MAX] = NULL;
    int nreq = 0;
    if (required_fields(c, &req, &nreq) != QW_OK) {
        free(req);
        return QW_COMPLETE_ERROR;
    }
    const char **reqp = malloc((size_t)(nreq ? nreq : 1) * sizeof(*reqp));
    if (!reqp) {
        free(req);
        return QW_COMPLETE_ERROR;
    }
    for (int i = 0; i < nreq; i++)
        reqp[i] = req[i];
    qw_complete_status_t st = QW_COMPLETE_OK;
    int64_t newest = 0;
    for (int p = 0; p < nparts && st == QW_COMPLETE_OK; p++) {
        void *rv = NULL;
        if (qw_store_marks_read(c->store, p, &rv) != QW_OK) {
            snprintf(c->reason, sizeof(c->reason), "reading marks: %s", c->store->errstr);
            st = QW_COMPLETE_ERROR;
            break;
        }
        redisReply *r = rv;
        int n = (int)(r->elements / 2);
        const char **f = malloc((size_t)(n ? n : 1) * sizeof(*f));
        const char **v = malloc((size_t)(n ? n : 1) * sizeof(*v));
        if (!f || !v) {
            st = QW_COMPLETE_ERROR;
        } else {
            for (int i = 0; i < n; i++) {
                f[i] = r->element[2 * i]->str;
                v[i] = r->element[2 * i + 1]->str;
            }
            const char *lag = NULL;
            int64_t lag_ms = -1, ts = 0;
            if (!qw_complete_marks_pass(f, v, n, reqp, nreq, target_ms, &lag, &lag_ms, &ts)) {
                char have[40], need[40];
                fmt_ms(have, sizeof(have), lag_ms);
                fmt_ms(need, sizeof(need), target_ms);
                snprintf(c->reason, sizeof(c->reason),
                         "credits partition %d: %s is complete to %s, the step needs %s (is "
                         "qw-ingest running and keeping up? is this partition's owner consuming?)",
                         p, lag, have, need);
                st = QW_COMPLETE_WAIT;
            }
            if (ts > newest) newest = ts;
        }
        free(f);
        free(v);
        freeReplyObject(r);
    }
    free(reqp);
    free(req);
    if (newest > c->newest_ts) c->newest_ts = newest;
    /* A wall clock far ahead of every Kafka timestamp: a jumped clock (or no marks for long).
     * Either way, nothing may be judged on it. Simulated clocks are the operator's choice. */
    if (!c->simulated && st != QW_COMPLETE_ERROR && now_ms - c->newest_ts > c->max_lead_ms) {
        char nb[40], kb[40];
        fmt_ms(nb, sizeof(nb), now_ms);
        fmt_ms(kb, sizeof(kb), c->newest_ts ? c->newest_ts : -1);
        snprintf(c->reason, sizeof(c->reason),
                 "the clock says %s but the newest Kafka timestamp of qw-ingest's marks is %s "
                 "(more than %" PRId64 " s behind): a clock that jumped ahead, or no marks from "
                 "qw-ingest; check the host's time (NTP) and qw-ingest",
                 nb, kb, c->max_lead_ms / 1000);
        qw_metric_set(c->m_clock_ahead, 1);
        return QW_COMPLETE_CLOCK_AHEAD;
    }
    qw_metric_set(c->m_clock_ahead, 0);
    return st;
}
