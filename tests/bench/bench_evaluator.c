/* The evaluator's benchmark programs (run by tests/bench/bench_evaluator.sh, which also times
 * qw-evaluator itself; docs/benchmarks.md, "Evaluator"):
 *   bench_evaluator copy BROKERS IN_TOPIC OUT_TOPIC N
 *       the baseline: consume N records (read_committed, all partitions) and produce each to
 *       OUT_TOPIC with an idempotent producer, no logic; prints {"records","seconds","per_s",
 *       "cpu_seconds"}.
 *   bench_evaluator close REDIS_URL BROKERS PREFIX ROSTER.csv QUOTAS.csv PERIOD
 *       the calendar job in process over the states qw-evaluator left in Redis: the period's
 *       checkpoints, then (timed separately) its close over every rep of the roster. */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "calendar.h"
#include "quotawatch/log.h"
#include "quotawatch/policy.h"
#include "refdata.h"
#include "store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err))) {
        fprintf(stderr, "%s: %s\n", k, err);
        exit(1);
    }
}

static int delivered_err;
static void dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *o)
{
    (void)rk, (void)o;
    if (m->err) delivered_err++;
}

static int copy(const char *brokers, const char *in, const char *out, long n)
{
    char err[512];
    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    set(cc, "bootstrap.servers", brokers);
    set(cc, "group.id", "bench-evaluator-copy");
    set(cc, "isolation.level", "read_committed");
    set(cc, "enable.auto.commit", "false");
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof(err));
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    set(pc, "bootstrap.servers", brokers);
    set(pc, "enable.idempotence", "true");
    set(pc, "linger.ms", "5");
    rd_kafka_conf_set_dr_msg_cb(pc, dr);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
    if (!c || !p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(c);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, in, NULL);
    if (rd_kafka_metadata(c, 0, rkt, &md, 10000) || md->topics[0].err) return 1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(l, in, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    long got = 0;
    double t0 = 0, c0 = 0;
    while (got < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
        if (!m) continue;
        if (m->err) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (!got) {
            t0 = now_s();
            c0 = cpu_s();
        }
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(out), RD_KAFKA_V_KEY(m->key, m->key_len),
                                 RD_KAFKA_V_VALUE(m->payload, m->len),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        rd_kafka_poll(p, 0);
        rd_kafka_message_destroy(m);
        got++;
    }
    rd_kafka_flush(p, 60000);
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    printf(
        "{\"mode\":\"copy\",\"records\":%ld,\"seconds\":%.3f,\"per_s\":%.0f,\"cpu_seconds\":%.3f,"
        "\"per_cpu_s\":%.0f,\"delivery_errors\":%d}\n",
        got, secs, (double)got / secs, cpu, (double)got / cpu, delivered_err);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_destroy(p);
    return 0;
}

static int close_bench(const char *url, const char *brokers, const char *prefix, const char *roster,
                       const char *quotas, const char *period_id)
{
    static qw_policy_t policy;
    static qw_refdata_t ref;
    qw_redis_t r;
    qw_store_t store;
    char err[QW_ERRSTR_MAX];
    qw_log_init("bench-evaluator", getenv("QW_BENCH_LOG") ? getenv("QW_BENCH_LOG") : "warn");
    qw_policy_defaults(&policy);
    snprintf(policy.version, sizeof(policy.version), "bench");
    qw_refdata_init(&ref);
    if (qw_refdata_load_roster_csv(&ref, roster, err, sizeof(err)) != QW_OK ||
        qw_refdata_load_quotas_csv(&ref, quotas, err, sizeof(err)) != QW_OK ||
        qw_redis_init(&r, url, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    qw_store_init(&store, &r, prefix);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    set(pc, "bootstrap.servers", brokers);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
    char topic[256];
    snprintf(topic, sizeof(topic), "%sqw.credits.v1", prefix);
    qw_period_t per, prev;
    if (qw_period_parse(period_id, &per) != 0) return 2;
    /* Only this period: earlier ones are marked done. */
    qw_period_prev(&per, &prev);
    for (int i = 0; i < 3; i++) {
        redisReply *x = qw_redis_command(&r, "HSET %sqw:ev:calendar:done %s 131", prefix, prev.id);
        if (x) freeReplyObject(x);
        qw_period_t pp;
        qw_period_prev(&prev, &pp);
        prev = pp;
    }
    qw_calendar_t cal;
    qw_calendar_init(&cal, &store, &ref, &policy, topic, p, 1);
    int64_t cp = qw_period_checkpoint_ms(&per, &policy.tz, 7600);
    int64_t close = qw_period_close_ms(&per, &policy.tz, policy.grace_days);
    double t0 = now_s(), c0 = cpu_s();
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, cp);
    double t1 = now_s(), c1 = cpu_s();
    int64_t hold_cp = cal.last_hold_ms;
    cal.next_run_ns = 0;
    qw_calendar_run(&cal, close);
    double t2 = now_s(), c2 = cpu_s();
    printf("{\"mode\":\"close\",\"reps\":%zu,\"steps\":%" PRId64 ",\"checkpoints_seconds\":%.3f,"
           "\"checkpoints_cpu_seconds\":%.3f,\"checkpoints_hold_seconds\":%.3f,"
           "\"close_seconds\":%.3f,\"close_cpu_seconds\":%.3f,\"close_hold_seconds\":%.3f}\n",
           ref.t.roster.n, cal.steps, t1 - t0, c1 - c0, hold_cp / 1000.0, t2 - t1, c2 - c1,
           cal.last_hold_ms / 1000.0);
    qw_calendar_free(&cal);
    rd_kafka_destroy(p);
    qw_redis_close(&r);
    qw_refdata_free(&ref);
    return cal.steps == 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "copy"))
        return copy(argv[2], argv[3], argv[4], atol(argv[5]));
    if (argc == 8 && !strcmp(argv[1], "close"))
        return close_bench(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    fprintf(stderr, "usage: bench_evaluator copy BROKERS IN OUT N | close REDIS BROKERS PREFIX "
                    "ROSTER QUOTAS PERIOD\n");
    return 2;
}
