/* qw-test-credits: produce test input for the evaluator, transactionally (as qw-ingest does).
 *   qw-test-credits --brokers B --topic T credits FILE.jsonl [--txn N]
 *       one CreditEntry per line: {"id","deal_id","rep_id","kind":"credit|clawback|adjustment",
 *       "amount_minor","currency","close_date","event_time_ms","reason","won_date",
 *       "discount_bp"}; key = rep id; a transaction every N records (default 50).
 *   qw-test-credits --brokers B --topic T quotas FILE.csv   (QuotaAssignment, key rep:period)
 *   qw-test-credits --brokers B --topic T roster FILE.csv   (RepProfile, key rep id)
 * Exit 0 when every record was committed. */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quotawatch/csv.h"
#include "quotawatch/roster_pb.h"
#include "quotawatch/date.h"
#include "quotawatch/v1/credit_entry.pb-c.h"
#include "quotawatch/v1/roster.pb-c.h"

static rd_kafka_t *rk;
static const char *topic;
static int in_txn, txn_n, txn_size = 50;
static long total;

static void die(const char *what, rd_kafka_error_t *e)
{
    fprintf(stderr, "qw-test-credits: %s: %s\n", what, e ? rd_kafka_error_string(e) : "failed");
    exit(1);
}

static void begin(void)
{
    if (in_txn) return;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(rk);
    if (e) die("begin_transaction", e);
    in_txn = 1;
    txn_n = 0;
}

static void commit(void)
{
    if (!in_txn) return;
    rd_kafka_error_t *e = rd_kafka_commit_transaction(rk, 60000);
    if (e) die("commit_transaction", e);
    in_txn = 0;
}

static void send_record(const char *key, size_t klen, const void *val, size_t vlen)
{
    begin();
    for (;;) {
        rd_kafka_resp_err_t err =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
                              RD_KAFKA_V_VALUE((void *)val, vlen),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 50);
            continue;
        }
        if (err) {
            fprintf(stderr, "qw-test-credits: produce: %s\n", rd_kafka_err2str(err));
            exit(1);
        }
        break;
    }
    total++;
    if (++txn_n >= txn_size) commit();
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static int credits(const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (n <= 1) continue;
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o) {
            fprintf(stderr, "%s:%d: %s\n", path, lineno, je.text);
            return 1;
        }
        Quotawatch__V1__CreditEntry m = QUOTAWATCH__V1__CREDIT_ENTRY__INIT;
        m.id = (char *)jstr(o, "id");
        m.deal_id = (char *)jstr(o, "deal_id");
        m.rep_id = (char *)jstr(o, "rep_id");
        const char *kind = jstr(o, "kind");
        m.kind = !strcmp(kind, "clawback")     ? QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_CLAWBACK
                 : !strcmp(kind, "adjustment") ? QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_ADJUSTMENT
                                               : QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_CREDIT;
        m.amount_minor = json_integer_value(json_object_get(o, "amount_minor"));
        m.deal_version = json_integer_value(json_object_get(o, "deal_version"));
        m.currency = (char *)(*jstr(o, "currency") ? jstr(o, "currency") : "USD");
        m.close_date = (char *)jstr(o, "close_date");
        m.won_date = (char *)jstr(o, "won_date");
        m.event_time_ms = json_integer_value(json_object_get(o, "event_time_ms"));
        m.reason = (char *)(*jstr(o, "reason") ? jstr(o, "reason") : "won");
        m.discount_bp = (int32_t)json_integer_value(json_object_get(o, "discount_bp"));
        Quotawatch__V1__Money orig = QUOTAWATCH__V1__MONEY__INIT;
        orig.amount_minor = m.amount_minor;
        orig.currency = m.currency;
        m.original = &orig;
        size_t len = quotawatch__v1__credit_entry__get_packed_size(&m);
        uint8_t *buf = malloc(len ? len : 1);
        quotawatch__v1__credit_entry__pack(&m, buf);
        send_record(m.rep_id, strlen(m.rep_id), buf, len);
        free(buf);
        json_decref(o);
    }
    free(line);
    if (f != stdin) fclose(f);
    return 0;
}

static int on_quota(void *opaque, const qw_quota_t *q)
{
    (void)opaque;
    Quotawatch__V1__QuotaAssignment m = QUOTAWATCH__V1__QUOTA_ASSIGNMENT__INIT;
    m.rep_id = (char *)q->rep_id;
    m.period = (char *)q->period;
    m.amount_minor = q->amount_minor;
    m.currency = (char *)q->currency;
    m.version = (char *)q->version;
    m.effective_ms = q->effective_ms;
    size_t len = quotawatch__v1__quota_assignment__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    quotawatch__v1__quota_assignment__pack(&m, buf);
    char key[300];
    snprintf(key, sizeof(key), "%s:%s", q->rep_id, q->period);
    send_record(key, strlen(key), buf, len);
    free(buf);
    return 0;
}

static int on_rep(void *opaque, const qw_rep_profile_t *p)
{
    (void)opaque;
    size_t len = 0;
    uint8_t *buf = qw_roster_profile_pack(p, &len);
    if (!buf) return -1;
    send_record(p->rep_id, strlen(p->rep_id), buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    const char *brokers = getenv("QW_KAFKA_BOOTSTRAP");
    const char *mode = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--brokers") && i + 1 < argc)
            brokers = argv[++i];
        else if (!strcmp(argv[i], "--topic") && i + 1 < argc)
            topic = argv[++i];
        else if (!strcmp(argv[i], "--txn") && i + 1 < argc)
            txn_size = atoi(argv[++i]);
        else if (!mode)
            mode = argv[i];
        else
            file = argv[i];
    }
    if (!brokers || !topic || !mode || !file || txn_size < 1) {
        fprintf(stderr, "usage: qw-test-credits --brokers B --topic T [--txn N] "
                        "credits|quotas|roster FILE\n");
        return 2;
    }
    char err[512], tid[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(tid, sizeof(tid), "qw-test-credits-%d-%ld", (int)getpid(), (long)time(NULL));
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "transactional.id", tid, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof(err))) {
        fprintf(stderr, "qw-test-credits: %s\n", err);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "qw-test-credits: %s\n", err);
        return 1;
    }
    rd_kafka_error_t *e = rd_kafka_init_transactions(rk, 60000);
    if (e) die("init_transactions", e);
    int rc;
    char cerr[256] = "";
    if (!strcmp(mode, "credits")) {
        rc = credits(file);
    } else if (!strcmp(mode, "quotas")) {
        rc = qw_csv_quota_load_file(file, on_quota, NULL, cerr, sizeof(cerr)) ? 1 : 0;
    } else if (!strcmp(mode, "roster")) {
        rc = qw_csv_roster_load_file(file, on_rep, NULL, cerr, sizeof(cerr)) ? 1 : 0;
    } else {
        fprintf(stderr, "qw-test-credits: unknown mode %s\n", mode);
        rc = 2;
    }
    if (rc) {
        if (cerr[0]) fprintf(stderr, "qw-test-credits: %s\n", cerr);
        return rc;
    }
    commit();
    rd_kafka_destroy(rk);
    fprintf(stderr, "qw-test-credits: %ld records committed to %s\n", total, topic);
    return 0;
}
