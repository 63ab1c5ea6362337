/* Consume-transform-produce in Kafka transactions, after librdkafka's
 * examples/transactions.c: the credits and dead letters of a batch and the consumer offsets
 * that produced them commit together or not at all. Abortable errors abort and rewind the
 * consumer to its committed offsets; fatal errors end the process.
 * Two transactions in flight (--overlap-commit): a transactional producer can hold only one
 * open transaction, so there are QW_INGEST_PRODUCERS (ids <id>, <id>.2, <id>.3), used in turn.
 * While a helper thread commits batch N on one, this thread collects batch N+1, applies it
 * (Redis, credits) and sends its offsets on the next; N+1 commits only after N has. If N
 * aborts, N+1 is aborted with it and both are consumed again from the committed offsets (the
 * ledger re-emits what it applied before). N+1's offsets go to the group after N's, so they
 * are the ones that stay. */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "quotawatch/clock.h"
#include "quotawatch/consume.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "quotawatch/watermark.h"

/* Give every fatal error one exit path with a message an operator can act on. */
static void fatal(const char *what, rd_kafka_error_t *error)
{
    qw_log(QW_LOG_ERROR, "ingest.fatal",
           "%s: %s — the transactional producer cannot continue (fenced by another instance with "
           "the same --transactional-id, or a broker error); restart this instance",
           what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    exit(3);
}

static void slot_release(qw_ingest_slot_t *sl)
{
    for (int i = 0; i < sl->n; i++)
        rd_kafka_message_destroy(sl->msgs[i]);
    sl->n = 0;
    sl->parsed = 0;
}

static void batch_release(qw_ingest_t *ig)
{
    slot_release(&ig->cur);
    slot_release(&ig->flight);
}

/* Rewind to the committed offsets, so the aborted batch is consumed again. */
static void rewind_consumer(qw_ingest_t *ig)
{
    rd_kafka_topic_partition_list_t *parts;
    if (rd_kafka_assignment(ig->consumer, &parts) || !parts) return;
    if (parts->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(parts);
        return;
    }
    rd_kafka_resp_err_t err = rd_kafka_committed(ig->consumer, parts, -1);
    qw_progress_rewound(&ig->progress, err ? NULL : parts);
    if (err) {
        qw_log(QW_LOG_ERROR, "ingest.rewind_failed", "cannot read committed offsets: %s",
               rd_kafka_err2str(err));
    } else {
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].offset < 0) parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        /* librdkafka 2.0.2 mis-scales this timeout by 1000x: -1 is the safe value. */
        rd_kafka_error_t *error = rd_kafka_seek_partitions(ig->consumer, parts, -1);
        if (error) {
            qw_log(QW_LOG_ERROR, "ingest.rewind_failed", "seek: %s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

static void begin(qw_ingest_t *ig)
{
    rd_kafka_error_t *error = rd_kafka_begin_transaction(ig->producer);
    if (error) fatal("begin_transaction", error);
    ig->txn_open[ig->pk] = 1;
}

static void abort_one(qw_ingest_t *ig, int k)
{
    if (!ig->txn_open[k]) return;
    rd_kafka_error_t *error = rd_kafka_abort_transaction(ig->prod[k], -1);
    if (error) fatal("abort_transaction", error);
    ig->txn_open[k] = 0;
}

/* Abort every transaction in flight (the helper is not running) and consume both batches
 * again. */
static void abort_and_rewind(qw_ingest_t *ig, const char *why)
{
    qw_metric_add(ig->m.aborts, 1);
    qw_log(QW_LOG_WARN, "ingest.txn_abort", "aborting the transaction: %s", why);
    for (int k = 0; k < QW_INGEST_PRODUCERS; k++)
        abort_one(ig, k);
    qw_progress_aborted(&ig->progress);
    batch_release(ig);
    rewind_consumer(ig);
}

/* The completeness marks these positions allow, to every credits partition, behind the
 * transaction's credits. A produce failure only means no marks this time (the evaluator waits
 * a little longer); it never fails the batch. */
static void produce_marks(qw_ingest_t *ig, const rd_kafka_topic_partition_list_t *positions)
{
    qw_wm_mark_t marks[64];
    uint8_t buf[64 * (QW_WM_TOPIC_MAX + 32)];
    if (ig->credits_nparts <= 0) return;
    int n = qw_progress_marks(&ig->progress, positions, marks, 64);
    if (!n) return;
    size_t len = qw_wm_pack(marks, n, ig->opt.txn_id, buf, sizeof(buf));
    if (!len) return;
    for (int32_t q = 0; q < ig->credits_nparts; q++) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            ig->producer, RD_KAFKA_V_TOPIC(ig->credits_topic), RD_KAFKA_V_PARTITION(q),
            RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADER(QW_WM_HEADER, QW_WM_KIND, (ssize_t)(sizeof(QW_WM_KIND) - 1)),
            RD_KAFKA_V_END);
        if (err) {
            qw_log(QW_LOG_WARN, "ingest.watermark_failed", "producing marks: %s",
                   rd_kafka_err2str(err));
            return;
        }
    }
    qw_metric_add(ig->m.marks, ig->credits_nparts);
}

/* The helper's work, also run inline: commit the flight's transaction. */
static void *commit_flight(void *arg)
{
    qw_ingest_t *ig = arg;
    int64_t t0 = qw_clock_mono_ns();
    ig->fl.error = rd_kafka_commit_transaction(ig->prod[ig->fl.pk], -1);
    ig->fl.commit_ns = qw_clock_mono_ns() - t0;
    return NULL;
}

/* The outcome of the flight's commit. QW_OK once committed; QW_ERR after an abort-and-rewind,
 * which drops the current batch too (it was consumed after the aborted one). */
static int flight_finish(qw_ingest_t *ig)
{
    rd_kafka_error_t *error;
    while ((error = ig->fl.error)) {
        ig->fl.error = NULL;
        char why[512];
        snprintf(why, sizeof(why), "%s", rd_kafka_error_string(error));
        if (rd_kafka_error_txn_requires_abort(error)) {
            rd_kafka_error_destroy(error);
            abort_and_rewind(ig, why);
            return QW_ERR;
        }
        if (!rd_kafka_error_is_retriable(error)) fatal("commit_transaction", error);
        rd_kafka_error_destroy(error);
        qw_log(QW_LOG_WARN, "ingest.txn_retry", "commit will be retried: %s", why);
        commit_flight(ig);
    }
    ig->txn_open[ig->fl.pk] = 0;
    qw_metric_observe_us(ig->m.commit_time, ig->fl.commit_ns / 1000);
    qw_progress_committed(&ig->progress);
    qw_metric_add(ig->m.commits, 1);
    if (ig->flight.n) { /* not an idle commit of marks */
        qw_ingest_batch_committed(ig, &ig->flight);
        qw_metric_observe_us(ig->m.batch_latency, (qw_clock_mono_ns() - ig->fl.t0_ns) / 1000);
    }
    slot_release(&ig->flight);
    return QW_OK;
}

/* Wait for the helper, if one is committing, and take its outcome (flight_finish). */
static int flight_join(qw_ingest_t *ig)
{
    if (!ig->fl.running) return QW_OK;
    int64_t t0 = qw_clock_mono_ns();
    pthread_join(ig->fl.thread, NULL);
    qw_metric_observe_us(ig->m.commit_wait, (qw_clock_mono_ns() - t0) / 1000);
    ig->fl.running = 0;
    return flight_finish(ig);
}

/* The consumer's positions now into the open transaction, with the marks they allow.
 * QW_OK, or QW_ERR when the transaction must abort (why in ig->errstr). */
static int send_offsets(qw_ingest_t *ig)
{
    rd_kafka_topic_partition_list_t *offsets;
    if (rd_kafka_assignment(ig->consumer, &offsets))
        return qw_err_set(ig->errstr, sizeof(ig->errstr), "no assignment");
    rd_kafka_position(ig->consumer, offsets);
    produce_marks(ig, offsets);
    rd_kafka_consumer_group_metadata_t *cgmd = rd_kafka_consumer_group_metadata(ig->consumer);
    int rc = QW_OK;
    rd_kafka_error_t *error;
    while ((error = rd_kafka_send_offsets_to_transaction(ig->producer, offsets, cgmd, -1))) {
        if (rd_kafka_error_txn_requires_abort(error)) {
            rc = qw_err_set(ig->errstr, sizeof(ig->errstr), "%s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            break;
        }
        if (!rd_kafka_error_is_retriable(error)) fatal("send_offsets_to_transaction", error);
        qw_log(QW_LOG_WARN, "ingest.txn_retry", "sending offsets will be retried: %s",
               rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    rd_kafka_topic_partition_list_destroy(offsets);
    return rc;
}

/* Commit the open transaction with the consumer's positions now: once the previous flight has
 * committed, the current batch becomes the flight, committed by a helper thread (overlap) or
 * here, and the next transaction goes to the next producer. Returns QW_OK when committed or
 * handed over, QW_ERR after an abort-and-rewind. */
static int commit(qw_ingest_t *ig, int overlap, int64_t t0_ns)
{
    int sent = send_offsets(ig);
    /* The flight's outcome decides this batch's: it may only commit after it. */
    if (flight_join(ig) != QW_OK) return QW_ERR; /* aborted both */
    if (sent != QW_OK) {
        char why[QW_ERRSTR_MAX];
        snprintf(why, sizeof(why), "%s", ig->errstr);
        abort_and_rewind(ig, why);
        return QW_ERR;
    }
    qw_progress_launched(&ig->progress);
    qw_ingest_slot_t spare = ig->flight; /* empty: the last flight was finished */
    ig->flight = ig->cur;
    ig->cur = spare;
    ig->fl.pk = ig->pk;
    ig->fl.error = NULL;
    ig->fl.t0_ns = t0_ns;
    if (overlap && pthread_create(&ig->fl.thread, NULL, commit_flight, ig) == 0) {
        ig->fl.running = 1;
        ig->pk = (ig->pk + 1) % QW_INGEST_PRODUCERS;
        ig->producer = ig->prod[ig->pk];
        return QW_OK;
    }
    commit_flight(ig);
    qw_metric_observe_us(ig->m.commit_wait, ig->fl.commit_ns / 1000); /* waited for all of it */
    return flight_finish(ig);
}

/* Transform and commit the current batch; Redis trouble keeps the batch and retries it. All
 * of it up to the commit runs while the previous batch may still be committing (overlap). */
static void flush(qw_ingest_t *ig, int overlap)
{
    if (!ig->cur.n) { /* nothing to overlap with: take the flight's outcome now */
        flight_join(ig);
        return;
    }
    int64_t t0 = qw_clock_mono_ns();
    for (;;) {
        if (!ig->txn_open[ig->pk]) begin(ig);
        if (!ig->cur.parsed) qw_ingest_batch_parse(ig);
        if (qw_ingest_batch_apply(ig) == QW_OK) break;
        /* The transform failed part-way (Redis, or a produce error): nothing of it may commit.
         * Its marks were not taken yet; the flight goes on. */
        qw_http_set_ready(ig->http, "redis", qw_redis_connected(&ig->redis));
        abort_one(ig, ig->pk);
        qw_metric_add(ig->m.aborts, 1);
        qw_log(QW_LOG_WARN, "ingest.batch_retry", "%s; retrying the batch of %d", ig->errstr,
               ig->cur.n);
        qw_svc_sleep_ms(500);
        if (qw_svc_stop) { /* leave the batch uncommitted: it is consumed again after restart */
            flight_join(ig);
            batch_release(ig);
            return;
        }
    }
    qw_http_set_ready(ig->http, "redis", 1);
    commit(ig, overlap, t0);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    qw_ingest_t *ig = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        qw_log(QW_LOG_INFO, "ingest.assigned", "%d partitions assigned", parts->cnt);
        flight_join(ig); /* eager rebalancing revoked (and joined) first: for certainty */
        qw_consume_assigned(parts); /* from the committed offsets */
        rd_kafka_assign(rk, parts);
        qw_progress_assign(&ig->progress, parts);
    } else {
        /* Commit what was consumed from these partitions before another instance owns them. */
        qw_log(QW_LOG_INFO, "ingest.revoked", "%d partitions revoked", parts->cnt);
        flush(ig, 0); /* joins a committing helper first */
        rd_kafka_assign(rk, NULL);
        qw_progress_assign(&ig->progress, NULL);
    }
}

static int subscribe(qw_ingest_t *ig)
{
    char list[512];
    snprintf(list, sizeof(list), "%s", ig->opt.sources);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
    for (char *save = NULL, *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        qw_source_t src;
        if (qw_source_parse(s, &src) != QW_OK) {
            rd_kafka_topic_partition_list_destroy(topics);
            return qw_err_set(ig->errstr, sizeof(ig->errstr),
                              "--sources: unknown source \"%s\" (salesforce, hubspot, pipedrive, "
                              "canonical)",
                              s);
        }
        char topic[QW_INGEST_TOPIC_MAX];
        if (qw_source_topic(topic, sizeof(topic), ig->opt.topic_prefix, src) != QW_OK) {
            rd_kafka_topic_partition_list_destroy(topics);
            return qw_err_set(ig->errstr, sizeof(ig->errstr), "--topic-prefix: too long");
        }
        rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(ig->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err)
        return qw_err_set(ig->errstr, sizeof(ig->errstr), "subscribe: %s", rd_kafka_err2str(err));
    return QW_OK;
}

/* Producer k: transactional id <id> for the first, <id>.<k+1> for the others. All always exist,
 * with or without --overlap-commit, so a restart fences any transaction left open. */
static int create_producer(qw_ingest_t *ig, int k)
{
    char e[QW_ERRSTR_MAX], id[QW_INGEST_TOPIC_MAX + 8];
    if (k)
        snprintf(id, sizeof(id), "%s.%d", ig->opt.txn_id, k + 1);
    else
        snprintf(id, sizeof(id), "%s", ig->opt.txn_id);
    rd_kafka_conf_t *pc = qw_kafka_conf_new(ig->opt.brokers, "qw-ingest", &ig->cfg, e, sizeof(e));
    int linger_given = qw_config_kafka_get(&ig->cfg, "linger.ms") ||
                       qw_config_kafka_get(&ig->cfg, "queue.buffering.max.ms");
    if (!pc || qw_kafka_conf_set(pc, "transactional.id", id, e, sizeof(e)) ||
        (!linger_given && qw_kafka_conf_set(pc, "linger.ms", "5", e, sizeof(e))) ||
        /* Credits are keyed by rep: the evaluator's calendar job finds a rep's partition with
         * the Java client's murmur2, so the producer must place keys the same way. */
        qw_kafka_conf_set(pc, "partitioner", "murmur2_random", e, sizeof(e)))
        return qw_err_set(ig->errstr, sizeof(ig->errstr), "%s", e);
    ig->prod[k] = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof(e));
    if (!ig->prod[k]) return qw_err_set(ig->errstr, sizeof(ig->errstr), "producer: %s", e);
    return QW_OK;
}

static int create_clients(qw_ingest_t *ig)
{
    char e[QW_ERRSTR_MAX];
    if (strlen(ig->opt.txn_id) >= QW_INGEST_TOPIC_MAX)
        return qw_err_set(ig->errstr, sizeof(ig->errstr), "--transactional-id: too long");
    for (int k = 0; k < QW_INGEST_PRODUCERS; k++)
        if (create_producer(ig, k) != QW_OK) return QW_ERR;
    ig->pk = 0;
    ig->producer = ig->prod[0];

    rd_kafka_conf_t *cc = qw_kafka_conf_new(ig->opt.brokers, "qw-ingest", &ig->cfg, e, sizeof(e));
    if (!cc || qw_kafka_conf_set(cc, "group.id", ig->opt.group, e, sizeof(e)) ||
        qw_kafka_conf_set(cc, "enable.auto.commit", "false", e, sizeof(e)) ||
        qw_kafka_conf_set(cc, "auto.offset.reset", "earliest", e, sizeof(e)) ||
        qw_kafka_conf_set(cc, "isolation.level", "read_committed", e, sizeof(e)) ||
        qw_kafka_conf_set(cc, "partition.assignment.strategy", "range", e, sizeof(e)) ||
        /* An idle fetch waits this long for data: librdkafka's 500 ms default is most of the
         * event-to-credit latency at low rates. */
        qw_kafka_conf_set(cc, "fetch.wait.max.ms", "100", e, sizeof(e)) ||
        /* The end-of-partition event tells how far an idle or empty partition was read. */
        qw_kafka_conf_set(cc, "enable.partition.eof", "true", e, sizeof(e)))
        return qw_err_set(ig->errstr, sizeof(ig->errstr), "%s", e);
    rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
    rd_kafka_conf_set_opaque(cc, ig);
    ig->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, e, sizeof(e));
    if (!ig->consumer) return qw_err_set(ig->errstr, sizeof(ig->errstr), "consumer: %s", e);
    rd_kafka_poll_set_consumer(ig->consumer);
    return QW_OK;
}

/* init_transactions blocks until the broker answers; keep trying while it does not. */
static void init_transactions(qw_ingest_t *ig)
{
    int backoff = 500, k = 0;
    while (!qw_svc_stop) {
        rd_kafka_error_t *error = rd_kafka_init_transactions(ig->prod[k], 30000);
        if (!error && ++k < QW_INGEST_PRODUCERS) continue;
        if (!error) {
            qw_kafka_mark_ok();
            return;
        }
        if (rd_kafka_error_is_fatal(error)) fatal("init_transactions", error);
        qw_log(QW_LOG_WARN, "ingest.waiting", "init_transactions: %s; retrying in %d ms",
               rd_kafka_error_string(error), backoff);
        rd_kafka_error_destroy(error);
        qw_svc_sleep_ms(backoff);
        if (backoff < 5000) backoff *= 2;
    }
}

/* Partitions of the credits topic, which every mark goes to; retried until known. */
static void credits_partitions(qw_ingest_t *ig)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(ig->producer, ig->credits_topic, NULL);
    if (t && rd_kafka_metadata(ig->producer, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1 && !md->topics[0].err)
        ig->credits_nparts = md->topics[0].partition_cnt;
    if (md) rd_kafka_metadata_destroy(md);
    if (t) rd_kafka_topic_destroy(t);
}

/* Between batches: read the raw ends when due, and when only marks have moved (an idle or
 * caught-up ingest) commit a transaction that carries just them and the positions. */
static void progress(qw_ingest_t *ig)
{
    /* Retried at the reading's pace, never per loop: a missing topic costs a metadata wait. */
    if (ig->credits_nparts <= 0 && qw_clock_mono_ns() >= ig->progress.next_probe_ns)
        credits_partitions(ig);
    if (qw_progress_probe(&ig->progress, ig->consumer, qw_clock_now(&qw_clock_system)) != QW_OK) {
        qw_log(QW_LOG_WARN, "ingest.watermark_probe", "%s", ig->progress.errstr);
        return;
    }
    /* A flight still carries marks of its own: judge idleness once its outcome is in. */
    if (ig->cur.n || ig->fl.running || qw_svc_stop ||
        !qw_progress_idle_due(&ig->progress, ig->consumer))
        return;
    begin(ig);
    commit(ig, 0, 0);
}

int qw_ingest_run(qw_ingest_t *ig)
{
    qw_progress_init(&ig->progress, ig->opt.watermark_ms);
    if (create_clients(ig) != QW_OK || subscribe(ig) != QW_OK) {
        qw_log(QW_LOG_ERROR, "ingest.config", "%s", ig->errstr);
        return 2;
    }
    if (qw_ingest_batch_init(ig) != QW_OK) {
        qw_log(QW_LOG_ERROR, "ingest.start", "%s", ig->errstr);
        return 1;
    }
    init_transactions(ig);
    credits_partitions(ig);
    qw_log(QW_LOG_INFO, "ingest.started", "consuming %s; credits to %s, dead letters to %s",
           ig->opt.sources, ig->credits_topic, ig->dlq_topic);
    qw_consume_t cs;
    qw_consume_init(&cs, "ingest.consume_error");
    while (!qw_svc_stop) {
        if (qw_svc_reload_requested())
            qw_log(QW_LOG_INFO, "config.reload_ignored",
                   "SIGHUP: qw-ingest reloads nothing; restart it to change the policy's rates "
                   "or the stage map (a rate change applies to deals changed after it)");
        /* Readiness follows Redis even while no events flow (reconnects honour the backoff). */
        qw_http_set_ready(ig->http, "redis", qw_redis_connect(&ig->redis) == QW_OK);
        int64_t deadline = qw_clock_mono_ns() + ig->opt.batch_ms * 1000000;
        while (ig->cur.n < ig->opt.batch_size && !qw_svc_stop) {
            int64_t left_ms = (deadline - qw_clock_mono_ns()) / 1000000;
            if (left_ms <= 0) break;
            /* Adaptive batching: under a backlog the consumer's queue never runs dry and
             * batches fill up; at a trickle a batch closes as soon as the input pauses, so a
             * record waits for one commit, not for --batch-ms. */
            int idle = ig->cur.n && ig->opt.batch_idle_ms > 0;
            int wait =
                idle && ig->opt.batch_idle_ms < left_ms ? (int)ig->opt.batch_idle_ms : (int)left_ms;
            rd_kafka_message_t *m = NULL;
            qw_consume_kind_t k = qw_consume_poll(&cs, ig->consumer, wait, &m);
            if (k == QW_CONSUME_EOF)
                qw_progress_eof(&ig->progress, cs.eof_topic, cs.eof_partition, cs.eof_offset);
            if (k == QW_CONSUME_NONE && idle) break;
            if (k != QW_CONSUME_RECORD) continue;
            ig->cur.msgs[ig->cur.n++] = m;
        }
        flush(ig, ig->opt.overlap_commit);
        progress(ig);
    }
    qw_log(QW_LOG_INFO, "ingest.stopping", "finishing the batch and closing");
    flush(ig, 0);
    rd_kafka_consumer_close(ig->consumer);
    rd_kafka_destroy(ig->consumer);
    for (int k = 0; k < QW_INGEST_PRODUCERS; k++) {
        if (ig->txn_open[k]) {
            rd_kafka_error_t *error = rd_kafka_abort_transaction(ig->prod[k], -1);
            if (error) rd_kafka_error_destroy(error);
        }
        rd_kafka_flush(ig->prod[k], 10000);
        rd_kafka_destroy(ig->prod[k]);
    }
    qw_ingest_batch_free(ig);
    qw_progress_free(&ig->progress);
    return 0;
}
