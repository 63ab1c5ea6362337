/* lib/io/follow.c: the compacted-topic follower. The pure parts (positions, caught-up, the
 * callback) with hand-made records; the whole follower against librdkafka's mock cluster (no
 * broker needed). */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/follow.h"

typedef struct {
    int n, tombstones;
    char last_key[64], last_value[64];
} seen_t;

static void on_rec(void *opaque, const qw_follow_rec_t *r)
{
    seen_t *s = opaque;
    s->n++;
    s->tombstones += r->tombstone;
    snprintf(s->last_key, sizeof(s->last_key), "%.*s", (int)r->key_len,
             r->key ? (const char *)r->key : "");
    snprintf(s->last_value, sizeof(s->last_value), "%.*s", (int)r->value_len,
             r->value ? (const char *)r->value : "");
}

static rd_kafka_t *consumer(const char *bootstraps)
{
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    cr_assert_eq(rd_kafka_conf_set(c, "group.id", "io-follow", e, sizeof(e)), RD_KAFKA_CONF_OK);
    if (bootstraps)
        cr_assert_eq(rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, e, sizeof(e)),
                     RD_KAFKA_CONF_OK);
    cr_assert_eq(rd_kafka_conf_set(c, "enable.auto.commit", "false", e, sizeof(e)),
                 RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, e, sizeof(e));
    cr_assert_not_null(rk, "%s", e);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

Test(io_follow, init_refuses_a_null_callback_client_or_topic)
{
    rd_kafka_t *rk = consumer(NULL);
    qw_follow_t f;
    char err[QW_ERRSTR_MAX];
    const char *topics[] = {"t", NULL};
    seen_t s = {0};
    cr_assert_eq(qw_follow_init(&f, rk, topics, 1, NULL, &s, NULL, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "callback"), "%s", err);
    cr_assert_eq(qw_follow_init(&f, NULL, topics, 1, on_rec, &s, NULL, err, sizeof(err)), QW_ERR);
    cr_assert_eq(qw_follow_init(&f, rk, topics + 1, 1, on_rec, &s, NULL, err, sizeof(err)), QW_ERR);
    cr_assert_eq(qw_follow_init(&f, rk, topics, 0, on_rec, &s, NULL, err, sizeof(err)), QW_ERR);
    /* Refused: the client is still the caller's. */
    rd_kafka_destroy(rk);
}

Test(io_follow, positions_and_caught_up)
{
    qw_follow_part_t parts[2] = {{.topic = "a", .partition = 0, .high = 3, .pos = 0},
                                 {.topic = "b", .partition = 0, .high = 0, .pos = 0}};
    cr_assert_not(qw_follow_parts_done(parts, 2));
    qw_follow_track(parts, 2, "a", 0, 2);
    cr_assert_eq(parts[0].pos, 2);
    qw_follow_track(parts, 2, "a", 0, 1);
    cr_assert_eq(parts[0].pos, 2, "a position never goes back");
    qw_follow_track(parts, 2, "a", 1, 9);
    qw_follow_track(parts, 2, "c", 0, 9);
    cr_assert_eq(parts[0].pos, 2, "another partition or topic is not this one");
    cr_assert_not(qw_follow_parts_done(parts, 2));
    qw_follow_track(parts, 2, "a", 0, 3);
    cr_assert(qw_follow_parts_done(parts, 2), "an empty partition is done from the start");
    cr_assert(qw_follow_parts_done(NULL, 0));
}

Test(io_follow, deliver_hands_key_value_and_tombstone_to_the_callback)
{
    rd_kafka_t *rk = consumer(NULL);
    qw_follow_t f;
    char err[QW_ERRSTR_MAX];
    const char *topics[] = {""};
    seen_t s = {0};
    topics[0] = "t";
    cr_assert_eq(qw_follow_init(&f, rk, topics, 1, on_rec, &s, NULL, err, sizeof(err)), QW_OK, "%s",
                 err);
    rd_kafka_message_t m;
    memset(&m, 0, sizeof(m));
    m.key = "k1";
    m.key_len = 2;
    m.payload = "v1";
    m.len = 2;
    qw_follow_deliver(&f, &m);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.last_key, "k1");
    cr_assert_str_eq(s.last_value, "v1");
    cr_assert_eq(s.tombstones, 0);
    m.payload = NULL;
    m.len = 0;
    qw_follow_deliver(&f, &m);
    cr_assert_eq(s.tombstones, 1, "no value: a tombstone");
    cr_assert_eq(f.records, 2);
    /* A callback cleared after init is guarded, not called. */
    f.fn = NULL;
    qw_follow_deliver(&f, &m);
    cr_assert_eq(s.n, 2);
    qw_follow_free(&f);
}

