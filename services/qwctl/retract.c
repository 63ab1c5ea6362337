/* qwctl retract DECISION_ID --reason TEXT [--by WHO]: a decision someone judged wrong is
 * withdrawn the way the engine withdraws one — a <family>.withdrawn decision on
 * qw.decisions.v1 that names it in `withdraws`, for the same audiences, keyed and headed as the
 * relay does it — so the notifier routes the correction to everyone who got the original and
 * qw-web shows it withdrawn. Who and why are recorded in its evidence. Its id is the original's
 * plus ":retracted": repeating the command is refused, and a copy would be dropped downstream.
 *
 * The decision is found by reading qw.decisions.v1 (ce_id headers, so only candidates are
 * decoded); a decision older than the topic's retention cannot be retracted. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_kafka.h"
#include "decision_pb.h"
#include "pbjson.h"
#include "qwctl.h"
#include "retract_build.h"
#include "quotawatch/clock.h"
#include "quotawatch/consume.h"
#include "quotawatch/decision_type.h"
#include "quotawatch/kafka.h"
#include "quotawatch/svc.h"

typedef struct {
    const char *id;
    size_t id_len;
    Quotawatch__V1__Decision *found;       /* the newest record of the decision */
    char withdrawn_by[QW_DECISION_ID_MAX]; /* a withdrawal of it already published */
    long seen;
} retract_scan_t;

static int header_is(const rd_kafka_message_t *m, const char *name, const char *want, size_t n)
{
    size_t len = 0;
    const void *v = qw_kafka_header(m, name, &len);
    return v && len == n && !memcmp(v, want, n);
}

static void look_at(retract_scan_t *s, const rd_kafka_message_t *m)
{
    size_t tl = 0;
    const char *type = qw_kafka_header(m, "ce_type", &tl);
    int withdrawal = type && tl > 10 && !memcmp(type + tl - 10, ".withdrawn", 10);
    int same = header_is(m, "ce_id", s->id, s->id_len);
    if (!same && !withdrawal && qw_kafka_header(m, "ce_id", &tl)) return;
    Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(NULL, m->len, m->payload);
    if (!d) return;
    if (d->id && !strcmp(d->id, s->id)) {
        if (s->found) quotawatch__v1__decision__free_unpacked(s->found, NULL);
        s->found = d;
        return;
    }
    if (d->withdraws && !strcmp(d->withdraws, s->id) && d->id)
        snprintf(s->withdrawn_by, sizeof(s->withdrawn_by), "%s", d->id);
    quotawatch__v1__decision__free_unpacked(d, NULL);
}

static int scan(qwctl_t *ctl, const char *topic, retract_scan_t *s)
{
    char e[QW_ERRSTR_MAX];
    int nparts = 0, rc = 0, eof = 0, tty = isatty(2);
    rd_kafka_t *rk = qwctl_reader_open(ctl, topic, -1, -1, &nparts, &rc, e, sizeof(e));
    if (!rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        return rc;
    }
    qw_consume_t cs;
    qw_consume_init(&cs, NULL);
    while (!qw_svc_stop && eof < nparts) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(&cs, rk, 200, &m);
        if (k == QW_CONSUME_NONE) continue;
        if (k == QW_CONSUME_EOF) {
            eof++;
            continue;
        }
        if (k != QW_CONSUME_RECORD) {
            fprintf(stderr, "qwctl: reading %s: %s\n", topic, cs.errstr);
            rc = 1;
            break;
        }
        look_at(s, m);
        rd_kafka_message_destroy(m);
        if (tty && ++s->seen % 10000 == 0) fprintf(stderr, "\r\033[Kread %ld decisions", s->seen);
    }
    if (tty) fprintf(stderr, "\r\033[K");
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return qw_svc_stop ? 1 : rc;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    rd_kafka_message_t *out = m->_private; /* the message's opaque */
    if (!out) return;
    out->err = m->err;
    out->partition = m->partition;
    out->offset = m->offset;
}

/* Produces the packed withdrawal, waits for the broker's answer. */
static int publish(qwctl_t *ctl, const char *topic, const uint8_t *buf, size_t len,
                   rd_kafka_message_t *res, char *e, size_t el)
{
    qw_ce_t ce;
    if (qw_ce_decode(&ce, buf, len, e, el) != QW_OK) return QW_ERR;
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, el);
    if (!conf || qw_kafka_conf_set(conf, "enable.idempotence", "true", e, el)) {
        if (conf) rd_kafka_conf_destroy(conf);
        qw_ce_free(&ce);
        return QW_ERR;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, el);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        qw_ce_free(&ce);
        return QW_ERR;
    }
    res->err = RD_KAFKA_RESP_ERR__IN_PROGRESS;
    rd_kafka_headers_t *h = qw_ce_kafka_headers(&ce, 0);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(ce.subject, strlen(ce.subject)),
        RD_KAFKA_V_VALUE((void *)buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(res), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        res->err = err;
    }
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    qw_ce_free(&ce);
    if (res->err) {
        qw_err_set(e, el, "publishing to %s: %s", topic,
                   res->err == RD_KAFKA_RESP_ERR__IN_PROGRESS ? "no answer within 30 s"
                                                              : rd_kafka_err2str(res->err));
        return QW_ERR;
    }
    return QW_OK;
}

