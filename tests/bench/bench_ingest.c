/* Baseline of the end-to-end ingest benchmark (tests/bench/bench_ingest.sh): the same
 * consume-produce loop as qw-ingest's txn.c — batches of up to --batch messages, each produced
 * and committed with the consumer offsets in one Kafka transaction — but the messages are
 * copied unchanged: no adapter, no ledger, no Redis. With --txn 0 it copies without
 * transactions (idempotent producer, offsets committed after a flush). Prints the rate from the
 * end of the first batch to the end of the last, as bench_ingest.sh times qw-ingest (the first
 * batch carries the start-up: group join, first fetches).
 *   bench_ingest BROKERS FROM_TOPIC TO_TOPIC GROUP COUNT [BATCH] [TXN 0|1] */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, rd_kafka_error_t *e)
{
    fprintf(stderr, "bench_ingest: %s: %s\n", what, e ? rd_kafka_error_string(e) : "failed");
    exit(1);
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *brokers, const char *const *kv)
{
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, e, sizeof(e))) die(e, NULL);
    for (; kv[0]; kv += 2)
        if (rd_kafka_conf_set(c, kv[0], kv[1], e, sizeof(e))) die(e, NULL);
    rd_kafka_t *rk = rd_kafka_new(type, c, e, sizeof(e));
    if (!rk) die(e, NULL);
    return rk;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_ingest BROKERS FROM TO GROUP COUNT [BATCH] [TXN 0|1]\n");
        return 2;
    }
    const char *brokers = argv[1], *from = argv[2], *to = argv[3], *group = argv[4];
    long count = atol(argv[5]), batch = argc > 6 ? atol(argv[6]) : 1000;
    int txn = argc > 7 ? atoi(argv[7]) : 1;
    char txn_id[300];
    snprintf(txn_id, sizeof(txn_id), "%s-txn", group);
    const char *pkv_txn[] = {"transactional.id", txn_id, "linger.ms", "5", NULL};
    const char *pkv_plain[] = {"enable.idempotence", "true", "linger.ms", "5", NULL};
    rd_kafka_t *p = client(RD_KAFKA_PRODUCER, brokers, txn ? pkv_txn : pkv_plain);
    const char *ckv[] = {"group.id",
                         group,
                         "enable.auto.commit",
                         "false",
                         "auto.offset.reset",
                         "earliest",
                         "isolation.level",
                         "read_committed",
                         "partition.assignment.strategy",
                         "range",
                         NULL};
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, brokers, ckv);
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, from, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(c, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    rd_kafka_error_t *err;
    if (txn && (err = rd_kafka_init_transactions(p, 60000))) die("init_transactions", err);

    rd_kafka_message_t **msgs = calloc((size_t)batch, sizeof(*msgs));
    long done = 0, first = 0;
    double t0 = 0;
    while (done < count) {
        int n = 0;
        double deadline = now_s() + 0.1; /* qw-ingest's default --batch-ms */
        while (n < batch && now_s() < deadline) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 20);
            if (!m) continue;
            if (m->err) {
                rd_kafka_message_destroy(m);
                continue;
            }
            msgs[n++] = m;
        }
        if (!n) continue;
        if (txn && (err = rd_kafka_begin_transaction(p))) die("begin_transaction", err);
        for (int i = 0; i < n; i++) {
            rd_kafka_resp_err_t e;
            while ((e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(to),
                                          RD_KAFKA_V_KEY(msgs[i]->key, msgs[i]->key_len),
                                          RD_KAFKA_V_VALUE(msgs[i]->payload, msgs[i]->len),
                                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                          RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(p, 10);
            if (e) die(rd_kafka_err2str(e), NULL);
        }
        rd_kafka_topic_partition_list_t *offs;
        rd_kafka_assignment(c, &offs);
        rd_kafka_position(c, offs);
        if (txn) {
            rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(c);
            err = rd_kafka_send_offsets_to_transaction(p, offs, md, -1);
            rd_kafka_consumer_group_metadata_destroy(md);
            if (err) die("send_offsets_to_transaction", err);
            if ((err = rd_kafka_commit_transaction(p, -1))) die("commit_transaction", err);
        } else {
            rd_kafka_flush(p, -1);
            rd_kafka_commit(c, offs, 0);
        }
        rd_kafka_topic_partition_list_destroy(offs);
        for (int i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
        done += n;
        if (!t0) {
            t0 = now_s();
            first = done;
        }
    }
    double dt = now_s() - t0;
    printf("copy%s: %ld messages in %.2f s = %.0f msg/s (first batch of %ld not timed)\n",
           txn ? " (transactions)" : " (plain)", done - first, dt, (done - first) / dt, first);
    free(msgs);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_destroy(p);
    return 0;
}
