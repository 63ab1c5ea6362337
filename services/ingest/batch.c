/* One batch of raw CRM messages → patches (adapters) → credit entries (ledger, one Redis round
 * trip for the batch) → records in the open Kafka transaction: credits keyed by rep, and each
 * unusable message, with its original bytes, to the dead-letter topic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/credit_entry.h"
#include "quotawatch/dlq_kafka.h"
#include "ingest.h"
#include "ledger_store.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"

/* One per batch slot (txn.c parses the next batch while the previous one commits); the ledger
 * store is shared, since only the batch being applied uses it. */
typedef struct qw_batch_scratch_s {
    qw_ledger_store_t *store;
    qw_deal_change_t *patches;
    int *patch_msg; /* message index of each patch */
    size_t npatches, cap;
    /* Per message: why it goes to the DLQ (NULL = it does not), and the detail. */
    const char **dlq_reason;
    char (*dlq_detail)[QW_ERRSTR_MAX];
    int *dlq_index;
    int cur_msg;
    /* Counts of this batch, added to the metrics only once it commits (a retried batch must
     * not count twice). */
    int64_t ncredits;
    int64_t ndlq[QW_AERR_COUNT + QW_LEDGER_E_COUNT_];
    int64_t ngaps[QW_SRC_COUNT];
    uint8_t buf[4096];
} qw_batch_scratch_t;

int qw_ingest_topic_source(const qw_ingest_t *ig, const char *topic, qw_source_t *src)
{
    size_t plen = strlen(ig->opt.topic_prefix);
    if (strncmp(topic, ig->opt.topic_prefix, plen) || strncmp(topic + plen, "qw.crm.", 7))
        return QW_ERR;
    return qw_source_parse(topic + plen + 7, src);
}

/* Gaps per source topic (never the patch's own source name: canonical producers choose it). */
static qw_metric_t *gap_counter(qw_source_t src)
{
    char labels[64];
    snprintf(labels, sizeof(labels), "source=\"%s\"", qw_source_name(src));
    return qw_metrics_counter("qw_ingest_gaps_total",
                              "deals the CRM lost track of (resync requests, see the DLQ)", labels);
}

/* A gap patch: the deal must be re-read from the CRM. The message goes to the DLQ as the
 * resync request, its detail naming every deal of the message that needs it. */
static void note_gap(qw_ingest_t *ig, qw_batch_scratch_t *s, int mi, const qw_deal_change_t *dc)
{
    const rd_kafka_message_t *m = ig->cur.msgs[mi];
    qw_source_t src;
    if (qw_ingest_topic_source(ig, rd_kafka_topic_name(m->rkt), &src) == QW_OK) s->ngaps[src]++;
    qw_log_fields(QW_LOG_WARN, "ingest.gap",
                  json_pack("{s:s,s:s,s:i,s:I}", "deal_id", dc->deal_id, "topic",
                            rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "offset",
                            (json_int_t)m->offset),
                  "deal %s needs a resync from the CRM (%s)", dc->deal_id,
                  strchr(dc->deal_id, '*') ? "every deal of the source" : "its state is unknown");
    if (s->dlq_reason[mi] && !strcmp(s->dlq_reason[mi], qw_ledger_err_name(QW_LEDGER_E_GAP))) {
        size_t n = strlen(s->dlq_detail[mi]);
        snprintf(s->dlq_detail[mi] + n, QW_ERRSTR_MAX - n, ", %s", dc->deal_id);
    } else if (!s->dlq_reason[mi]) {
        s->dlq_reason[mi] = qw_ledger_err_name(QW_LEDGER_E_GAP);
        snprintf(s->dlq_detail[mi], QW_ERRSTR_MAX, "resync from the CRM: %s", dc->deal_id);
        s->ndlq[QW_AERR_COUNT + QW_LEDGER_E_GAP]++;
    }
}

static void scratch_free(qw_batch_scratch_t *s)
{
    if (!s) return;
    free(s->patches);
    free(s->patch_msg);
    free(s->dlq_reason);
    free(s->dlq_detail);
    free(s->dlq_index);
    free(s);
}