static void print_result(qwctl_t *ctl, const qw_decision_t *w, const uint8_t *buf, size_t len,
                         const char *topic, const rd_kafka_message_t *res)
{
    if (ctl->json) {
        Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(NULL, len, buf);
        json_t *o = json_object();
        json_object_set_new(o, "published", json_boolean(res != NULL));
        json_object_set_new(o, "topic", json_string(topic));
        if (res) {
            json_object_set_new(o, "partition", json_integer(res->partition));
            json_object_set_new(o, "offset", json_integer(res->offset));
        }
        if (d) json_object_set_new(o, "decision", qw_pbjson_from_message(&d->base));
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (line) printf("%s\n", line);
        free(line);
        json_decref(o);
        if (d) quotawatch__v1__decision__free_unpacked(d, NULL);
        return;
    }
    printf("%s %s withdrawing %s\n  %s\n", res ? "published" : "would publish", w->id, w->withdraws,
           w->summary);
    if (res)
        printf("  on %s partition %d offset %" PRId64 "\n", topic, (int)res->partition,
               res->offset);
}

static const char *operator_name(qwctl_t *ctl)
{
    if (ctl->retract_by && *ctl->retract_by) return ctl->retract_by;
    const char *u = getenv("SUDO_USER");
    if (!u || !*u) u = getenv("USER");
    return u ? u : "";
}

int qwctl_retract(qwctl_t *ctl, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: qwctl --reason TEXT [--by WHO] [--dry-run] [--json] retract "
                        "DECISION_ID\n  withdraws a published decision for everyone who got it, "
                        "recording who and why\n");
        return 2;
    }
    char e[QW_ERRSTR_MAX], topic[256];
    const char *by = operator_name(ctl);
    qw_decision_t probe;
    memset(&probe, 0, sizeof(probe));
    snprintf(probe.type, sizeof(probe.type), "%s", QW_DT_AT_RISK);
    qw_decision_t w;
    /* The text checks first: a usage error must not cost a scan of the topic. */
    if (qwctl_retract_build(&probe, by, ctl->dlq_reason, 0, &w, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl retract: %s\n", e);
        return 2;
    }
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix, "qw.decisions.v1");
    retract_scan_t s = {.id = argv[0], .id_len = strlen(argv[0])};
    int rc = scan(ctl, topic, &s);
    if (rc) {
        if (s.found) quotawatch__v1__decision__free_unpacked(s.found, NULL);
        return rc;
    }
    if (!s.found) {
        fprintf(stderr,
                "qwctl retract: no decision %s on %s (%ld records read): check the id "
                "(qwctl decision ID, qwctl tail decisions); one older than the topic's "
                "retention cannot be retracted\n",
                s.id, topic, s.seen);
        return 1;
    }
    qw_decision_t orig;
    rc = qw_decision_from_pb(s.found, &orig, e, sizeof(e));
    quotawatch__v1__decision__free_unpacked(s.found, NULL);
    if (rc != QW_OK) {
        fprintf(stderr, "qwctl retract: %s cannot be read: %s\n", s.id, e);
        return 1;
    }
    if (s.withdrawn_by[0]) {
        fprintf(stderr, "qwctl retract: %s is already withdrawn by %s: nothing to do\n", s.id,
                s.withdrawn_by);
        return 1;
    }
    if (qwctl_retract_build(&orig, by, ctl->dlq_reason, qw_clock_now(&qw_clock_system), &w, e,
                            sizeof(e))) {
        fprintf(stderr, "qwctl retract: %s\n", e);
        return 1;
    }
    static uint8_t buf[65536];
    size_t len = qw_decision_pb_pack(&w, buf, sizeof(buf));
    if (!len) {
        fprintf(stderr, "qwctl retract: the withdrawal does not fit %zu bytes\n", sizeof(buf));
        return 1;
    }
    if (ctl->dry_run) {
        print_result(ctl, &w, buf, len, topic, NULL);
        return 0;
    }
    rd_kafka_message_t res;
    memset(&res, 0, sizeof(res));
    if (publish(ctl, topic, buf, len, &res, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl retract: %s\n", e);
        return 1;
    }
    print_result(ctl, &w, buf, len, topic, &res);
    return 0;
}
