/* qw-test-notifier-kafka: publishes test Decisions (CloudEvents binary mode, protobuf body)
 * or roster RepProfiles to Kafka, in one transaction, and reads a topic's records with their
 * headers (the notifier's DLQ), for the notifier's integration tests.
 *
 *   qw-test-notifier-kafka --brokers B [--topic-prefix P] decisions --count N [--first K]
 *       [--id-prefix X] [--type T] [--rep R] [--reps K] [--team T] [--audience rep,team]
 *   qw-test-notifier-produce --brokers B [--topic-prefix P] roster --rep R [--name N]
 *       [--email E] [--slack U] [--manager M] [--team T] [--opt-out]
 *   qw-test-notifier-kafka --brokers B [--topic-prefix P] read --topic T
 *       prints one line per record: key, then name=value for each header, tab-separated */
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quotawatch/v1/decision.pb-c.h"
#include "quotawatch/v1/roster.pb-c.h"

static void die(const char *what, const char *why)
{
    fprintf(stderr, "qw-test-notifier-kafka: %s: %s\n", what, why);
    exit(1);
}

static void check(rd_kafka_error_t *e, const char *what)
{
    if (e) die(what, rd_kafka_error_string(e));
}

/* Reads every record of the topic from the beginning to the end as it is now. */
static int read_all(const char *brokers, const char *prefix, const char *base)
{
    if (!base) die("read", "--topic is required");
    char err[512], topic[256], group[64];
    snprintf(topic, sizeof(topic), "%s%s", prefix, base);
    snprintf(group, sizeof(group), "qw-test-read-%d", (int)getpid());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof(err)))
        die("conf", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) die("consumer", err);
    rd_kafka_poll_set_consumer(rk);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, t, &md, 10000) || md->topic_cnt != 1 || md->topics[0].err)
        die("metadata", topic);
    int parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    int eofs = 0;
    for (int idle = 0; eofs < parts && idle < 100;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            idle++;
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (!m->err) {
            printf("%.*s", (int)m->key_len, m->key ? (const char *)m->key : "");
            rd_kafka_headers_t *h = NULL;
            if (!rd_kafka_message_headers(m, &h)) {
                const char *name;
                const void *val;
                size_t vl;
                for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &vl); i++)
                    printf("\t%s=%.*s", name, (int)vl, val ? (const char *)val : "");
            }
            printf("\n");
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv)
{
    const char *brokers = getenv("QW_KAFKA_BOOTSTRAP"), *prefix = "", *id_prefix = "it-dec",
               *type = "reward.quota_achieved", *rep = "rep-1", *team = "team-east",
               *audience = "rep,manager,team", *name = "", *email = "", *slack = "", *manager = "";
    long count = 1, first = 0, reps = 1;
    int opt_out = 0;
    const char *read_topic = NULL;
    static struct option lo[] = {{"brokers", 1, 0, 'b'},
                                 {"topic-prefix", 1, 0, 'p'},
                                 {"count", 1, 0, 'n'},
                                 {"first", 1, 0, 'f'},
                                 {"id-prefix", 1, 0, 'i'},
                                 {"type", 1, 0, 't'},
                                 {"rep", 1, 0, 'r'},
                                 {"reps", 1, 0, 'k'},
                                 {"team", 1, 0, 'T'},
                                 {"audience", 1, 0, 'a'},
                                 {"name", 1, 0, 'N'},
                                 {"email", 1, 0, 'e'},
                                 {"slack", 1, 0, 's'},
                                 {"manager", 1, 0, 'm'},
                                 {"opt-out", 0, 0, 'o'},
                                 {"topic", 1, 0, 'x'},
                                 {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'b':
            brokers = optarg;
            break;
        case 'p':
            prefix = optarg;
            break;
        case 'n':
            count = strtol(optarg, NULL, 10);
            break;
        case 'f':
            first = strtol(optarg, NULL, 10);
            break;
        case 'i':
            id_prefix = optarg;
            break;
        case 't':
            type = optarg;
            break;
        case 'r':
            rep = optarg;
            break;
        case 'k':
            reps = strtol(optarg, NULL, 10);
            break;
        case 'T':
            team = optarg;
            break;
        case 'a':
            audience = optarg;
            break;
        case 'N':
            name = optarg;
            break;
        case 'e':
            email = optarg;
            break;
        case 's':
            slack = optarg;
            break;
        case 'm':
            manager = optarg;
            break;
        case 'o':
            opt_out = 1;
            break;
        case 'x':
            read_topic = optarg;
            break;
        default:
            return 2;
        }
    }
    if (optind >= argc || !brokers) {
        fprintf(stderr, "usage: see the comment at the top of tests/tools/notifier_kafka.c\n");
        return 2;
    }
    const char *what = argv[optind];
    if (strcmp(what, "read") == 0) return read_all(brokers, prefix, read_topic);
    int is_roster = strcmp(what, "roster") == 0;
    if (!is_roster && strcmp(what, "decisions") != 0) die(what, "expected decisions or roster");

    char err[512], txid[64], topic[256];
    snprintf(topic, sizeof(topic), "%s%s", prefix, is_roster ? "qw.roster.v1" : "qw.decisions.v1");
    snprintf(txid, sizeof(txid), "qw-test-notifier-%d-%ld", (int)getpid(), (long)time(NULL));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "transactional.id", txid, err, sizeof(err)))
        die("conf", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) die("producer", err);
    check(rd_kafka_init_transactions(rk, 60000), "init_transactions");
    check(rd_kafka_begin_transaction(rk), "begin_transaction");

    if (is_roster) {
        Quotawatch__V1__RepProfile p = QUOTAWATCH__V1__REP_PROFILE__INIT;
        p.rep_id = (char *)rep;
        p.name = (char *)name;
        p.email = (char *)email;
        p.slack_user_id = (char *)slack;
        p.manager_id = (char *)manager;
        p.team_id = (char *)team;
        p.recognition_opt_out = opt_out;
        p.active = 1;
        size_t len = quotawatch__v1__rep_profile__get_packed_size(&p);
        uint8_t *buf = malloc(len ? len : 1);
        quotawatch__v1__rep_profile__pack(&p, buf);
        if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(rep, strlen(rep)),
                              RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END))
            die("produce", "roster");
        free(buf);
    } else {
        char *aud[8];
        int naud = 0;
        char *audcopy = strdup(audience);
        for (char *t = strtok(audcopy, ","); t && naud < 8; t = strtok(NULL, ","))
            aud[naud++] = t;
        for (long i = first; i < first + count; i++) {
            char id[128], repid[128], ts[40];
            snprintf(id, sizeof(id), "%s-%05ld", id_prefix, i);
            if (reps > 1)
                snprintf(repid, sizeof(repid), "%s-%ld", rep, i % reps);
            else
                snprintf(repid, sizeof(repid), "%s", rep);
            Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
            d.id = id;
            d.type = (char *)type;
            d.rep_id = repid;
            d.team_id = (char *)team;
            d.period = "2026-11";
            d.time_ms = (int64_t)time(NULL) * 1000;
            d.audience = aud;
            d.n_audience = (size_t)naud;
            d.policy_version = "policy-test-1";
            d.quota_version = "quota-test-1";
            d.quota_minor = 5000000;
            d.attainment_bp = 10000 + i;
            d.credited_minor = d.quota_minor * d.attainment_bp / 10000;
            d.currency = "USD";
            d.summary = "Crossed quota for 2026-11.";
            Quotawatch__V1__Evidence e = QUOTAWATCH__V1__EVIDENCE__INIT, *ev[1] = {&e};
            e.key = "deals_won";
            e.value = 3 + i;
            d.evidence = ev;
            d.n_evidence = 1;
            size_t len = quotawatch__v1__decision__get_packed_size(&d);
            uint8_t *buf = malloc(len);
            quotawatch__v1__decision__pack(&d, buf);
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
            if (rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(repid, strlen(repid)),
                    RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADER("ce_specversion", "1.0", -1),
                    RD_KAFKA_V_HEADER("ce_id", id, -1), RD_KAFKA_V_HEADER("ce_type", type, -1),
                    RD_KAFKA_V_HEADER("ce_source", "/quotawatch/evaluator", -1),
                    RD_KAFKA_V_HEADER("ce_subject", repid, -1),
                    RD_KAFKA_V_HEADER("ce_time", ts, -1),
                    RD_KAFKA_V_HEADER("content-type", "application/protobuf", -1), RD_KAFKA_V_END))
                die("produce", "decision");
            free(buf);
            rd_kafka_poll(rk, 0);
        }
        free(audcopy);
    }
    check(rd_kafka_commit_transaction(rk, 60000), "commit_transaction");
    rd_kafka_destroy(rk);
    return 0;
}
