/* Private to lib/io: per-partition consumer lag as metrics, fed by consume.c. */
#ifndef QW_LAG_H
#define QW_LAG_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* A record was consumed: remember its partition's position and timestamp. */
void qw_lag_seen(const rd_kafka_message_t *m);

/* The offsets a consumer was assigned from (qw-evaluator keeps its own in Redis; BEGINNING: the
 * log start; INVALID: learn the group's committed offset), so a partition not read yet still
 * has a lag. */
void qw_lag_starts(const rd_kafka_topic_partition_list_t *parts);

/* At most once a second: the lag of every partition assigned to rk, from its fetch position
 * and the high watermark the client last saw (no broker round trip). */
void qw_lag_update(rd_kafka_t *rk);

#endif
