/*
 * qw-kafka-compat: proves that the librdkafka of this machine (Debian's 2.0.2) works with the
 * local stack's Kafka: idempotent produce with delivery reports, a consumer group that joins,
 * receives and commits, and transactions (commit, abort, read_committed isolation and
 * send_offsets_to_transaction with a group's metadata).
 *
 * Usage: qw-kafka-compat BOOTSTRAP PREFIX
 * Needs the topics PREFIX.plain (any partitions), PREFIX.txn (1 partition) and PREFIX.txout
 * (1 partition). Exits 0 when every check passed, 1 otherwise.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define PLAIN_COUNT 50
#define TXN_COUNT   10
#define TIMEOUT_MS  60000

static const char *g_bootstrap;
static char g_plain[256], g_txn[256], g_txout[256];
static char g_prefix[200];
static int g_delivered, g_delivery_errors;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(int ok, const char *what)
{
    if (!ok) fail("%s", what);
    printf("ok: %s\n", what);
    fflush(stdout);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        fail("config %s: %s", k, err); /* never the value: it may be a secret */
}

/* librdkafka only tells the negotiated protocol features through its debug log. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (strstr(buf, "protocol features") || level <= 3)
        fprintf(stderr, "  rdkafka %s: %s\n", fac, buf);
}

/* Extra client properties from the command line (key=value; value @FILE is read from FILE),
 * e.g. the SASL_SSL settings of core_kafka_sasl_ssl.sh. */
static char **g_props;
static int g_nprops;

static void conf_set_arg(rd_kafka_conf_t *conf, const char *kv)
{
    char key[256], val[1024];
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key)
        fail("property %s: expected key=value", kv);
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = 0;
    snprintf(val, sizeof val, "%s", eq + 1);
    if (val[0] == '@') {
        FILE *f = fopen(val + 1, "r");
        if (!f || !fgets(val, sizeof val, f)) fail("property %s: cannot read %s", key, eq + 2);
        fclose(f);
        val[strcspn(val, "\r\n")] = 0;
    }
    conf_set(conf, key, val);
}

static rd_kafka_conf_t *base_conf(void)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "bootstrap.servers", g_bootstrap);
    conf_set(conf, "client.id", "qw-kafka-compat");
    for (int i = 0; i < g_nprops; i++)
        conf_set_arg(conf, g_props[i]);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    return conf;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        g_delivery_errors++;
        fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
    } else {
        g_delivered++;
    }
}

static rd_kafka_t *new_producer(const char *transactional_id, int show_features)
{
    char err[512];
    rd_kafka_conf_t *conf = base_conf();
    if (show_features) conf_set(conf, "debug", "feature");
    conf_set(conf, "enable.idempotence", "true");
    conf_set(conf, "acks", "all");
    if (transactional_id) conf_set(conf, "transactional.id", transactional_id);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) fail("producer: %s", err);
    return rk;
}

static rd_kafka_t *new_consumer(const char *group, const char *isolation)
{
    char err[512];
    rd_kafka_conf_t *conf = base_conf();
    conf_set(conf, "group.id", group);
    conf_set(conf, "auto.offset.reset", "earliest");
    conf_set(conf, "enable.auto.commit", "false");
    conf_set(conf, "enable.partition.eof", "true");
    conf_set(conf, "isolation.level", isolation);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) fail("consumer: %s", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static void produce(rd_kafka_t *rk, const char *topic, const char *fmt, int i)
{
    char key[32], val[64];
    snprintf(key, sizeof key, "k%d", i);
    snprintf(val, sizeof val, fmt, i);
    rd_kafka_resp_err_t e;
    for (;;) {
        e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE(val, strlen(val)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(rk, 100);
    }
    if (e) fail("produce to %s: %s", topic, rd_kafka_err2str(e));
}

static void txn_ok(rd_kafka_error_t *error, const char *what)
{
    if (error) {
        fail("%s: %s (retriable=%d abortable=%d fatal=%d)", what, rd_kafka_error_string(error),
             rd_kafka_error_is_retriable(error), rd_kafka_error_txn_requires_abort(error),
             rd_kafka_error_is_fatal(error));
    }
    printf("ok: %s\n", what);
    fflush(stdout);
}

/* Prints the broker's id/address from metadata: proof the client speaks to it at all. */
static void show_metadata(rd_kafka_t *rk)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, 10000);
    if (e) fail("metadata: %s", rd_kafka_err2str(e));
    for (int i = 0; i < md->broker_cnt; i++)
        printf("broker %d at %s:%d (librdkafka %s)\n", md->brokers[i].id, md->brokers[i].host,
               md->brokers[i].port, rd_kafka_version_str());
    check(md->broker_cnt >= 1, "metadata lists the broker");
    rd_kafka_metadata_destroy(md);
}

/* seen[] counts each "<tag>-<i>" value; counts messages until every partition hit EOF or the
 * deadline. Returns the number of data messages. */
