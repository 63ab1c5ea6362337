/* The outbox relay: publishes a partition's outbox (qw:ev:{p<N>}:outbox) to qw.decisions.v1 as
 * CloudEvents in Kafka binary mode with an idempotent producer, waits for the delivery
 * reports, then trims exactly what was acknowledged, fenced by the partition's epoch. A crash
 * between produce and trim publishes those decisions again on the next pump (same ids; the
 * notifier de-duplicates): at least once, never lost. */
#ifndef QW_RELAY_H
#define QW_RELAY_H

#include <librdkafka/rdkafka.h>

#include "quotawatch/config.h"
#include "quotawatch/metrics.h"
#include "store.h"

#define QW_RELAY_CHUNK 500

typedef struct qw_relay_s {
    rd_kafka_t *rk;
    char topic[256];
    char dlq_topic[256];
    qw_store_t *store;
    int inflight; /* produced, no delivery report yet */
    int failed;   /* delivery reports with an error in the current chunk */
    qw_metric_t *published, *dead_letters, *errors;
    char errstr[QW_ERRSTR_MAX];
} qw_relay_t;

int qw_relay_init(qw_relay_t *r, const char *brokers, const char *prefix, const qw_config_t *cfg,
                  qw_store_t *store, char *errbuf, size_t errlen);
void qw_relay_free(qw_relay_t *r);

/* Publish everything in the partition's outbox. QW_OK when it is empty (or *fenced: another
 * owner holds the partition, stop pumping it); QW_ERR when Redis or Kafka failed (retry later;
 * nothing is lost). *published gets the number of entries acknowledged and trimmed. */
int qw_relay_pump(qw_relay_t *r, int32_t part, int64_t epoch, int *fenced, int64_t *published);

#endif
