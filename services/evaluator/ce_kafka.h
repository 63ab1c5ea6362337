/* The CloudEvents binary-mode headers of a record on qw.decisions.v1: one builder for the
 * relay and for qwctl (redrive, retract), so every decision record carries the same ones. */
#ifndef QW_CE_KAFKA_H
#define QW_CE_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "outbox.h"

/* ce_specversion, ce_id, ce_type, ce_source, ce_subject, ce_time and content-type of ce, with
 * room for extra more. The caller owns the list until producev accepts it. */
rd_kafka_headers_t *qw_ce_kafka_headers(const qw_ce_t *ce, size_t extra);

#endif
