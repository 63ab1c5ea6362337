/* qwctl dlq list|show|redrive: both dead-letter topics for the operator. The filters and what a
 * redrive does with each record are pure (dlq_filter.c); this file reads the topic and acts.
 *
 * A redrive puts a record back where it came from, after the cause was fixed:
 *  - qw.dlq.v1: the original bytes to their source topic and partition (qw.source.*); an
 *    original cut at 900 KiB is read back from the source by reference. qw-ingest's ledger and
 *    the evaluator's credit ids make a record already applied change nothing, so redriving
 *    twice is harmless; a multi-event message is sent once however many of its events died.
 *  - qw.notify-dlq.v1: the Decision to qw.decisions.v1 with qw.redrive.channel, so that the
 *    notifier retries that channel only, and only if it is still marked failed.
 * Every redriven record carries qw.redrive.from (the dead letter's topic/partition/offset). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_kafka.h"
#include "dlq_filter.h"
#include "qwctl.h"
#include "quotawatch/clock.h"
#include "quotawatch/consume.h"
#include "quotawatch/date.h"
#include "quotawatch/dlq.h"
#include "quotawatch/kafka.h"
#include "quotawatch/strmap.h"
#include "quotawatch/svc.h"
#include "quotawatch/v1/decision.pb-c.h"

typedef struct dlq_item_s {
    char reason[64], channel[64], topic[256];
    qwctl_dlq_rec_t rec;
} dlq_item_t;

typedef struct dlq_run_s {
    qwctl_t *ctl;
    int notify; /* qw.notify-dlq.v1 */
    int mode;   /* 0 list, 1 redrive */
    int dry_run;
    int tty; /* progress on stderr */
    char decisions[256];
    rd_kafka_t *producer;
    qw_strmap_t sent; /* "topic/partition/offset" already redriven in this run */
    long seen, matched, redriven, skipped, failed, dr_failed;
} dlq_run_t;

/* The header name as a NUL-terminated value into out; old notifier names count too. */
static int header(const rd_kafka_message_t *m, const char *name, char *out, size_t cap)
{
    rd_kafka_headers_t *hs;
    out[0] = '\0';
    if (rd_kafka_message_headers(m, &hs) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    const char *n;
    const void *v;
    size_t len;
    int found = 0;
    for (size_t i = 0; !rd_kafka_header_get_all(hs, i, &n, &v, &len); i++) {
        const char *now = qw_dlq_legacy_name(n);
        int exact = strcmp(n, name) == 0;
        if (!exact && !(now && strcmp(now, name) == 0 && !found)) continue;
        snprintf(out, cap, "%.*s", v ? (int)(len < cap ? len : cap - 1) : 0,
                 v ? (const char *)v : "");
        found = 1;
        if (exact) break;
    }
    return found;
}

static int64_t header_int(const rd_kafka_message_t *m, const char *name)
{
    char b[32];
    if (!header(m, name, b, sizeof(b)) || !b[0]) return -1;
    char *end;
    long long v = strtoll(b, &end, 10);
    return *end || v < 0 ? -1 : (int64_t)v;
}

static void item_of(const rd_kafka_message_t *m, dlq_item_t *it)
{
    memset(it, 0, sizeof(*it));
    qwctl_dlq_rec_t *r = &it->rec;
    r->reason = header(m, QW_DLQ_REASON, it->reason, sizeof(it->reason)) ? it->reason : NULL;
    r->channel = header(m, QW_DLQ_CHANNEL, it->channel, sizeof(it->channel)) ? it->channel : NULL;
    r->source_topic =
        header(m, QW_DLQ_SOURCE_TOPIC, it->topic, sizeof(it->topic)) ? it->topic : NULL;
    int64_t sp = header_int(m, QW_DLQ_SOURCE_PARTITION);
    r->source_partition = sp >= 0 && sp <= INT32_MAX ? (int32_t)sp : -1;
    r->source_offset = header_int(m, QW_DLQ_SOURCE_OFFSET);
    r->truncated = header_int(m, QW_DLQ_TRUNCATED);
    r->partition = m->partition;
    r->offset = m->offset;
    rd_kafka_timestamp_type_t tt;
    r->timestamp_ms = rd_kafka_message_timestamp(m, &tt);
}

static void print_json(json_t *o)
{
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) printf("%s\n", line);
    free(line);
    json_decref(o);
}

