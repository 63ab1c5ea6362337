/* -X passthrough (services/core/kafka.c): "-X key=@FILE" reads the value from a file so that
 * secrets (sasl.password, ssl.key.password) stay off the command line; "@@" is a literal "@"; a
 * missing file is a located error that never shows a value. No broker needed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/kafka.h"

static char *conf_get(rd_kafka_conf_t *c, const char *key, char *out, size_t cap)
{
    size_t n = cap;
    cr_assert_eq(rd_kafka_conf_get(c, key, out, &n), RD_KAFKA_CONF_OK, "%s", key);
    return out;
}

static rd_kafka_conf_t *with(const char *key, const char *val, char *err, size_t errlen)
{
    static char kv[512];
    static qw_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(kv, sizeof(kv), "%s", key);
    cfg.kafka[0] = kv;
    cfg.kafka[1] = val;
    cfg.nkafka = 1;
    return qw_kafka_conf_new("127.0.0.1:1", "test", &cfg, err, errlen);
}

Test(io_kafka, a_secret_comes_from_a_file)
{
    char path[] = "/tmp/qw-kafka-pw-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "Scram-Pw-31\n", 12), 12);
    close(fd);
    char at[64], err[QW_ERRSTR_MAX], got[128];
    snprintf(at, sizeof(at), "@%s", path);
    rd_kafka_conf_t *c = with("sasl.password", at, err, sizeof(err));
    cr_assert_not_null(c, "%s", err);
    cr_assert_str_eq(conf_get(c, "sasl.password", got, sizeof(got)), "Scram-Pw-31");
    rd_kafka_conf_destroy(c);
    c = with("client.id", "@@literal", err, sizeof(err));
    cr_assert_not_null(c, "%s", err);
    cr_assert_str_eq(conf_get(c, "client.id", got, sizeof(got)), "@literal");
    rd_kafka_conf_destroy(c);
    unlink(path);
    c = with("sasl.password", "@/nonexistent/qw-kafka-pw", err, sizeof(err));
    cr_assert_null(c);
    cr_assert(strstr(err, "sasl.password") && strstr(err, "/nonexistent/qw-kafka-pw"), "%s", err);
}

Test(io_kafka, a_refused_value_from_a_file_is_not_echoed)
{
    char path[] = "/tmp/qw-kafka-bad-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "not-a-number-Secret9\n", 21), 21);
    close(fd);
    char at[64], err[QW_ERRSTR_MAX];
    snprintf(at, sizeof(at), "@%s", path);
    rd_kafka_conf_t *c = with("linger.ms", at, err, sizeof(err));
    cr_assert_null(c);
    cr_assert_null(strstr(err, "Secret9"), "%s", err);
    cr_assert(strstr(err, "linger.ms") != NULL, "%s", err);
    unlink(path);
}