static qw_batch_scratch_t *scratch_new(size_t n, qw_ledger_store_t *store)
{
    qw_batch_scratch_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->store = store;
    s->dlq_reason = calloc(n, sizeof(*s->dlq_reason));
    s->dlq_detail = calloc(n, sizeof(*s->dlq_detail));
    s->dlq_index = calloc(n, sizeof(*s->dlq_index));
    if (s->dlq_reason && s->dlq_detail && s->dlq_index) return s;
    scratch_free(s);
    return NULL;
}

int qw_ingest_batch_init(qw_ingest_t *ig)
{
    size_t n = (size_t)ig->opt.batch_size;
    qw_ledger_store_t *store = calloc(1, sizeof(*store));
    if (!store) return qw_err_set(ig->errstr, sizeof(ig->errstr), "out of memory");
    qw_ledger_store_init(store);
    ig->store = store;
    if (qw_ledger_store_set_ns(store, ig->opt.topic_prefix) != QW_OK)
        return qw_err_set(ig->errstr, sizeof(ig->errstr),
                          "--topic-prefix is too long for the ledger's Redis keys (max %d)",
                          QW_LEDGER_NS_MAX - 1);
    for (int k = 0; k < 2; k++) {
        qw_ingest_slot_t *sl = k ? &ig->flight : &ig->cur;
        qw_batch_scratch_t *s = scratch_new(n, store);
        sl->scratch = s;
        sl->msgs = calloc(n, sizeof(*sl->msgs));
        if (!s || !sl->msgs) return qw_err_set(ig->errstr, sizeof(ig->errstr), "out of memory");
    }
    ig->m.messages = qw_metrics_counter("qw_ingest_messages_total", "raw messages consumed", NULL);
    ig->m.credits = qw_metrics_counter("qw_ingest_credits_total", "credit entries produced", NULL);
    ig->m.commits = qw_metrics_counter("qw_ingest_transactions_total",
                                       "Kafka transactions committed", "outcome=\"commit\"");
    ig->m.aborts = qw_metrics_counter("qw_ingest_transactions_total",
                                      "Kafka transactions committed", "outcome=\"abort\"");
    ig->m.batch_latency = qw_metrics_histogram("qw_ingest_batch_seconds",
                                               "time to transform and commit a batch", NULL);
    /* Both sums together tell how much of the commits the overlap hid (docs/ledger.md). */
    ig->m.commit_time = qw_metrics_histogram(
        "qw_ingest_commit_seconds", "time to send the offsets and commit a transaction", NULL);
    ig->m.commit_wait = qw_metrics_histogram(
        "qw_ingest_commit_wait_seconds",
        "time the loop waited for a commit (less than the commit when it overlaps the next "
        "batch's parse)",
        NULL);
    ig->m.redis_errors =
        qw_metrics_counter("qw_ingest_redis_errors_total", "failed Redis round trips", NULL);
    ig->m.marks = qw_metrics_counter("qw_ingest_watermarks_total",
                                     "completeness watermark records produced", NULL);
    /* Every DLQ reason exists from the start, so dashboards see zeros rather than gaps. */
    for (int r = 1; r < QW_AERR_COUNT; r++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "reason=\"%s\"",
                 qw_adapter_reason_name((qw_adapter_reason_t)r));
        ig->m.dlq_by_reason[r] = qw_metrics_counter(
            "qw_ingest_dlq_total", "messages sent to the dead-letter topic", labels);
    }
    for (int src = 0; src < QW_SRC_COUNT; src++)
        gap_counter((qw_source_t)src);
    for (int r = 1; r < QW_LEDGER_E_COUNT_; r++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "reason=\"%s\"", qw_ledger_err_name((qw_ledger_err_t)r));
        ig->m.dlq_by_reason[QW_AERR_COUNT + r] = qw_metrics_counter(
            "qw_ingest_dlq_total", "messages sent to the dead-letter topic", labels);
    }
    return QW_OK;
}