static const char *plan_name(qwctl_redrive_t p)
{
    return p == QWCTL_REDRIVE_VALUE       ? "value"
           : p == QWCTL_REDRIVE_REFERENCE ? "by_reference"
           : p == QWCTL_REDRIVE_DECISION  ? "decision"
                                          : "no";
}

static void list_one(dlq_run_t *run, const rd_kafka_message_t *m, const dlq_item_t *it)
{
    char why[160] = "";
    qwctl_redrive_t plan = qwctl_dlq_redrive_plan(&it->rec, run->notify, why, sizeof(why));
    if (run->ctl->json) {
        json_t *o =
            qwctl_record_json(m, run->notify ? &quotawatch__v1__decision__descriptor : NULL);
        json_t *rd = json_object();
        json_object_set_new(rd, "plan", json_string(plan_name(plan)));
        if (why[0]) json_object_set_new(rd, "why_not", json_string(why));
        json_object_set_new(o, "redrive", rd);
        print_json(o);
        return;
    }
    char t[25], msg[72];
    qw_time_format_iso8601(it->rec.timestamp_ms, t);
    header(m, QW_DLQ_MESSAGE, msg, sizeof(msg));
    char where[300];
    if (run->notify)
        snprintf(where, sizeof(where), "%s", it->rec.channel ? it->rec.channel : "-");
    else if (it->rec.source_topic)
        snprintf(where, sizeof(where), "%s/%d/%" PRId64, it->rec.source_topic,
                 (int)it->rec.source_partition, it->rec.source_offset);
    else
        snprintf(where, sizeof(where), "-");
    printf("%d:%-8" PRId64 " %.19s  %-20s %-40s %s%s\n", (int)m->partition, m->offset, t,
           it->rec.reason ? it->rec.reason : "-", where, msg,
           plan == QWCTL_REDRIVE_NO ? "  [not redrivable]" : "");
}

static void report(dlq_run_t *run, const rd_kafka_message_t *m, const char *action, const char *to,
                   int32_t to_part, const char *why)
{
    if (run->ctl->json) {
        json_t *o = json_object();
        json_object_set_new(o, "partition", json_integer(m->partition));
        json_object_set_new(o, "offset", json_integer(m->offset));
        json_object_set_new(o, "action", json_string(action));
        if (to) json_object_set_new(o, "to_topic", json_string(to));
        if (to && to_part >= 0) json_object_set_new(o, "to_partition", json_integer(to_part));
        if (why && *why) json_object_set_new(o, "why", json_string(why));
        print_json(o);
    } else {
        if (run->tty) fprintf(stderr, "\r\033[K");
        printf("%d:%-8" PRId64 " %-14s %s%s%s\n", (int)m->partition, m->offset, action,
               to ? to : "", why && *why ? "  " : "", why ? why : "");
    }
}

/* A copy of a record's key and value: a message must not outlive its handle, and
 * rd_kafka_destroy() blocks while one is held. */
typedef struct {
    void *key, *value;
    size_t key_len, value_len;
} dlq_orig_t;

static void orig_free(dlq_orig_t *o)
{
    free(o->key);
    free(o->value);
}

/* Copies the record at topic/partition/offset into out: 0, or -1 with why (gone with
 * retention, not there). */
