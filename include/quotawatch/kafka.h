/* librdkafka helpers shared by the services: configuration with -X passthrough, topic names with
 * a prefix, readiness and logging of client errors, header access. */
#ifndef QW_KAFKA_H
#define QW_KAFKA_H
#ifdef QW_PURE
#error "quotawatch/kafka.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <librdkafka/rdkafka.h>

#include "quotawatch/config.h"
#include "quotawatch/http.h"

/* "<prefix><base>": tests run many topic sets on one broker with different prefixes. */
void qw_kafka_topic(char *out, size_t outlen, const char *prefix, const char *base);

/* A conf with bootstrap.servers, the client id, quotawatch's error/log callbacks and every -X
 * property of cfg (so an operator can tune anything). Services then set the properties their
 * correctness rests on (isolation level, transactional id, partitioner, ...), which therefore
 * win over -X. NULL on error. */
rd_kafka_conf_t *qw_kafka_conf_new(const char *brokers, const char *client_id,
                                   const qw_config_t *cfg, char *errbuf, size_t errlen);

/* Set one property; QW_ERR with librdkafka's message in errbuf. */
int qw_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *errbuf,
                      size_t errlen);

/* Readiness: client errors that mean "no broker reachable" mark the "kafka" component not
 * ready on h; qw_kafka_mark_ok marks it ready again (call it after a successful poll). */
void qw_kafka_health_attach(qw_http_t *h);
void qw_kafka_mark_ok(void);
/* Not ready until the next qw_kafka_mark_ok: for a service that probes the broker itself. */
void qw_kafka_mark_down(void);
int qw_kafka_is_ok(void);

/* The partition count of an existing topic, or -1 with the reason in errbuf: the brokers did
 * not answer, the topic does not exist (said in those words, with what to check), or it is
 * not available. For tools that must not wait on a topic that is not there. */
int qw_kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errbuf,
                              size_t errlen);

/* Value of the last header named name, or NULL; *len gets its size. */
const void *qw_kafka_header(const rd_kafka_message_t *m, const char *name, size_t *len);

/* Wait (polling rk) until the cluster answers a metadata request or *stop becomes non-zero;
 * backs off between attempts and reports readiness meanwhile. Returns QW_OK or QW_ERR (stopped). */
int qw_kafka_wait_ready(rd_kafka_t *rk, volatile int *stop);

/* Is this credits-topic record a completeness watermark (no key and the qw.kind header,
 * quotawatch/watermark.h)? Cheap for credits: they always carry a key. */
int qw_kafka_is_watermark(const rd_kafka_message_t *m);

#endif