void qw_ingest_batch_committed(qw_ingest_t *ig, const qw_ingest_slot_t *sl)
{
    const qw_batch_scratch_t *s = sl->scratch;
    qw_metric_add(ig->m.messages, sl->n);
    qw_metric_add(ig->m.credits, s->ncredits);
    for (size_t r = 0; r < sizeof(s->ndlq) / sizeof(s->ndlq[0]); r++)
        if (s->ndlq[r]) qw_metric_add(ig->m.dlq_by_reason[r], s->ndlq[r]);
    for (int src = 0; src < QW_SRC_COUNT; src++)
        if (s->ngaps[src]) qw_metric_add(gap_counter((qw_source_t)src), s->ngaps[src]);
}

void qw_ingest_batch_free(qw_ingest_t *ig)
{
    for (int k = 0; k < 2; k++) {
        qw_ingest_slot_t *sl = k ? &ig->flight : &ig->cur;
        scratch_free(sl->scratch);
        free(sl->msgs);
        sl->scratch = NULL;
        sl->msgs = NULL;
    }
    if (ig->store) qw_ledger_store_free(ig->store);
    free(ig->store);
    ig->store = NULL;
}

static int collect(void *opaque, const qw_deal_change_t *dc)
{
    qw_batch_scratch_t *s = opaque;
    if (s->npatches == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        qw_deal_change_t *p = realloc(s->patches, ncap * sizeof(*p));
        if (!p) return QW_ERR;
        s->patches = p;
        int *m = realloc(s->patch_msg, ncap * sizeof(*m));
        if (!m) return QW_ERR;
        s->patch_msg = m;
        s->cap = ncap;
    }
    s->patches[s->npatches] = *dc;
    s->patch_msg[s->npatches++] = s->cur_msg;
    return QW_OK;
}

static int produce(qw_ingest_t *ig, rd_kafka_resp_err_t err, const char *what)
{
    if (!err) return QW_OK;
    return qw_err_set(ig->errstr, sizeof(ig->errstr), "produce %s: %s", what,
                      rd_kafka_err2str(err));
}

/* A dead letter must fit librdkafka's message.max.bytes and the DLQ topic's max.message.bytes
 * (both 1 MB by default), or it would fail the transaction and stall its partition for good:
 * longer raw messages (too_large ones) keep a prefix and say their full length in
 * qw.error.truncated; qw.source.* point at the original. */
#define QW_INGEST_DLQ_VALUE_MAX (900 * 1024)
#define QW_INGEST_DLQ_KEY_MAX   4096

static int produce_dlq(qw_ingest_t *ig, const rd_kafka_message_t *m, const char *reason,
                       const char *detail, int index)
{
    size_t vlen = m->len > QW_INGEST_DLQ_VALUE_MAX ? QW_INGEST_DLQ_VALUE_MAX : m->len;
    size_t klen = m->key_len > QW_INGEST_DLQ_KEY_MAX ? QW_INGEST_DLQ_KEY_MAX : m->key_len;
    qw_dlq_error_t e = QW_DLQ_ERROR_INIT;
    e.reason = reason;
    e.message = detail;
    e.index = index;
    e.truncated = vlen < m->len ? (int64_t)m->len : -1;
    e.source_topic = rd_kafka_topic_name(m->rkt);
    e.source_partition = m->partition;
    e.source_offset = m->offset;
    qw_dlq_headers_t hs;
    qw_dlq_headers_init(&hs);
    rd_kafka_resp_err_t err = qw_dlq_headers_build(&hs, &e) != 0
                                  ? RD_KAFKA_RESP_ERR__INVALID_ARG
                                  : qw_dlq_kafka_produce(ig->producer, ig->dlq_topic, m->key, klen,
                                                         m->payload, vlen, &hs, NULL);
    qw_log_fields(QW_LOG_WARN, "ingest.dlq",
                  json_pack("{s:s,s:s,s:i,s:I}", "reason", reason, "topic",
                            rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "offset",
                            (json_int_t)m->offset),
                  "%s", detail);
    return produce(ig, err, "dead letter");
}