static int fetch_original(dlq_run_t *run, const char *topic, int32_t part, int64_t off,
                          dlq_orig_t *out, char *why, size_t whylen)
{
    char e[QW_ERRSTR_MAX];
    rd_kafka_t *rk = qwctl_consumer_new(run->ctl, e, sizeof(e));
    if (!rk) {
        snprintf(why, whylen, "%s", e);
        return -1;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, part)->offset = off;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_message_t *got = NULL;
    qw_consume_t cs;
    qw_consume_init(&cs, NULL);
    snprintf(why, whylen, "the original %s/%d/%" PRId64 " was not read within 15 s", topic,
             (int)part, off);
    for (int i = 0; i < 75 && !got && !qw_svc_stop; i++) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(&cs, rk, 200, &m);
        if (k == QW_CONSUME_NONE) continue;
        if (k == QW_CONSUME_RECORD && m->offset == off) {
            got = m;
            break;
        }
        if (k == QW_CONSUME_RECORD || k == QW_CONSUME_EOF)
            snprintf(why, whylen,
                     "the original %s/%d/%" PRId64 " is no longer in the topic (retention or "
                     "compaction removed it): it cannot be redriven",
                     topic, (int)part, off);
        else
            snprintf(why, whylen, "reading the original: %.300s", cs.errstr);
        if (m) rd_kafka_message_destroy(m);
        break;
    }
    int rc = -1;
    if (got) {
        out->key_len = got->key_len;
        out->value_len = got->len;
        out->key = got->key_len ? malloc(got->key_len) : NULL;
        out->value = malloc(got->len ? got->len : 1);
        if ((got->key_len && !out->key) || !out->value) {
            orig_free(out);
            snprintf(why, whylen, "out of memory copying the original (%zu bytes)", got->len);
        } else {
            if (got->key_len) memcpy(out->key, got->key, got->key_len);
            memcpy(out->value, got->payload, got->len);
            rc = 0;
        }
        rd_kafka_message_destroy(got);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

/* ce: a decision (notify-dlq), which gets the relay's CloudEvents headers and the one channel
 * to deliver it to again. */
static int produce(dlq_run_t *run, const char *topic, int32_t part, const void *key, size_t key_len,
                   const void *val, size_t len, const rd_kafka_message_t *dead, const qw_ce_t *ce,
                   const char *channel)
{
    char from[600];
    snprintf(from, sizeof(from), "%s/%d/%" PRId64, rd_kafka_topic_name(dead->rkt),
             (int)dead->partition, dead->offset);
    rd_kafka_headers_t *h = ce ? qw_ce_kafka_headers(ce, 2) : rd_kafka_headers_new(1);
    rd_kafka_header_add(h, QW_DLQ_REDRIVE_FROM, -1, from, -1);
    if (ce) rd_kafka_header_add(h, QW_DLQ_REDRIVE_CHANNEL, -1, channel, -1);
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(run->producer, RD_KAFKA_V_TOPIC(topic),
                                    RD_KAFKA_V_PARTITION(part < 0 ? RD_KAFKA_PARTITION_UA : part),
                                    RD_KAFKA_V_KEY((void *)key, key_len),
                                    RD_KAFKA_V_VALUE((void *)val, len),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                                    RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(run->producer, 100);
    if (err) rd_kafka_headers_destroy(h);
    rd_kafka_poll(run->producer, 0);
    return err ? -1 : 0;
}

/* A decision back onto qw.decisions.v1, keyed and headed as the relay does it. */
static void redrive_decision(dlq_run_t *run, const rd_kafka_message_t *m, const dlq_item_t *it)
{
    qw_ce_t ce;
    char e[QW_ERRSTR_MAX];
    if (qw_ce_decode(&ce, m->payload, m->len, e, sizeof(e)) != QW_OK) {
        run->skipped++;
        report(run, m, "skipped", NULL, -1, e);
        return;
    }
    if (run->dry_run) {
        report(run, m, "would redrive", run->decisions, -1, it->rec.channel);
    } else if (produce(run, run->decisions, -1, ce.subject, strlen(ce.subject), m->payload, m->len,
                       m, &ce, it->rec.channel)) {
        run->failed++;
        report(run, m, "failed", run->decisions, -1, "cannot produce");
        qw_ce_free(&ce);
        return;
    } else {
        report(run, m, "redriven", run->decisions, -1, it->rec.channel);
    }
    qw_ce_free(&ce);
    run->redriven++;
}

static void redrive_one(dlq_run_t *run, const rd_kafka_message_t *m, const dlq_item_t *it)
{
    char why[400] = "";
    qwctl_redrive_t plan = qwctl_dlq_redrive_plan(&it->rec, run->notify, why, sizeof(why));
    if (plan == QWCTL_REDRIVE_NO) {
        run->skipped++;
        report(run, m, "skipped", NULL, -1, why);
        return;
    }
    if (plan == QWCTL_REDRIVE_DECISION) {
        redrive_decision(run, m, it);
        return;
    }
    const qwctl_dlq_rec_t *r = &it->rec;
    char id[320];
    int n = snprintf(id, sizeof(id), "%s/%d/%" PRId64, r->source_topic, (int)r->source_partition,
                     r->source_offset);
    if (qw_strmap_get(&run->sent, id, (size_t)n)) {
        run->skipped++;
        report(run, m, "skipped", NULL, -1, "the same original was redriven above");
        return;
    }
    qw_strmap_put(&run->sent, id, (size_t)n, (void *)1, NULL);
    if (run->dry_run) {
        run->redriven++;
        report(run, m, "would redrive", r->source_topic, r->source_partition,
               plan == QWCTL_REDRIVE_REFERENCE ? "(the original, read from its source)" : "");
        return;
    }
    dlq_orig_t orig = {m->key, m->payload, m->key_len, m->len};
    if (plan == QWCTL_REDRIVE_REFERENCE &&
        fetch_original(run, r->source_topic, r->source_partition, r->source_offset, &orig, why,
                       sizeof(why))) {
        run->failed++;
        report(run, m, "failed", r->source_topic, r->source_partition, why);
        return;
    }
    int rc = produce(run, r->source_topic, r->source_partition, orig.key, orig.key_len, orig.value,
                     orig.value_len, m, NULL, NULL);
    if (plan == QWCTL_REDRIVE_REFERENCE) orig_free(&orig);
    if (rc) {
        run->failed++;
        report(run, m, "failed", r->source_topic, r->source_partition, "cannot produce");
        return;
    }
    run->redriven++;
    report(run, m, "redriven", r->source_topic, r->source_partition,
           plan == QWCTL_REDRIVE_REFERENCE ? "(the original, read from its source)" : "");
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err) {
        fprintf(stderr, "qwctl: redrive to %s not delivered: %s\n", rd_kafka_topic_name(m->rkt),
                rd_kafka_err2str(m->err));
        ((dlq_run_t *)opaque)->dr_failed++;
    }
}

static int producer_open(dlq_run_t *run, char *e, size_t el)
{
    rd_kafka_conf_t *conf = qw_kafka_conf_new(run->ctl->brokers, "qwctl", &run->ctl->cfg, e, el);
    if (!conf || qw_kafka_conf_set(conf, "enable.idempotence", "true", e, el) ||
        qw_kafka_conf_set(conf, "message.max.bytes", "4194304", e, el)) {
        if (conf) rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, run);
    run->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, el);
    if (!run->producer) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    return 0;
}

