/* Reference data in memory (roster, versioned quotas) and the injectable business clock. */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evclock.h"
#include "quotawatch/metrics.h"
#include "quotawatch/roster_pb.h"
#include "refdata.h"

Test(evaluator_refdata, newest_quota_version_wins_per_rep_and_period)
{
    qw_refdata_t d;
    qw_refdata_init(&d);
    qw_quota_t q = {.rep_id = "r1",
                    .period = "2026-11",
                    .amount_minor = 100,
                    .currency = "USD",
                    .version = "v1"};
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    q.amount_minor = 200;
    snprintf(q.version, sizeof(q.version), "v2");
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    snprintf(q.period, sizeof(q.period), "2026-12");
    q.amount_minor = 300;
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    const qw_quota_t *got = qw_refdata_quota(&d, "r1", "2026-11");
    cr_assert_not_null(got);
    cr_assert_eq(got->amount_minor, 200);
    cr_assert_str_eq(got->version, "v2");
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-12")->amount_minor, 300);
    cr_assert_null(qw_refdata_quota(&d, "r1", "2027-01"));
    cr_assert_null(qw_refdata_quota(&d, "r2", "2026-11"));
    /* "r1" + "2026-11" must not collide with another split of the same characters. */
    qw_quota_t odd = {.rep_id = "r12026", .period = "-11", .currency = "USD", .version = "x"};
    cr_assert_eq(qw_refdata_put_quota(&d, &odd), QW_OK);
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-11")->amount_minor, 200);
    qw_rep_profile_t p;
    memset(&p, 0, sizeof(p));
    snprintf(p.rep_id, sizeof(p.rep_id), "r1");
    snprintf(p.team_id, sizeof(p.team_id), "east");
    cr_assert_eq(qw_refdata_put_profile(&d, &p), QW_OK);
    snprintf(p.team_id, sizeof(p.team_id), "west");
    cr_assert_eq(qw_refdata_put_profile(&d, &p), QW_OK);
    cr_assert_str_eq(qw_refdata_profile(&d, "r1")->team_id, "west");
    cr_assert_null(qw_refdata_profile(&d, "r2"));
    qw_refdata_free(&d);
}

Test(evaluator_refdata, csv_files_load)
{
    char dir[] = "/tmp/qw-ev-ref-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/q.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("rep_id,period,amount,currency,version\nr1,2026-11,50000.00,USD,v1\n"
          "r1,2026-11,60000.00,USD,v2\n",
          f);
    fclose(f);
    qw_refdata_t d;
    qw_refdata_init(&d);
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_refdata_load_quotas_csv(&d, path, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-11")->amount_minor, 6000000,
                 "a later row is a newer version");
    cr_assert_eq(qw_refdata_load_roster_csv(&d, "/nonexistent/roster.csv", err, sizeof(err)),
                 QW_ERR);
    cr_assert(strstr(err, "/nonexistent/roster.csv"), "%s", err);
    qw_refdata_free(&d);
    unlink(path);
    rmdir(dir);
}

Test(evaluator_refdata, clock_fake_offset_and_file)
{
    qw_evclock_t c;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_evclock_init(&c, "2026-12-04T00:00:00Z", 1000, NULL, err, sizeof(err)), QW_OK);
    qw_clock_t k = qw_evclock_clock(&c);
    cr_assert_eq(qw_clock_now(&k), 1796342400000LL + 1000);
    cr_assert_eq(qw_evclock_init(&c, "yesterday", 0, NULL, err, sizeof(err)), QW_ERR);

    char path[] = "/tmp/qw-ev-clock-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "1796342400123\n", 14), 14);
    close(fd);
    cr_assert_eq(qw_evclock_init(&c, NULL, 0, path, err, sizeof(err)), QW_OK);
    k = qw_evclock_clock(&c);
    cr_assert_eq(qw_clock_now(&k), 1796342400123LL);
    FILE *f = fopen(path, "w");
    fputs("2026-12-05T00:00:00Z\n", f);
    fclose(f);
    usleep(150000); /* re-read at most every 100 ms */
    cr_assert_eq(qw_clock_now(&k), 1796342400000LL + 86400000LL);
    unlink(path);

    cr_assert_eq(qw_evclock_init(&c, NULL, -5000, NULL, err, sizeof(err)), QW_OK);
    k = qw_evclock_clock(&c);
    int64_t sys = qw_clock_now(&qw_clock_system);
    int64_t t = qw_clock_now(&k);
    cr_assert(t <= sys - 5000 + 50 && t >= sys - 5000 - 50, "system clock shifted");
}

/* Kafka API keys (not in librdkafka's public headers). */
enum { API_LIST_OFFSETS = 2 };

/* Right after the roster and quota topics are created their leaders are not known yet and the
 * watermark query fails: the follower used to free its partition list and then read it for
 * the message (a crash at start-up). It must wait and retry instead. */
Test(evaluator_refdata, follow_retries_while_partitions_are_not_ready)
{
    char e[512];
    rd_kafka_t *h = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), e, sizeof(e));
    cr_assert_not_null(h, "%s", e);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(h, 1);
    cr_assert_not_null(mc);
    cr_assert_eq(rd_kafka_mock_topic_create(mc, "t-qw.roster.v1", 1, 1), 0);
    cr_assert_eq(rd_kafka_mock_topic_create(mc, "t-qw.quotas.v1", 2, 1), 0);
    /* A non-retriable error so that librdkafka hands it to the caller at once. */
    rd_kafka_mock_push_request_errors(
        mc, API_LIST_OFFSETS, 3, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    qw_refdata_t d;
    qw_refdata_init(&d);
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(
        qw_refdata_follow(&d, rd_kafka_mock_cluster_bootstraps(mc), "t-", NULL, err, sizeof(err)),
        QW_OK, "%s", err);
    cr_assert_eq(d.npart, 3);
    cr_assert_gt(d.follow_attempts, 1, "the failed watermark queries were retried");
    for (int i = 0; i < 50 && !d.caught_up; i++)
        qw_refdata_poll(&d, 100);
    cr_assert(d.caught_up, "empty topics: caught up at once");
    qw_refdata_free(&d);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(h);
}