static int produce_credit(qw_ingest_t *ig, qw_batch_scratch_t *s, const qw_credit_t *c)
{
    size_t len = qw_credit_entry_pack(c, s->buf, sizeof(s->buf));
    if (!len) return qw_err_set(ig->errstr, sizeof(ig->errstr), "credit %s too large", c->id);
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(ig->producer, RD_KAFKA_V_TOPIC(ig->credits_topic),
                                    RD_KAFKA_V_KEY(c->rep_id, strlen(c->rep_id)),
                                    RD_KAFKA_V_VALUE(s->buf, len),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(ig->producer, 50);
    return produce(ig, err, "credit");
}

void qw_ingest_batch_parse(qw_ingest_t *ig)
{
    qw_batch_scratch_t *s = ig->cur.scratch;
    s->npatches = 0;
    s->ncredits = 0;
    memset(s->ndlq, 0, sizeof(s->ndlq));
    memset(s->ngaps, 0, sizeof(s->ngaps));
    for (int i = 0; i < ig->cur.n; i++) {
        const rd_kafka_message_t *m = ig->cur.msgs[i];
        qw_source_t src;
        qw_adapter_err_t aerr;
        s->dlq_reason[i] = NULL;
        s->dlq_index[i] = -1;
        s->cur_msg = i;
        if (qw_ingest_topic_source(ig, rd_kafka_topic_name(m->rkt), &src) != QW_OK) {
            s->dlq_reason[i] = "unknown_source";
            snprintf(s->dlq_detail[i], QW_ERRSTR_MAX, "topic %s is not a qw.crm.<source> topic",
                     rd_kafka_topic_name(m->rkt));
            continue;
        }
        size_t before = s->npatches;
        if (qw_adapter_parse(&ig->adapters, src, m->payload, m->len, collect, s, &aerr) < 0) {
            s->npatches = before; /* all or nothing per message */
            s->dlq_reason[i] = qw_adapter_reason_name(aerr.reason);
            s->dlq_index[i] = aerr.index;
            snprintf(s->dlq_detail[i], QW_ERRSTR_MAX, "%s", aerr.errstr);
            s->ndlq[aerr.reason]++;
        }
    }
    ig->cur.parsed = 1;
}

int qw_ingest_batch_apply(qw_ingest_t *ig)
{
    qw_batch_scratch_t *s = ig->cur.scratch;
    /* The ledger's verdicts below add to what the parse found: a retried batch parses again. */
    ig->cur.parsed = 0;
    char e[QW_ERRSTR_MAX];
    if (s->npatches) {
        if (qw_redis_connect(&ig->redis) != QW_OK) {
            qw_metric_add(ig->m.redis_errors, 1);
            return qw_err_set(ig->errstr, sizeof(ig->errstr), "%s", ig->redis.errstr);
        }
        /* A lost connection was dropped by the wrapper: the retried batch reconnects. */
        if (qw_ledger_store_apply_batch(s->store, &ig->redis, &ig->ledger, s->patches, s->npatches,
                                        e, sizeof(e)) != QW_OK) {
            qw_metric_add(ig->m.redis_errors, 1);
            return qw_err_set(ig->errstr, sizeof(ig->errstr), "deal ledger: %s", e);
        }
    }
    for (size_t p = 0; p < s->npatches; p++) {
        const qw_ledger_result_t *r = &s->store->results[p];
        int mi = s->patch_msg[p];
        if (r->err == QW_LEDGER_E_GAP) {
            note_gap(ig, s, mi, &s->patches[p]);
            continue;
        }
        if (r->err != QW_LEDGER_E_NONE) {
            if (!s->dlq_reason[mi]) {
                s->dlq_reason[mi] = qw_ledger_err_name(r->err);
                snprintf(s->dlq_detail[mi], QW_ERRSTR_MAX, "deal %s version %lld: %s",
                         s->patches[p].deal_id, (long long)s->patches[p].version,
                         qw_ledger_err_name(r->err));
                s->ndlq[QW_AERR_COUNT + r->err]++;
            }
            continue;
        }
        for (int k = 0; k < r->n; k++)
            if (produce_credit(ig, s, &s->store->entries[r->first + (size_t)k]) != QW_OK)
                return QW_ERR;
        s->ncredits += r->n;
    }
    for (int i = 0; i < ig->cur.n; i++)
        if (s->dlq_reason[i] && produce_dlq(ig, ig->cur.msgs[i], s->dlq_reason[i], s->dlq_detail[i],
                                            s->dlq_index[i]) != QW_OK)
            return QW_ERR;
    return QW_OK;
}
