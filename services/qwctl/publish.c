/* qwctl publish roster|quotas FILE.csv: the HR and planning feeds, from CSV
 * (docs/formats/csv.md) to the compacted topics qw.roster.v1 and qw.quotas.v1. The file is
 * validated whole first (exit 2 listing up to 20 errors, nothing sent); --policy adds the
 * quotas' period-kind and currency-rate checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qwctl.h"
#include "quotawatch/csv.h"
#include "quotawatch/file.h"
#include "quotawatch/kafka.h"
#include "quotawatch/policy.h"
#include "quotawatch/roster_pb.h"

typedef struct {
    rd_kafka_t *rk;
    const char *topic;
    long count;
    int failed;
    char errstr[QW_ERRSTR_MAX];
} publish_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    publish_t *p = opaque;
    if (m->err) {
        snprintf(p->errstr, sizeof(p->errstr), "delivery failed: %s", rd_kafka_err2str(m->err));
        p->failed++;
    }
}

static int publish_one(publish_t *p, const char *key, uint8_t *buf, size_t len)
{
    if (!buf) return qw_err_set(p->errstr, sizeof(p->errstr), "out of memory");
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(p->topic),
                                    RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(buf, len),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(p->rk, 100);
    if (err) {
        free(buf);
        return qw_err_set(p->errstr, sizeof(p->errstr), "produce: %s", rd_kafka_err2str(err));
    }
    p->count++;
    rd_kafka_poll(p->rk, 0);
    return QW_OK;
}

static int on_profile(void *opaque, const qw_rep_profile_t *prof)
{
    size_t len = 0;
    uint8_t *buf = qw_roster_profile_pack(prof, &len);
    return publish_one(opaque, prof->rep_id, buf, len);
}

static int on_quota(void *opaque, const qw_quota_t *q)
{
    char key[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    size_t len = 0;
    snprintf(key, sizeof(key), "%s:%s", q->rep_id, q->period);
    uint8_t *buf = qw_roster_quota_pack(q, &len);
    return publish_one(opaque, key, buf, len);
}

static void print_error(void *opaque, const char *msg)
{
    (void)opaque;
    fprintf(stderr, "qwctl: %s\n", msg);
}

int qwctl_publish(qwctl_t *ctl, int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[0], "roster") && strcmp(argv[0], "quotas"))) {
        fprintf(stderr, "usage: qwctl [--policy FILE] [--dry-run] publish roster|quotas FILE.csv  "
                        "(columns: docs/formats/csv.md)\n");
        return 2;
    }
    int roster = !strcmp(argv[0], "roster");
    char topic[256], e[QW_ERRSTR_MAX];
    static qw_policy_t policy; /* large: keep it off the stack */
    int have_policy = ctl->policy && *ctl->policy;
    if (have_policy && qw_policy_load_file(&policy, ctl->policy, NULL, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    size_t len;
    char *text = qw_file_read(argv[1], QW_CSV_FILE_MAX, &len, e, sizeof(e));
    if (!text) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    /* The whole file is checked before the first record is sent: a bad row publishes nothing
     * (a half-published roster would move reps between teams). */
    qw_csv_opts_t o = {.name = argv[1],
                       .policy = have_policy ? &policy : NULL,
                       .max_errors = 20,
                       .on_error = print_error};
    int rc = roster ? qw_csv_roster_read(text, len, &o, NULL, NULL, e, sizeof(e))
                    : qw_csv_quota_read(text, len, &o, NULL, NULL, e, sizeof(e));
    if (rc != QW_OK) {
        fprintf(stderr, "qwctl: %s: refused, nothing was published\n", argv[1]);
        free(text);
        return 2;
    }
    if (!roster && !have_policy)
        fprintf(stderr, "qwctl: no --policy: the period kind and currency rates of the quotas "
                        "were not checked\n");
    if (ctl->dry_run) {
        fprintf(stderr, "qwctl: %s is valid (dry run, nothing published)\n", argv[1]);
        free(text);
        return 0;
    }
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix,
                   roster ? "qw.roster.v1" : "qw.quotas.v1");
    publish_t p = {.topic = topic};
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, sizeof(e));
    if (!conf || qw_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof(e))) {
        fprintf(stderr, "qwctl: %s\n", e);
        free(text);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, &p);
    p.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!p.rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        free(text);
        return 2;
    }
    rc = roster ? qw_csv_roster_read(text, len, &o, on_profile, &p, e, sizeof(e))
                : qw_csv_quota_read(text, len, &o, on_quota, &p, e, sizeof(e));
    free(text);
    if (rd_kafka_flush(p.rk, 30000) && !p.failed) {
        snprintf(p.errstr, sizeof(p.errstr), "not every record was delivered within 30 s");
        p.failed++;
    }
    rd_kafka_destroy(p.rk);
    if (rc != QW_OK) {
        fprintf(stderr, "qwctl: %s: %s (nothing after that row was sent)\n", argv[1],
                p.errstr[0] ? p.errstr : e);
        return 1;
    }
    if (p.failed) {
        fprintf(stderr, "qwctl: %s\n", p.errstr);
        return 1;
    }
    fprintf(stderr, "qwctl: %ld %s records published to %s\n", p.count, argv[0], topic);
    return 0;
}