/* Reads every partition of topic (from the filter's offsets) to its end; f selects. show >= 0:
 * only that partition:offset, printed whole. */
static int scan(dlq_run_t *run, const char *topic, const qwctl_dlq_filter_t *f, int32_t show_p,
                int64_t show_o)
{
    char e[QW_ERRSTR_MAX];
    int want = 0, rc = 0;
    rd_kafka_t *rk =
        qwctl_reader_open(run->ctl, topic, show_p >= 0 ? show_p : (int32_t)f->partition,
                          show_p >= 0 ? show_o : f->from_offset, &want, &rc, e, sizeof(e));
    if (!rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        return rc;
    }
    qw_consume_t cs;
    qw_consume_init(&cs, NULL);
    int eof = 0, shown = 0;
    while (!qw_svc_stop && eof < want && !shown) {
        rd_kafka_message_t *m = NULL;
        qw_consume_kind_t k = qw_consume_poll(&cs, rk, 200, &m);
        if (k == QW_CONSUME_NONE) continue;
        if (k == QW_CONSUME_EOF) {
            eof++;
            continue;
        }
        if (k != QW_CONSUME_RECORD) {
            fprintf(stderr, "qwctl: %s\n", cs.errstr);
            rc = 1;
            break;
        }
        run->seen++;
        dlq_item_t it;
        item_of(m, &it);
        if (show_p >= 0) {
            if (m->offset == show_o) {
                json_t *o = qwctl_record_json(m, run->notify ? &quotawatch__v1__decision__descriptor
                                                             : NULL);
                char why[160] = "";
                qwctl_redrive_t plan =
                    qwctl_dlq_redrive_plan(&it.rec, run->notify, why, sizeof(why));
                json_t *rd = json_object();
                json_object_set_new(rd, "plan", json_string(plan_name(plan)));
                if (why[0]) json_object_set_new(rd, "why_not", json_string(why));
                json_object_set_new(o, "redrive", rd);
                char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                if (s) printf("%s\n", s);
                free(s);
                json_decref(o);
                shown = 1;
            } else {
                eof = want; /* the first record after the offset: it is not there */
            }
        } else if (qwctl_dlq_match(f, &it.rec) && (f->to_offset < 0 || m->offset <= f->to_offset)) {
            run->matched++;
            if (run->mode == 0)
                list_one(run, m, &it);
            else
                redrive_one(run, m, &it);
        }
        if (run->tty && !run->ctl->json && run->seen % 500 == 0)
            fprintf(stderr, "\r\033[Kread %ld dead letters, %ld selected", run->seen, run->matched);
        rd_kafka_message_destroy(m);
    }
    if (run->tty && !run->ctl->json) fprintf(stderr, "\r\033[K");
    if (show_p >= 0 && !shown && !rc) {
        fprintf(stderr, "qwctl: no record at %s %d:%" PRId64 "\n", topic, (int)show_p, show_o);
        rc = 1;
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: qwctl dlq list|redrive [dlq|notify-dlq] [filters]\n"
            "       qwctl dlq show [dlq|notify-dlq] PARTITION:OFFSET\n"
            "  filters: --reason R[,R...] --source S (hubspot, qw.crm.hubspot, credits)\n"
            "           --channel C (notify-dlq: rep.slack, or an audience: hr)\n"
            "           --partition P --offsets N|FROM-TO|FROM- (of the dead-letter topic)\n"
            "           --since T --until T (RFC 3339, or an age: 90m, 6h, 7d)\n"
            "  redrive: --dry-run shows what would be sent; --json one line per record\n");
    return 2;
}

