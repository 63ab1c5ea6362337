#include "quotawatch/dlq_kafka.h"

rd_kafka_headers_t *qw_dlq_kafka_headers(const qw_dlq_headers_t *hs)
{
    if (hs->overflow) return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(hs->n ? hs->n : 1);
    if (!h) return NULL;
    for (size_t i = 0; i < hs->n; i++)
        if (rd_kafka_header_add(h, hs->h[i].name, -1, hs->h[i].value, (ssize_t)hs->h[i].len)) {
            rd_kafka_headers_destroy(h);
            return NULL;
        }
    return h;
}

rd_kafka_resp_err_t qw_dlq_kafka_produce(rd_kafka_t *rk, const char *topic, const void *key,
                                         size_t key_len, const void *value, size_t len,
                                         const qw_dlq_headers_t *hs, void *opaque)
{
    rd_kafka_headers_t *h = qw_dlq_kafka_headers(hs);
    if (!h) return RD_KAFKA_RESP_ERR__INVALID_ARG;
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, key_len),
                RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(rk, 50);
    if (err) rd_kafka_headers_destroy(h); /* ownership passes only on success */
    return err;
}