static int drain(rd_kafka_t *c, int partitions, int *seen_commit, int *seen_abort, int want_min)
{
    int eofs = 0, n = 0;
    int64_t deadline = now_ms() + TIMEOUT_MS;
    while (now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
            rd_kafka_message_destroy(m);
            if (eofs >= partitions && n >= want_min) break;
            continue;
        }
        if (m->err) fail("consume: %s", rd_kafka_message_errstr(m));
        char val[64] = {0};
        size_t len = m->len < sizeof val - 1 ? m->len : sizeof val - 1;
        memcpy(val, m->payload, len);
        int i;
        if (sscanf(val, "commit-%d", &i) == 1 && i >= 0 && i < TXN_COUNT && seen_commit)
            seen_commit[i]++;
        else if (sscanf(val, "abort-%d", &i) == 1 && i >= 0 && i < TXN_COUNT && seen_abort)
            seen_abort[i]++;
        else if (sscanf(val, "plain-%d", &i) == 1 && i >= 0 && i < PLAIN_COUNT && seen_commit)
            seen_commit[i]++;
        n++;
        rd_kafka_message_destroy(m);
    }
    return n;
}

static void check_produce_and_group(void)
{
    rd_kafka_t *p = new_producer(NULL, 1);
    show_metadata(p);
    for (int i = 0; i < PLAIN_COUNT; i++)
        produce(p, g_plain, "plain-%d", i);
    rd_kafka_flush(p, TIMEOUT_MS);
    check(g_delivered == PLAIN_COUNT && g_delivery_errors == 0,
          "idempotent producer: every message has a successful delivery report");
    rd_kafka_destroy(p);

    char group[300];
    snprintf(group, sizeof group, "%sgroup", g_prefix);
    rd_kafka_t *c = new_consumer(group, "read_committed");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, g_plain, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) fail("subscribe: %s", rd_kafka_err2str(e));

    int seen[PLAIN_COUNT] = {0}, n = 0;
    int64_t deadline = now_ms() + TIMEOUT_MS;
    while (n < PLAIN_COUNT && now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
        if (!m) continue;
        if (!m->err) {
            char val[64] = {0};
            memcpy(val, m->payload, m->len < sizeof val - 1 ? m->len : sizeof val - 1);
            int i;
            if (sscanf(val, "plain-%d", &i) == 1 && i >= 0 && i < PLAIN_COUNT) seen[i]++;
            n++;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            fail("group consume: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    int exact = n == PLAIN_COUNT;
    for (int i = 0; i < PLAIN_COUNT; i++)
        exact = exact && seen[i] == 1;
    check(exact, "consumer group joined and received every message exactly once");

    rd_kafka_topic_partition_list_t *asg = NULL;
    if (rd_kafka_assignment(c, &asg)) fail("assignment");
    printf("group %s assigned %d partitions\n", group, asg->cnt);
    check(asg->cnt >= 1, "group assignment is not empty");
    rd_kafka_topic_partition_list_destroy(asg);
    e = rd_kafka_commit(c, NULL, 0);
    check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "synchronous offset commit in the group");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);

    /* A fresh member of the same group sees the committed offsets: they add up to all messages. */
    c = new_consumer(group, "read_committed");
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(c, g_plain, NULL);
    if (rd_kafka_metadata(c, 0, t, &md, 10000)) fail("metadata of %s", g_plain);
    int parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(parts);
    for (int i = 0; i < parts; i++)
        rd_kafka_topic_partition_list_add(offs, g_plain, i);
    if (rd_kafka_committed(c, offs, 10000)) fail("committed");
    int64_t sum = 0;
    for (int i = 0; i < offs->cnt; i++)
        if (offs->elems[i].offset > 0) sum += offs->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(offs);
    printf("committed offsets of group %s sum to %" PRId64 "\n", group, sum);
    check(sum == PLAIN_COUNT, "committed group offsets cover every message");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

/* Reads PREFIX.txn from the start (one partition) with the given isolation level. */
static void read_txn_topic(const char *isolation, int *n, int *seen_commit, int *seen_abort,
                           int want_min)
{
    char group[300];
    snprintf(group, sizeof group, "%sreader-%s", g_prefix, isolation);
    rd_kafka_t *c = new_consumer(group, isolation);
    rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(a, g_txn, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(c, a)) fail("assign");
    rd_kafka_topic_partition_list_destroy(a);
    *n = drain(c, 1, seen_commit, seen_abort, want_min);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

static void check_transactions(void)
{
    char txid[300];
    snprintf(txid, sizeof txid, "%stxid", g_prefix);
    g_delivered = g_delivery_errors = 0;
    rd_kafka_t *p = new_producer(txid, 0);
    txn_ok(rd_kafka_init_transactions(p, TIMEOUT_MS), "init_transactions");

    txn_ok(rd_kafka_begin_transaction(p), "begin_transaction (to commit)");
    for (int i = 0; i < TXN_COUNT; i++)
        produce(p, g_txn, "commit-%d", i);
    txn_ok(rd_kafka_commit_transaction(p, TIMEOUT_MS), "commit_transaction");

    txn_ok(rd_kafka_begin_transaction(p), "begin_transaction (to abort)");
    for (int i = 0; i < TXN_COUNT; i++)
        produce(p, g_txn, "abort-%d", i);
    /* Flushed first so the aborted messages are really in the log, not just purged locally. */
    rd_kafka_flush(p, TIMEOUT_MS);
    check(g_delivered == 2 * TXN_COUNT && g_delivery_errors == 0,
          "the to-be-aborted messages reached the broker");
    txn_ok(rd_kafka_abort_transaction(p, TIMEOUT_MS), "abort_transaction");

    int n, seen_c[TXN_COUNT] = {0}, seen_a[TXN_COUNT] = {0};
    read_txn_topic("read_committed", &n, seen_c, seen_a, TXN_COUNT);
    int exact = n == TXN_COUNT;
    for (int i = 0; i < TXN_COUNT; i++)
        exact = exact && seen_c[i] == 1 && seen_a[i] == 0;
    printf("read_committed saw %d messages\n", n);
    check(exact, "read_committed sees exactly the committed messages and none aborted");

    int seen_c2[TXN_COUNT] = {0}, seen_a2[TXN_COUNT] = {0};
    read_txn_topic("read_uncommitted", &n, seen_c2, seen_a2, 2 * TXN_COUNT);
    exact = n == 2 * TXN_COUNT;
    for (int i = 0; i < TXN_COUNT; i++)
        exact = exact && seen_c2[i] == 1 && seen_a2[i] == 1;
    printf("read_uncommitted saw %d messages\n", n);
    check(exact, "read_uncommitted sees the aborted messages too (the abort really happened)");

    /* Consume-transform-produce: the input offsets commit atomically with the output. */
    char group[300];
    snprintf(group, sizeof group, "%stxgroup", g_prefix);
    rd_kafka_t *c = new_consumer(group, "read_committed");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, g_txn, RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(c, sub)) fail("subscribe %s", g_txn);
    rd_kafka_topic_partition_list_destroy(sub);
    int seen_in[TXN_COUNT] = {0};
    n = drain(c, 1, seen_in, NULL, TXN_COUNT);
    check(n == TXN_COUNT, "transactional group consumer read the committed input");

    txn_ok(rd_kafka_begin_transaction(p), "begin_transaction (consume-transform-produce)");
    for (int i = 0; i < TXN_COUNT; i++)
        produce(p, g_txout, "commit-%d", i);
    rd_kafka_topic_partition_list_t *pos = NULL;
    if (rd_kafka_assignment(c, &pos) || pos->cnt != 1) fail("assignment of %s", group);
    if (rd_kafka_position(c, pos)) fail("position");
    int64_t sent = pos->elems[0].offset;
    printf("sending offset %" PRId64 " of %s with the transaction\n", sent, g_txn);
    rd_kafka_consumer_group_metadata_t *cgmd = rd_kafka_consumer_group_metadata(c);
    txn_ok(rd_kafka_send_offsets_to_transaction(p, pos, cgmd, TIMEOUT_MS),
           "send_offsets_to_transaction with the group's metadata");
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    rd_kafka_topic_partition_list_destroy(pos);
    txn_ok(rd_kafka_commit_transaction(p, TIMEOUT_MS), "commit_transaction (with offsets)");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);

    c = new_consumer(group, "read_committed");
    rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offs, g_txn, 0);
    if (rd_kafka_committed(c, offs, 10000)) fail("committed");
    int64_t got = offs->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(offs);
    rd_kafka_destroy(c);
    printf("group %s committed offset %" PRId64 "\n", group, got);
    check(sent > TXN_COUNT && got == sent, "the transaction committed the group's offset");

    int seen_out[TXN_COUNT] = {0};
    c = new_consumer(group, "read_committed");
    rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(a, g_txout, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(c, a)) fail("assign");
    rd_kafka_topic_partition_list_destroy(a);
    n = drain(c, 1, seen_out, NULL, TXN_COUNT);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    check(n == TXN_COUNT, "the transaction's output is visible to read_committed");

    rd_kafka_destroy(p);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s BOOTSTRAP PREFIX [key=value|key=@FILE ...]\n", argv[0]);
        return 2;
    }
    g_bootstrap = argv[1];
    g_props = argv + 3;
    g_nprops = argc - 3;
    snprintf(g_prefix, sizeof g_prefix, "%s", argv[2]);
    snprintf(g_plain, sizeof g_plain, "%splain", g_prefix);
    snprintf(g_txn, sizeof g_txn, "%stxn", g_prefix);
    snprintf(g_txout, sizeof g_txout, "%stxout", g_prefix);
    printf("librdkafka %s against %s\n", rd_kafka_version_str(), g_bootstrap);

    check_produce_and_group();
    check_transactions();
    printf("kafka compat: all checks passed\n");
    return 0;
}