int qwctl_dlq(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 1) return usage();
    dlq_run_t run;
    memset(&run, 0, sizeof(run));
    run.ctl = ctl;
    const char *verb = argv[0];
    if (!strcmp(verb, "list"))
        run.mode = 0;
    else if (!strcmp(verb, "redrive"))
        run.mode = 1;
    else if (strcmp(verb, "show"))
        return usage();
    int ai = 1;
    const char *base = "qw.dlq.v1";
    if (ai < argc && (!strcmp(argv[ai], "notify-dlq") || !strcmp(argv[ai], "qw.notify-dlq.v1"))) {
        base = "qw.notify-dlq.v1";
        run.notify = 1;
        ai++;
    } else if (ai < argc && (!strcmp(argv[ai], "dlq") || !strcmp(argv[ai], "qw.dlq.v1"))) {
        ai++;
    }
    int32_t show_p = -1;
    int64_t show_o = -1;
    if (!strcmp(verb, "show")) {
        long long p, o;
        char tail;
        if (ai >= argc || sscanf(argv[ai], "%lld:%lld%c", &p, &o, &tail) != 2 || p < 0 || o < 0 ||
            p > INT32_MAX) {
            fprintf(stderr, "qwctl dlq show: want PARTITION:OFFSET, e.g. 0:42\n");
            return 2;
        }
        show_p = (int32_t)p, show_o = o, ai++;
    }
    if (ai < argc) {
        fprintf(stderr, "qwctl dlq: unexpected argument %s\n", argv[ai]);
        return usage();
    }
    qwctl_dlq_filter_t f;
    qwctl_dlq_filter_init(&f);
    char e[QW_ERRSTR_MAX];
    int64_t now = qw_clock_now(&qw_clock_system);
    if (qwctl_dlq_filter_reasons(&f, ctl->dlq_reason, e, sizeof(e)) ||
        (ctl->dlq_offsets && *ctl->dlq_offsets &&
         qwctl_dlq_parse_offsets(ctl->dlq_offsets, &f.from_offset, &f.to_offset, e, sizeof(e))) ||
        (ctl->dlq_since && *ctl->dlq_since &&
         qwctl_dlq_parse_time(ctl->dlq_since, now, &f.since_ms, e, sizeof(e))) ||
        (ctl->dlq_until && *ctl->dlq_until &&
         qwctl_dlq_parse_time(ctl->dlq_until, now, &f.until_ms, e, sizeof(e)))) {
        fprintf(stderr, "qwctl dlq: %s\n", e);
        return 2;
    }
    f.source = ctl->dlq_source;
    f.channel = ctl->dlq_channel;
    f.partition = ctl->dlq_partition >= 0 && ctl->dlq_partition <= INT32_MAX
                      ? (int32_t)ctl->dlq_partition
                      : -1;
    if (f.from_offset >= 0 && f.partition < 0) {
        fprintf(stderr, "qwctl dlq: --offsets needs --partition (offsets are per partition)\n");
        return 2;
    }
    run.dry_run = ctl->dry_run;
    run.tty = isatty(STDERR_FILENO);
    qw_strmap_init(&run.sent);
    qw_kafka_topic(run.decisions, sizeof(run.decisions), ctl->topic_prefix, "qw.decisions.v1");
    char topic[256];
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix, base);
    if (run.mode == 1 && !run.dry_run && producer_open(&run, e, sizeof(e))) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    if (run.mode == 0 && !ctl->json && show_p < 0)
        printf("%-10s %-20s %-20s %-40s %s\n", "PART:OFF", "DEAD-LETTERED (UTC)", "REASON",
               run.notify ? "CHANNEL" : "SOURCE", "MESSAGE");
    int rc = scan(&run, topic, &f, show_p, show_o);
    if (run.producer) {
        if (rd_kafka_flush(run.producer, 60000)) {
            fprintf(stderr, "qwctl: not every redriven record was delivered within 60 s\n");
            run.dr_failed++;
        }
        rd_kafka_destroy(run.producer);
    }
    qw_strmap_free(&run.sent, NULL);
    if (show_p >= 0) return rc;
    if (run.mode == 1)
        fprintf(stderr,
                "qwctl: %ld dead letters read, %ld selected: %ld %s, %ld skipped, %ld failed\n",
                run.seen, run.matched, run.redriven, run.dry_run ? "would be redriven" : "redriven",
                run.skipped, run.failed + run.dr_failed);
    else if (!ctl->json)
        fprintf(stderr, "qwctl: %ld dead letters read, %ld selected\n", run.seen, run.matched);
    return rc ? rc : run.failed || run.dr_failed ? 1 : 0;
}
