/* The outbox relay: publishes partitions' outboxes (qw:ev:{p<N>}:outbox) to qw.decisions.v1 as
 * CloudEvents in Kafka binary mode with an idempotent producer, waits for the delivery
 * reports, then trims exactly what was acknowledged, fenced by each partition's epoch. A crash
 * between produce and trim publishes those decisions again on the next pump (same ids; the
 * notifier de-duplicates): at least once, never lost. All due partitions are pumped together,
 * so a pump waits for Kafka once, not once per partition. */
#ifndef QW_RELAY_H
#define QW_RELAY_H

#include <librdkafka/rdkafka.h>

#include "quotawatch/config.h"
#include "quotawatch/metrics.h"
#include "store.h"

#define QW_RELAY_CHUNK 500
/* Rounds of one pump in the consuming loop: a burst (a calendar step appends tens of thousands
 * of decisions) is published a few chunks per loop, between batches, not in one stall. */
#define QW_RELAY_ROUNDS 4

/* One partition of a pump: the caller fills part and epoch, the pump the rest. */
typedef struct qw_relay_part_s {
    int32_t part;
    int64_t epoch;
    int rc;            /* QW_OK: outbox emptied (or fenced); QW_ERR: retry later, see errstr */
    int fenced;        /* another owner holds the partition: stop pumping it */
    int64_t published; /* entries acknowledged and trimmed */
    int more;          /* QW_OK at the round bound with entries left: pump it again soon */
    char errstr[QW_ERRSTR_MAX];
    /* Internal, per chunk. */
    int active;
    int produce_rc;
    size_t n, produced;
    int failed; /* delivery reports with an error */
} qw_relay_part_t;

typedef struct qw_relay_s {
    rd_kafka_t *rk;
    char topic[256];
    char dlq_topic[256];
    qw_store_t *store;
    int inflight;         /* produced, no delivery report yet */
    qw_relay_part_t *cur; /* the pump in progress (delivery reports find their partition) */
    int ncur;
    qw_metric_t *published, *dead_letters, *errors;
} qw_relay_t;

int qw_relay_init(qw_relay_t *r, const char *brokers, const char *prefix, const qw_config_t *cfg,
                  qw_store_t *store, char *errbuf, size_t errlen);
void qw_relay_free(qw_relay_t *r);

/* Publish the outboxes of parts[0..n): chunk by chunk, each round reading every partition's
 * next chunk, producing them all, waiting once for the delivery reports, then trimming what
 * was acknowledged; at most max_rounds rounds (0: until every outbox is empty; a partition left
 * with entries ends QW_OK with more = 1). QW_OK when every partition ended QW_OK; each part says
 * how it ended (QW_ERR: Redis or Kafka failed, retry later; nothing is lost). */
int qw_relay_pump(qw_relay_t *r, qw_relay_part_t *parts, int n, int max_rounds);

#endif
