/* Consumer lag every service exports itself (issue 14): qw-evaluator keeps its offsets in Redis
 * and commits none to Kafka, so consumer-group lag exporters see nothing of it; the notifier and
 * qw-ingest commit in transactions. One process-wide table (metrics are process-wide), fixed
 * size and static, so it is never freed and never leaks:
 *   qw_consumer_lag_records{topic,partition}  records between the fetch position and the high
 *                                              watermark (what is still to be read)
 *   qw_consumer_lag_seconds{topic,partition}  while records wait: now minus the timestamp of the
 *                                              last record read (an upper bound of how far
 *                                              behind it is); 0 when caught up */
#include "lag.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/metrics.h"

#define LAG_MAX 512

typedef struct {
    char topic[200];
    int32_t partition;
    int64_t last_ts_ms; /* timestamp of the last record read, or -1 */
    qw_metric_t *records, *seconds;
} lag_slot_t;

static lag_slot_t slots[LAG_MAX];
static int nslots;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* When each client (a process may run several consumers) is next measured. */
#define CLIENTS_MAX 8
static struct {
    const rd_kafka_t *rk;
    int64_t next_ns;
} clients[CLIENTS_MAX];

/* Is rk due for a measurement now (then it is not due again for a second)? */
static int due(const rd_kafka_t *rk, int64_t now_ns)
{
    int free_i = -1, rc = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < CLIENTS_MAX; i++) {
        if (clients[i].rk == rk) {
            if (now_ns >= clients[i].next_ns) clients[i].next_ns = now_ns + 1000000000LL, rc = 1;
            pthread_mutex_unlock(&lock);
            return rc;
        }
        if (!clients[i].rk && free_i < 0) free_i = i;
    }
    if (free_i >= 0) {
        clients[free_i].rk = rk;
        clients[free_i].next_ns = now_ns + 1000000000LL;
        rc = 1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* The slot of (topic, partition), created with its two gauges; NULL when the table is full
 * (more than LAG_MAX partitions in one process: the rest go unmeasured). Under lock. */
static lag_slot_t *slot_of(const char *topic, int32_t partition)
{
    for (int i = 0; i < nslots; i++)
        if (slots[i].partition == partition && !strcmp(slots[i].topic, topic)) return &slots[i];
    if (nslots == LAG_MAX || strlen(topic) >= sizeof(slots[0].topic)) return NULL;
    lag_slot_t *s = &slots[nslots++];
    snprintf(s->topic, sizeof(s->topic), "%s", topic);
    s->partition = partition;
    s->last_ts_ms = -1;
    /* Topic names are [a-zA-Z0-9._-] (Kafka's rule): nothing to escape in the label. */
    char labels[256];
    snprintf(labels, sizeof(labels), "topic=\"%s\",partition=\"%d\"", topic, (int)partition);
    s->records = qw_metrics_gauge("qw_consumer_lag_records",
                                  "Records not yet read by this consumer, per partition", labels);
    s->seconds = qw_metrics_gauge(
        "qw_consumer_lag_seconds",
        "While records wait: seconds since the timestamp of the last record read", labels);
    return s;
}

void qw_lag_seen(const rd_kafka_message_t *m)
{
    if (!m || !m->rkt) return;
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    pthread_mutex_lock(&lock);
    lag_slot_t *s = slot_of(rd_kafka_topic_name(m->rkt), m->partition);
    if (s && ts >= 0) s->last_ts_ms = ts;
    pthread_mutex_unlock(&lock);
}

void qw_lag_update(rd_kafka_t *rk)
{
    if (!rk || !due(rk, qw_clock_mono_ns())) return;
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a) return;
    rd_kafka_position(rk, a);
    int64_t now_ms = qw_clock_now(&qw_clock_system);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < a->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &a->elems[i];
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0)
            continue; /* nothing fetched yet: unknown, not zero */
        /* No position before the first record read: known only for an empty partition. */
        if (tp->offset < 0 && lo != hi) continue;
        lag_slot_t *s = slot_of(tp->topic, tp->partition);
        if (!s) continue;
        int64_t pos = tp->offset < 0 ? hi : tp->offset;
        int64_t behind = hi > pos ? hi - pos : 0;
        qw_metric_set(s->records, behind);
        int64_t secs = behind > 0 && s->last_ts_ms >= 0 && now_ms > s->last_ts_ms
                           ? (now_ms - s->last_ts_ms) / 1000
                           : 0;
        qw_metric_set(s->seconds, secs);
    }
    pthread_mutex_unlock(&lock);
    rd_kafka_topic_partition_list_destroy(a);
}
