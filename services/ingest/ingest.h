/* The qw-ingest service: its context and the two halves of the consume-transform-produce loop
 * (txn.c drives Kafka transactions, batch.c turns a batch of raw messages into credits and
 * dead letters). */
#ifndef QW_INGEST_H
#define QW_INGEST_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include "adapter.h"
#include "ledger.h"
#include "progress.h"
#include "quotawatch/config.h"
#include "quotawatch/http.h"
#include "quotawatch/metrics.h"
#include "quotawatch/policy.h"
#include "quotawatch/redis.h"

#define QW_INGEST_TOPIC_MAX 256
/* Transactional producers used in turn (txn.c): one commits while the next is filled. Three, not
 * two: the broker may still be writing a producer's last commit markers when its turn comes
 * again, and then refuses it (CONCURRENT_TRANSACTIONS, retried 100 ms later) - with two, 9% of
 * the transactions at a steady rate; with three, 1 in 774 (docs/benchmarks.md). */
#define QW_INGEST_PRODUCERS 3

typedef struct qw_ingest_opts_s {
    const char *brokers;
    const char *redis_url;
    int redis_allow_volatile;
    const char *sources;
    const char *topic_prefix;
    const char *group;
    const char *txn_id;
    const char *policy;
    const char *http_bind;
    const char *stage_map;
    const char *log_level;
    int64_t http_port;
    int64_t batch_size;
    int64_t batch_ms;
    int64_t batch_idle_ms;
    int64_t watermark_ms;
    int overlap_commit;
} qw_ingest_opts_t;

/* A batch: its messages (owned until its transaction ends) and its transform's scratch. */
typedef struct qw_ingest_slot_s {
    rd_kafka_message_t **msgs;
    int n;
    int parsed; /* the adapters ran over msgs[0..n) into scratch */
    void *scratch;
} qw_ingest_slot_t;

typedef struct qw_ingest_s {
    qw_ingest_opts_t opt;
    qw_config_t cfg;
    qw_http_t *http;
    rd_kafka_t *consumer;
    /* Transactional producers, ids <--transactional-id>, <--transactional-id>.2, .3, so the
     * next batch's transaction is filled while the previous one commits (txn.c). `producer` is
     * prod[pk], the one the current batch's transaction is on; batch.c produces to it. */
    rd_kafka_t *producer;
    rd_kafka_t *prod[QW_INGEST_PRODUCERS];
    int pk;
    int txn_open[QW_INGEST_PRODUCERS];
    qw_redis_t redis;
    qw_policy_t policy;
    qw_adapter_cfg_t adapters;
    qw_ledger_cfg_t ledger;
    char credits_topic[QW_INGEST_TOPIC_MAX];
    char dlq_topic[QW_INGEST_TOPIC_MAX];
    qw_progress_t progress; /* completeness marks for the raw partitions we own */
    int32_t credits_nparts; /* partitions of the credits topic (marks go to each) */
    /* The batch being collected or applied, and the one whose transaction a helper thread
     * is committing meanwhile (--overlap-commit; txn.c). Allocated once. */
    qw_ingest_slot_t cur, flight;
    struct {
        pthread_t thread;
        int running;
        int pk;                  /* the flight's producer */
        rd_kafka_error_t *error; /* its outcome, read after the join */
        int64_t t0_ns;           /* when its batch closed, for the batch-time histogram */
        int64_t commit_ns;       /* how long the helper's commit took */
    } fl;
    struct qw_ledger_store_s *store; /* ledger_store.h; shared by both slots */
    struct {
        qw_metric_t *messages, *credits, *dlq_by_reason[QW_AERR_COUNT + QW_LEDGER_E_COUNT_],
            *commits, *aborts, *batch_latency, *redis_errors, *marks, *commit_time, *commit_wait;
    } m;
    char errstr[QW_ERRSTR_MAX];
} qw_ingest_t;

/* Source of a raw topic ("<prefix>qw.crm.<source>"); QW_ERR for a topic that is not one. */
int qw_ingest_topic_source(const qw_ingest_t *ig, const char *topic, qw_source_t *src);

/* Transform the current batch (ig->cur) in two steps. Parse runs the adapters: pure, no I/O,
 * so it may run while the previous batch's transaction commits. Apply runs the ledger and
 * produces credits and dead letters into the open transaction: QW_OK, or QW_ERR when Redis or
 * Kafka failed (the caller aborts the transaction, parses again and retries the batch). */
void qw_ingest_batch_parse(qw_ingest_t *ig);
int qw_ingest_batch_apply(qw_ingest_t *ig);
int qw_ingest_batch_init(qw_ingest_t *ig);
/* The slot's transaction committed: count its messages, credits and dead letters. */
void qw_ingest_batch_committed(qw_ingest_t *ig, const qw_ingest_slot_t *sl);
void qw_ingest_batch_free(qw_ingest_t *ig);

/* The exactly-once loop; returns the process exit code. */
int qw_ingest_run(qw_ingest_t *ig);

#endif
