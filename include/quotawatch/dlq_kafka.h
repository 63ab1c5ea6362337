/* Dead letters on Kafka: the header list of quotawatch/dlq.h as librdkafka headers, and the
 * produce call both dead-letter writers share (the I/O half of the scheme). */
#ifndef QW_DLQ_KAFKA_H
#define QW_DLQ_KAFKA_H

#ifdef QW_PURE
#error "quotawatch/dlq_kafka.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "quotawatch/dlq.h"

/* New librdkafka headers holding a copy of hs. NULL when
 * hs is incomplete (overflow) or out of memory. */
rd_kafka_headers_t *qw_dlq_kafka_headers(const qw_dlq_headers_t *hs);

/* Produces the dead letter (key, value copied; headers from hs) to topic, polling while the
 * local queue is full. opaque goes to the delivery report. Returns RD_KAFKA_RESP_ERR_NO_ERROR
 * or the error (nothing was queued then). */
rd_kafka_resp_err_t qw_dlq_kafka_produce(rd_kafka_t *rk, const char *topic, const void *key,
                                         size_t key_len, const void *value, size_t len,
                                         const qw_dlq_headers_t *hs, void *opaque);

#endif
