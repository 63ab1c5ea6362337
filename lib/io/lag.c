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

#define LAG_MAX         512
#define START_LOG_START (-2)

typedef struct {
    char topic[200];
    int32_t partition;
    int64_t last_ts_ms;       /* timestamp of the last record read, or -1 */
    int64_t start;            /* where it was assigned from, START_LOG_START for the beginning */
    int start_given;          /* start set by the service (qw_lag_starts) */
    int start_known;          /* start learnt from the group's committed offsets */
    int64_t learnt_ms;        /* when (monotonic) */
    int64_t waiting_since_ms; /* backlog seen with nothing read yet since, or -1 */
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

/* The slot of (topic, partition); NULL when the table is full (more than LAG_MAX partitions in
 * one process: the rest go unmeasured). Under lock. Its gauges are made by the first
 * measurement: a gauge made earlier (when a record is read) would say 0 before anything is
 * known, and a scrape would take that for caught up. */
static lag_slot_t *slot_of(const char *topic, int32_t partition)
{
    for (int i = 0; i < nslots; i++)
        if (slots[i].partition == partition && !strcmp(slots[i].topic, topic)) return &slots[i];
    if (nslots == LAG_MAX || strlen(topic) >= sizeof(slots[0].topic)) return NULL;
    lag_slot_t *s = &slots[nslots++];
    snprintf(s->topic, sizeof(s->topic), "%s", topic);
    s->partition = partition;
    s->last_ts_ms = -1;
    s->waiting_since_ms = -1;
    return s;
}

/* Exports one measurement of a slot. Under lock. */
static void slot_set(lag_slot_t *s, int64_t behind, int64_t secs)
{
    if (!s->records) {
        /* Topic names are [a-zA-Z0-9._-] (Kafka's rule): nothing to escape in the label. */
        char labels[256];
        snprintf(labels, sizeof(labels), "topic=\"%s\",partition=\"%d\"", s->topic,
                 (int)s->partition);
        s->seconds = qw_metrics_gauge(
            "qw_consumer_lag_seconds",
            "While records wait: seconds since the timestamp of the last record read", labels);
        s->records =
            qw_metrics_gauge("qw_consumer_lag_records",
                             "Records not yet read by this consumer, per partition", labels);
    }
    /* Seconds first: a scrape (it takes no lock) that sees this measurement's records also sees
     * its seconds, never 0 records beside the seconds of the measurement before. */
    qw_metric_set(s->seconds, secs);
    qw_metric_set(s->records, behind);
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

void qw_lag_starts(const rd_kafka_topic_partition_list_t *parts)
{
    if (!parts) return;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < parts->cnt; i++) {
        lag_slot_t *s = slot_of(parts->elems[i].topic, parts->elems[i].partition);
        if (!s) continue;
        int64_t o = parts->elems[i].offset;
        /* INVALID: from the committed offsets, learnt again (a new assignment's may differ). */
        s->start_given = o != RD_KAFKA_OFFSET_INVALID;
        s->start_known = 0;
        s->start = o >= 0 ? o : START_LOG_START;
    }
    pthread_mutex_unlock(&lock);
}

/* Where the consumer starts in partitions it has read nothing of yet, for those whose start no
 * service gave: the group's committed offsets (one OffsetFetch, bounded wait), asked again
 * every LEARN_MS while nothing is read - another owner may have committed since. */
#define LEARN_MS 10000
static void learn_starts(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *a, int64_t now)
{
    /* Built only when a partition needs asking: once each partition has a position (the
     * steady state) a second's update allocates nothing here. */
    rd_kafka_topic_partition_list_t *ask = NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < a->cnt; i++) {
        if (a->elems[i].offset >= 0) continue;
        lag_slot_t *s = slot_of(a->elems[i].topic, a->elems[i].partition);
        if (!s || s->start_given || (s->start_known && now - s->learnt_ms < LEARN_MS)) continue;
        if (!ask) ask = rd_kafka_topic_partition_list_new(a->cnt);
        rd_kafka_topic_partition_list_add(ask, a->elems[i].topic, a->elems[i].partition);
    }
    pthread_mutex_unlock(&lock);
    if (!ask) return;
    if (rd_kafka_committed(rk, ask, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pthread_mutex_lock(&lock);
        for (int i = 0; i < ask->cnt; i++) {
            lag_slot_t *s = slot_of(ask->elems[i].topic, ask->elems[i].partition);
            if (!s || ask->elems[i].err) continue;
            /* None committed: auto.offset.reset is earliest in every service. */
            s->start = ask->elems[i].offset >= 0 ? ask->elems[i].offset : START_LOG_START;
            s->start_known = 1;
            s->learnt_ms = now;
        }
        pthread_mutex_unlock(&lock);
    }
    rd_kafka_topic_partition_list_destroy(ask);
}

void qw_lag_update(rd_kafka_t *rk)
{
    if (!rk || !due(rk, qw_clock_mono_ns())) return;
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a) return;
    rd_kafka_position(rk, a);
    learn_starts(rk, a, qw_clock_mono_ns() / 1000000);
    int64_t now_ms = qw_clock_now(&qw_clock_system);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < a->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &a->elems[i];
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0)
            continue; /* nothing fetched yet: unknown, not zero */
        lag_slot_t *s = slot_of(tp->topic, tp->partition);
        if (!s) continue;
        /* Before its first record a partition has no position: it starts where it was
         * assigned (a service's own offsets, or the group's committed ones). Unknown stays
         * unexported - a gauge of 0 would read as caught up. */
        int64_t pos = tp->offset;
        if (pos < 0 && (s->start_given || s->start_known))
            pos = s->start == START_LOG_START ? lo : s->start;
        if (pos < 0 && lo == hi) pos = hi;
        if (pos < 0) continue;
        int64_t behind = hi > pos ? hi - pos : 0;
        if (behind == 0 || s->last_ts_ms >= 0)
            s->waiting_since_ms = -1;
        else if (s->waiting_since_ms < 0)
            s->waiting_since_ms = now_ms;
        /* Nothing read yet: how long the backlog has been seen waiting. */
        int64_t since = s->last_ts_ms >= 0 ? s->last_ts_ms : s->waiting_since_ms;
        int64_t secs = behind > 0 && since >= 0 && now_ms > since ? (now_ms - since) / 1000 : 0;
        slot_set(s, behind, secs);
    }
    pthread_mutex_unlock(&lock);
    rd_kafka_topic_partition_list_destroy(a);
}