static void produce(rd_kafka_t *p, const char *topic, int32_t part, const char *key,
                    const char *val)
{
    cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
                                   RD_KAFKA_V_KEY(key, strlen(key)),
                                   RD_KAFKA_V_VALUE((void *)val, val ? strlen(val) : 0),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                 0);
}

/* Reads what was there at start, says so, then keeps following what comes after. */
Test(io_follow, catches_up_then_keeps_following)
{
    char e[512];
    rd_kafka_t *h = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), e, sizeof(e));
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(h, 1);
    cr_assert_not_null(mc);
    rd_kafka_mock_topic_create(mc, "f-roster", 2, 1);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    cr_assert_eq(rd_kafka_conf_set(pc, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mc), e,
                                   sizeof(e)),
                 RD_KAFKA_CONF_OK);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof(e));
    cr_assert_not_null(p, "%s", e);
    produce(p, "f-roster", 0, "a", "1");
    produce(p, "f-roster", 1, "b", "2");
    produce(p, "f-roster", 1, "a", NULL);
    cr_assert_eq(rd_kafka_flush(p, 10000), 0);

    qw_follow_t f;
    char err[QW_ERRSTR_MAX] = "";
    const char *topics[] = {"f-roster"};
    seen_t s = {0};
    cr_assert_eq(qw_follow_init(&f, consumer(rd_kafka_mock_cluster_bootstraps(mc)), topics, 1,
                                on_rec, &s, "test.follow", err, sizeof(err)),
                 QW_OK, "%s", err);
    cr_assert_eq(qw_follow_wait(&f, 20, 100, 500, NULL, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(f.npart, 2);
    for (int i = 0; i < 100 && !f.caught_up; i++)
        cr_assert_geq(qw_follow_poll(&f, 100, 1000), 0, "%s", f.errstr);
    cr_assert(f.caught_up);
    cr_assert_eq(s.n, 3);
    cr_assert_eq(s.tombstones, 1);

    produce(p, "f-roster", 0, "c", "3");
    cr_assert_eq(rd_kafka_flush(p, 10000), 0);
    for (int i = 0; i < 100 && s.n < 4; i++)
        qw_follow_poll(&f, 100, 1000);
    cr_assert_eq(s.n, 4, "records after the start are followed too");
    cr_assert_str_eq(s.last_key, "c");
    cr_assert_str_eq(s.last_value, "3");

    qw_follow_free(&f);
    rd_kafka_destroy(p);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(h);
}

Test(io_follow, a_missing_topic_is_retried_then_reported)
{
    char e[512];
    rd_kafka_t *h = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), e, sizeof(e));
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(h, 1);
    /* The mock creates topics on demand: make this one answer as a real broker without it. */
    rd_kafka_mock_topic_set_error(mc, "f-none", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    qw_follow_t f;
    char err[QW_ERRSTR_MAX] = "";
    const char *topics[] = {"f-none"};
    seen_t s = {0};
    cr_assert_eq(qw_follow_init(&f, consumer(rd_kafka_mock_cluster_bootstraps(mc)), topics, 1,
                                on_rec, &s, NULL, err, sizeof(err)),
                 QW_OK, "%s", err);
    cr_assert_eq(qw_follow_wait(&f, 3, 10, 10, NULL, err, sizeof(err)), QW_ERR);
    cr_assert_eq(f.attempts, 3);
    cr_assert(strstr(err, "f-none"), "%s", err);
    cr_assert_eq(qw_follow_subscribe(&f, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert(f.caught_up, "nothing existed to catch up with");
    qw_follow_free(&f);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(h);
}