static void produce(rd_kafka_t *p, const char *topic, const char *key, const void *val, size_t len)
{
    cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                   RD_KAFKA_V_VALUE((void *)val, len),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                 0);
}

static int64_t rejected(const char *topic, const char *reason)
{
    char labels[96];
    snprintf(labels, sizeof(labels), "topic=\"%s\",reason=\"%s\"", topic, reason);
    return qw_metric_value(qw_metrics_counter("qw_evaluator_refdata_rejected_total", "", labels));
}

/* Bad records on the topics are logged, counted by reason and never applied; good ones are. */
Test(evaluator_refdata, bad_topic_records_are_counted_and_not_applied)
{
    char e[512];
    rd_kafka_t *h = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), e, sizeof(e));
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(h, 1);
    cr_assert_not_null(mc);
    rd_kafka_mock_topic_create(mc, "u-qw.roster.v1", 1, 1);
    rd_kafka_mock_topic_create(mc, "u-qw.quotas.v1", 1, 1);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    cr_assert_eq(rd_kafka_conf_set(pc, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mc), e,
                                   sizeof(e)),
                 RD_KAFKA_CONF_OK);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof(e));
    cr_assert_not_null(p, "%s", e);

    qw_rep_profile_t prof;
    memset(&prof, 0, sizeof(prof));
    prof.active = 1;
    size_t len;
    uint8_t *buf;
    snprintf(prof.rep_id, sizeof(prof.rep_id), "r1");
    buf = qw_roster_profile_pack(&prof, &len);
    produce(p, "u-qw.roster.v1", "r1", buf, len);
    produce(p, "u-qw.roster.v1", "r9", buf, len); /* a key that is not its rep */
    free(buf);
    snprintf(prof.rep_id, sizeof(prof.rep_id), "r3");
    snprintf(prof.manager_id, sizeof(prof.manager_id), "m1\r\nX-Injected: yes"); /* bad_id */
    buf = qw_roster_profile_pack(&prof, &len);
    produce(p, "u-qw.roster.v1", "r3", buf, len);
    free(buf);
    prof.manager_id[0] = '\0';
    produce(p, "u-qw.roster.v1", "r2", "\xff\xff\xff", 3);

    qw_quota_t q = {.rep_id = "r1",
                    .period = "2026-Q4",
                    .amount_minor = 100,
                    .currency = "USD",
                    .version = "v1"};
    buf = qw_roster_quota_pack(&q, &len);
    produce(p, "u-qw.quotas.v1", "r1:2026-Q4", buf, len);
    free(buf);
    snprintf(q.period, sizeof(q.period), "2026-11"); /* a month under a quarter policy */
    buf = qw_roster_quota_pack(&q, &len);
    produce(p, "u-qw.quotas.v1", "r1:2026-11", buf, len);
    free(buf);
    snprintf(q.period, sizeof(q.period), "2026-Q3");
    memcpy(q.currency, "GBP", 4); /* no rate in the policy */
    buf = qw_roster_quota_pack(&q, &len);
    produce(p, "u-qw.quotas.v1", "r1:2026-Q3", buf, len);
    free(buf);
    cr_assert_eq(rd_kafka_flush(p, 10000), 0);

    qw_policy_t pol;
    qw_policy_defaults(&pol);
    pol.period = QW_PERIOD_QUARTER;
    qw_refdata_t d;
    qw_refdata_init(&d);
    qw_refdata_set_policy(&d, &pol);
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(
        qw_refdata_follow(&d, rd_kafka_mock_cluster_bootstraps(mc), "u-", NULL, err, sizeof(err)),
        QW_OK, "%s", err);
    for (int i = 0; i < 100 && !d.caught_up; i++)
        qw_refdata_poll(&d, 100);
    cr_assert(d.caught_up);
    cr_assert_eq(d.records, 7);
    cr_assert_eq(d.invalid, 5);
    cr_assert_null(qw_refdata_profile(&d, "r3"), "a manager id with CR/LF is not applied");
    cr_assert_eq(rejected("qw.roster.v1", "bad_id"), 1);
    cr_assert_not_null(qw_refdata_profile(&d, "r1"));
    cr_assert_null(qw_refdata_profile(&d, "r9"));
    cr_assert_null(qw_refdata_profile(&d, "r2"));
    cr_assert_not_null(qw_refdata_quota(&d, "r1", "2026-Q4"));
    cr_assert_null(qw_refdata_quota(&d, "r1", "2026-11"));
    cr_assert_null(qw_refdata_quota(&d, "r1", "2026-Q3"));
    cr_assert_eq(rejected("qw.roster.v1", "key_mismatch"), 1);
    cr_assert_eq(rejected("qw.roster.v1", "not_protobuf"), 1);
    cr_assert_eq(rejected("qw.quotas.v1", "period"), 1);
    cr_assert_eq(rejected("qw.quotas.v1", "currency"), 1);
    qw_refdata_free(&d);
    rd_kafka_destroy(p);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(h);
}
