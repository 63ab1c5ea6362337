#include "ce_kafka.h"

rd_kafka_headers_t *qw_ce_kafka_headers(const qw_ce_t *ce, size_t extra)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(7 + extra);
    rd_kafka_header_add(h, "ce_specversion", -1, QW_CE_SPECVERSION, -1);
    rd_kafka_header_add(h, "ce_id", -1, ce->id, -1);
    rd_kafka_header_add(h, "ce_type", -1, ce->type, -1);
    rd_kafka_header_add(h, "ce_source", -1, QW_CE_SOURCE, -1);
    rd_kafka_header_add(h, "ce_subject", -1, ce->subject, -1);
    rd_kafka_header_add(h, "ce_time", -1, ce->time, -1);
    rd_kafka_header_add(h, "content-type", -1, QW_CE_CONTENT_TYPE, -1);
    return h;
}
