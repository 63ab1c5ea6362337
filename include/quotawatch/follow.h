/* The one compacted-topic follower: assign every partition of some topics from the beginning,
 * read up to the end offsets found at start ("caught up"), then keep following. Each record
 * goes to a callback (key, value, tombstone). No group is joined and nothing is committed:
 * every instance reads the whole topic. */
#ifndef QW_FOLLOW_H
#define QW_FOLLOW_H
#ifdef QW_PURE
#error "quotawatch/follow.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/config.h"
#include "quotawatch/consume.h"

#define QW_FOLLOW_MAX_TOPICS 4

typedef struct qw_follow_rec_s {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key; /* NULL when the record has none */
    size_t key_len;
    const void *value; /* NULL for a tombstone */
    size_t value_len;
    int tombstone;
    const rd_kafka_message_t *msg; /* headers, timestamp */
} qw_follow_rec_t;

typedef void (*qw_follow_fn)(void *opaque, const qw_follow_rec_t *r);

typedef struct qw_follow_part_s {
    char topic[256];
    int32_t partition;
    int64_t high; /* end offset at start */
    int64_t pos;  /* next offset seen */
} qw_follow_part_t;

typedef struct qw_follow_s {
    rd_kafka_t *rk; /* owned: closed and destroyed by qw_follow_free */
    char topics[QW_FOLLOW_MAX_TOPICS][256];
    int ntopics;
    qw_follow_part_t *parts;
    int npart;
    int caught_up;  /* every partition reached the end offset seen at start */
    int subscribed; /* following by subscription (the topic did not exist at start) */
    int attempts;   /* tries to find and assign the partitions */
    int64_t records;
    qw_follow_fn fn;
    void *opaque;
    qw_consume_t consume;
    const char *wait_event; /* log event of qw_follow_wait's retries ("follow.waiting") */
    char errstr[sizeof(((qw_consume_t *)0)->errstr)];
} qw_follow_t;

/* A consumer for a follower: a group.id of its own that is never joined nor committed to
 * (librdkafka 2.0 wants one even for assign()), no auto-commit, read_committed (producers may
 * use transactions), no partition EOF events, the main queue served by consumer polls. NULL
 * with errbuf on a configuration error. */
rd_kafka_t *qw_follow_consumer_new(const char *brokers, const char *client_id,
                                   const qw_config_t *cfg, char *errbuf, size_t errlen);

/* Takes rk (a consumer; its group.id is never joined for assign()). QW_ERR on a NULL client,
 * callback or topic, or too many topics; rk is then still the caller's. */
int qw_follow_init(qw_follow_t *f, rd_kafka_t *rk, const char *const *topics, int ntopics,
                   qw_follow_fn fn, void *opaque, const char *log_event, char *errbuf,
                   size_t errlen);
void qw_follow_free(qw_follow_t *f);

/* One attempt at finding every partition (each with a leader) and its end offset, then
 * assigning them from the beginning. On failure nothing changes: retry later. */
int qw_follow_start(qw_follow_t *f, char *errbuf, size_t errlen);

/* qw_follow_start until it works, sleeping first_ms (doubling up to max_ms) between tries.
 * QW_ERR after max_tries (0: no limit) or when *stop becomes non-zero. */
int qw_follow_wait(qw_follow_t *f, int max_tries, int first_ms, int max_ms, volatile int *stop,
                   char *errbuf, size_t errlen);

/* The topics do not exist (yet): follow them through a subscription of rk's group instead,
 * read from the beginning when they appear (auto.offset.reset=earliest). Caught up at once. */
int qw_follow_subscribe(qw_follow_t *f, char *errbuf, size_t errlen);

/* Deliver what arrived: up to max records (waits up to timeout_ms for the first). Returns the
 * records delivered, or QW_ERR on a fatal client error (errstr). Updates caught_up. */
int qw_follow_poll(qw_follow_t *f, int timeout_ms, int max);

/* Pure parts, exposed for the tests. */
/* Hand one record to the callback and move its partition's position. */
void qw_follow_deliver(qw_follow_t *f, const rd_kafka_message_t *m);
/* A partition's position moved to next (the offset after a record, or the end at EOF). */
void qw_follow_track(qw_follow_part_t *parts, int n, const char *topic, int32_t partition,
                     int64_t next);
/* Have all partitions reached their end offset? */
int qw_follow_parts_done(const qw_follow_part_t *parts, int n);

#endif
