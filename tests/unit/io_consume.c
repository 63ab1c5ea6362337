/* lib/io/consume.c: what one poll gave, counted and reported the same way for every consumer. */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <string.h>

#include "quotawatch/consume.h"

Test(io_consume, classify_skips_eof_and_separates_fatal_from_transient)
{
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR_NO_ERROR), QW_CONSUME_RECORD);
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR__PARTITION_EOF), QW_CONSUME_EOF);
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR__FATAL), QW_CONSUME_FATAL);
    /* The cluster coming back or a topic appearing clears these: keep polling. */
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR__TRANSPORT), QW_CONSUME_ERROR);
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN), QW_CONSUME_ERROR);
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), QW_CONSUME_ERROR);
    cr_assert_eq(qw_consume_classify(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED),
                 QW_CONSUME_ERROR);
}

Test(io_consume, note_counts_and_describes_each_kind)
{
    qw_consume_t c;
    qw_consume_init(&c, NULL);
    cr_assert_eq(qw_consume_note(&c, NULL, NULL), QW_CONSUME_NONE);

    rd_kafka_message_t m;
    memset(&m, 0, sizeof(m));
    m.partition = 2;
    m.offset = 41;
    cr_assert_eq(qw_consume_note(&c, NULL, &m), QW_CONSUME_RECORD);
    cr_assert_eq(c.records, 1);

    m.err = RD_KAFKA_RESP_ERR__PARTITION_EOF;
    m.offset = 42;
    cr_assert_eq(qw_consume_note(&c, NULL, &m), QW_CONSUME_EOF);
    cr_assert_eq(c.eofs, 1);
    cr_assert_eq(c.eof_partition, 2);
    cr_assert_eq(c.eof_offset, 42);
    cr_assert_str_eq(c.eof_topic, "", "a message without a topic handle names none");
    cr_assert_eq(c.errors, 0, "the end of a partition is not an error");

    m.err = RD_KAFKA_RESP_ERR__TRANSPORT;
    cr_assert_eq(qw_consume_note(&c, NULL, &m), QW_CONSUME_ERROR);
    cr_assert_eq(c.errors, 1);
    cr_assert_str_eq(c.errstr, rd_kafka_err2str(RD_KAFKA_RESP_ERR__TRANSPORT));
    cr_assert_not(c.fatal);

    m.err = RD_KAFKA_RESP_ERR__FATAL;
    cr_assert_eq(qw_consume_note(&c, NULL, &m), QW_CONSUME_FATAL);
    cr_assert(c.fatal);
    cr_assert_eq(c.errors, 2);
    cr_assert(strstr(c.errstr, "fatal"), "%s", c.errstr);

    /* Later transient errors do not clear the fatal mark. */
    m.err = RD_KAFKA_RESP_ERR__TRANSPORT;
    qw_consume_note(&c, NULL, &m);
    cr_assert(c.fatal);
}

Test(io_consume, poll_with_nothing_to_read_gives_none)
{
    char e[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cr_assert_eq(rd_kafka_conf_set(conf, "group.id", "io-consume", e, sizeof(e)), RD_KAFKA_CONF_OK);
    cr_assert_eq(rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", e, sizeof(e)),
                 RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    cr_assert_not_null(rk, "%s", e);
    qw_consume_t c;
    qw_consume_init(&c, "test.consume");
    rd_kafka_message_t *m = (rd_kafka_message_t *)1;
    cr_assert_eq(qw_consume_poll(&c, rk, 50, &m), QW_CONSUME_NONE);
    cr_assert_null(m, "no record: *out is cleared");
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}
