/* qwctl topics check: asks the cluster (metadata and DescribeConfigs, one request each) what
 * every quotawatch topic is, and judges it with topics_judge.c. Exit 0: nothing wrong (warnings
 * are printed); 1: an error (a missing topic, a reference topic that deletes); 3: the cluster
 * did not answer; 2: usage. --strict turns warnings into exit 1; --json prints one object. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qwctl.h"
#include "quotawatch/kafka.h"
#include "topics_judge.h"

#define TIMEOUT_MS 10000

static void seen_from_metadata(const rd_kafka_metadata_t *md, const char *name, qw_topic_seen_t *s)
{
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (strcmp(t->topic, name) != 0) continue;
        if (t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return;
        s->exists = 1;
        s->partitions = t->partition_cnt;
        for (int p = 0; p < t->partition_cnt; p++)
            if (!s->replication || t->partitions[p].replica_cnt < s->replication)
                s->replication = t->partitions[p].replica_cnt;
        return;
    }
}

static void seen_from_configs(const rd_kafka_ConfigResource_t *res, qw_topic_seen_t *s)
{
    size_t n;
    const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(res, &n);
    for (size_t i = 0; i < n; i++) {
        const char *k = rd_kafka_ConfigEntry_name(e[i]), *v = rd_kafka_ConfigEntry_value(e[i]);
        if (!v) continue;
        if (!strcmp(k, "cleanup.policy")) {
            s->compact = strstr(v, "compact") != NULL;
            s->delete = strstr(v, "delete") != NULL;
        } else if (!strcmp(k, "retention.ms")) {
            s->retention_ms = strtoll(v, NULL, 10);
        } else if (!strcmp(k, "min.insync.replicas")) {
            s->min_isr = atoi(v);
        }
    }
}

/* DescribeConfigs of every existing topic; QW_ERR with errbuf when the cluster did not answer. */
static int describe(rd_kafka_t *rk, char names[][256], qw_topic_seen_t *seen, char *errbuf,
                    size_t errlen)
{
    rd_kafka_ConfigResource_t *res[QW_TOPICS_COUNT];
    int idx[QW_TOPICS_COUNT], n = 0;
    for (int i = 0; i < QW_TOPICS_COUNT; i++)
        if (seen[i].exists) {
            idx[n] = i;
            res[n++] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, names[i]);
        }
    if (!n) return QW_OK;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opt, TIMEOUT_MS, NULL, 0);
    rd_kafka_DescribeConfigs(rk, res, (size_t)n, opt, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 2000);
    int rc = QW_OK;
    if (!ev || rd_kafka_event_error(ev)) {
        snprintf(errbuf, errlen, "DescribeConfigs: %s",
                 ev ? rd_kafka_event_error_string(ev) : "no answer within 12 s");
        rc = QW_ERR;
    } else {
        size_t cnt;
        const rd_kafka_ConfigResource_t **out = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &cnt);
        for (size_t r = 0; r < cnt; r++)
            for (int k = 0; k < n; k++)
                if (!strcmp(rd_kafka_ConfigResource_name(out[r]), names[idx[k]]))
                    seen_from_configs(out[r], &seen[idx[k]]);
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_ConfigResource_destroy_array(res, (size_t)n);
    rd_kafka_queue_destroy(q);
    return rc;
}

static const char *level_name(qw_find_level_t l)
{
    return l == QW_FIND_ERROR ? "error" : l == QW_FIND_WARN ? "warning" : "ok";
}

int qwctl_topics_seen(qwctl_t *ctl, char names[][256], qw_topic_seen_t *seen)
{
    char e[512];
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, sizeof(e));
    if (!conf) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) {
        fprintf(stderr, "qwctl: %s\n", e);
        return 2;
    }
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, TIMEOUT_MS);
    if (err) {
        fprintf(stderr, "qwctl: Kafka at %s did not answer: %s (check --brokers and -X options)\n",
                ctl->brokers, rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return 3;
    }
    for (int i = 0; i < QW_TOPICS_COUNT; i++) {
        qw_kafka_topic(names[i], 256, ctl->topic_prefix, qw_topics_needed[i].base);
        memset(&seen[i], 0, sizeof(seen[i]));
        seen[i].retention_ms = INT64_MIN;
        seen_from_metadata(md, names[i], &seen[i]);
    }
    rd_kafka_metadata_destroy(md);
    if (describe(rk, names, seen, e, sizeof(e)) != QW_OK) {
        fprintf(stderr, "qwctl: Kafka at %s: %s\n", ctl->brokers, e);
        rd_kafka_destroy(rk);
        return 3;
    }
    rd_kafka_destroy(rk);
    return 0;
}

static int check(qwctl_t *ctl)
{
    char names[QW_TOPICS_COUNT][256];
    qw_topic_seen_t seen[QW_TOPICS_COUNT];
    int rc = qwctl_topics_seen(ctl, names, seen);
    if (rc) return rc;

    int errors = 0, warnings = 0;
    json_t *all = json_array();
    for (int i = 0; i < QW_TOPICS_COUNT; i++) {
        qw_topic_finding_t f[QW_TOPICS_FINDINGS_MAX];
        int nf = qw_topics_judge(&qw_topics_needed[i], names[i], &seen[i], 14LL * 86400000, f);
        json_t *fj = json_array();
        qw_find_level_t worst = QW_FIND_OK;
        for (int k = 0; k < nf; k++) {
            if (f[k].level > worst) worst = f[k].level;
            errors += f[k].level == QW_FIND_ERROR;
            warnings += f[k].level == QW_FIND_WARN;
            json_array_append_new(
                fj, json_pack("{s:s,s:s}", "level", level_name(f[k].level), "text", f[k].text));
        }
        if (ctl->json) {
            json_array_append_new(
                all,
                json_pack(
                    "{s:s,s:b,s:i,s:i,s:I,s:s,s:o}", "topic", names[i], "exists", seen[i].exists,
                    "partitions", seen[i].partitions, "replication", seen[i].replication,
                    "retention_ms",
                    (json_int_t)(seen[i].retention_ms == INT64_MIN ? -2 : seen[i].retention_ms),
                    "status", level_name(worst), "findings", fj));
        } else {
            if (seen[i].exists)
                printf("%-7s %-28s %2d partitions, replication %d\n", level_name(worst), names[i],
                       seen[i].partitions, seen[i].replication);
            else
                printf("%-7s %-28s missing\n", level_name(worst), names[i]);
            for (int k = 0; k < nf; k++)
                printf("        %s: %s\n", level_name(f[k].level), f[k].text);
            json_decref(fj);
        }
    }
    if (ctl->json) {
        json_t *o =
            json_pack("{s:o,s:i,s:i}", "topics", all, "errors", errors, "warnings", warnings);
        char *s = json_dumps(o, JSON_COMPACT);
        if (s) puts(s);
        free(s);
        json_decref(o);
    } else {
        json_decref(all);
        printf("%d error(s), %d warning(s)\n", errors, warnings);
    }
    return errors || (ctl->strict && warnings) ? 1 : 0;
}

int qwctl_topics(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "check") != 0) {
        fprintf(stderr, "usage: qwctl [--json] [--strict] topics check\n"
                        "  checks every quotawatch topic: exists, partitions, replication,\n"
                        "  retention and compaction against what the services need\n");
        return 2;
    }
    return check(ctl);
}
