/* qw-ingest: raw CRM events in, exact credit entries out (see docs/architecture.md).
 *   qw-ingest [options]                 run the service
 *   qw-ingest convert --source S [FILE] check a mapping offline (docs/formats/crm-sources.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert.h"
#include "ingest.h"
#include "quotawatch/file.h"
#include "quotawatch/http.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

static char qw_ingest_default_txn_id[128];

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "convert")) return qw_convert_main(argc - 1, argv + 1);

    static qw_ingest_t ig;
    char host[64] = "local";
    gethostname(host, sizeof(host) - 1);
    snprintf(qw_ingest_default_txn_id, sizeof(qw_ingest_default_txn_id), "qw-ingest-%s", host);
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &ig.opt.brokers, 0},
        {"redis", "QW_REDIS_URL", QW_OPT_STR, "redis://127.0.0.1:6379/0",
         "Redis URL (password from the URL or QW_REDIS_PASSWORD)", &ig.opt.redis_url, 0},
        QW_REDIS_OPT_ALLOW_VOLATILE(&ig.opt.redis_allow_volatile),
        {"sources", "QW_INGEST_SOURCES", QW_OPT_STR, "canonical,salesforce,hubspot,pipedrive",
         "CRM sources to consume; topic <prefix>qw.crm.<source> each", &ig.opt.sources, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "", "prefix of every topic name",
         &ig.opt.topic_prefix, 0},
        {"group", "QW_INGEST_GROUP", QW_OPT_STR, "qw-ingest", "Kafka consumer group", &ig.opt.group,
         0},
        {"transactional-id", "QW_INGEST_TXN_ID", QW_OPT_STR, qw_ingest_default_txn_id,
         "Kafka transactional.id: unique per running instance, stable across its restarts",
         &ig.opt.txn_id, 0},
        {"policy", "QW_POLICY", QW_OPT_STR, "",
         "policy file: base currency and exchange rates (docs/policy.md); without one the base "
         "is USD and other currencies are dead-lettered as unknown_currency",
         &ig.opt.policy, 0},
        {"stage-map", "QW_STAGE_MAP", QW_OPT_STR, NULL,
         "stage map file overriding the vendor defaults (docs/formats/crm-sources.md)",
         &ig.opt.stage_map, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "0",
         "port of /healthz, /readyz and /metrics (0 = any free port, logged)", &ig.opt.http_port,
         0},
        QW_HTTP_OPT_BIND(&ig.opt.http_bind),
        {"batch-size", "QW_BATCH_SIZE", QW_OPT_INT, "5000",
         "messages per transaction at most (a backlog fills them; at a steady rate "
         "--batch-idle-ms closes them early)",
         &ig.opt.batch_size, 0},
        {"batch-ms", "QW_BATCH_MS", QW_OPT_INT, "100", "longest wait to fill a batch",
         &ig.opt.batch_ms, 0},
        {"batch-idle-ms", "QW_BATCH_IDLE_MS", QW_OPT_INT, "1",
         "a started batch closes once no message arrives for this long (0: only full or "
         "--batch-ms closes it)",
         &ig.opt.batch_idle_ms, 0},
        {"overlap-commit", "QW_OVERLAP_COMMIT", QW_OPT_BOOL, "true",
         "fill the next batch's transaction (ids <id>, <id>.2, <id>.3 in turn) while a helper "
         "thread "
         "commits the previous one (false: one batch at a time)",
         &ig.opt.overlap_commit, 0},
        {"watermark-ms", "QW_WATERMARK_MS", QW_OPT_INT, "1000",
         "how often completeness marks are read and sent, also when idle (docs/completeness.md)",
         &ig.opt.watermark_ms, 0},
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn or error",
         &ig.opt.log_level, 0},
        {0},
    };
    int rc = qw_config_parse(&ig.cfg, "qw-ingest",
                             "Consumes raw CRM deal events, keeps the deal ledger in Redis and "
                             "produces credit entries exactly once.\n"
                             "Also: qw-ingest convert --source S [FILE] (see convert --help).",
                             opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-ingest: %s\n", ig.cfg.errstr);
        return 2;
    }
    if (ig.cfg.nargs) { /* e.g. "--flag true": booleans take --flag or --flag=false */
        fprintf(stderr, "qw-ingest: unexpected argument \"%s\" (see qw-ingest --help)\n",
                ig.cfg.args[0]);
        return 2;
    }
    qw_log_init("qw-ingest", ig.opt.log_level);
    if (ig.opt.batch_size < 1 || ig.opt.batch_size > 100000 || ig.opt.batch_ms < 1 ||
        ig.opt.batch_idle_ms < 0 || ig.opt.watermark_ms < 10 || ig.opt.watermark_ms > 600000) {
        fprintf(stderr, "qw-ingest: --batch-size must be 1..100000, --batch-ms positive, "
                        "--batch-idle-ms not negative and --watermark-ms 10..600000\n");
        return 2;
    }

    char err[QW_ERRSTR_MAX];
    if (qw_http_bind_check(ig.opt.http_bind, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-ingest: %s\n", err);
        return 2;
    }
    /* Ingest needs only the base currency and the rate table: without a policy it converts
     * nothing, which is right when every CRM books in the base currency. */
    if (!*ig.opt.policy) {
        qw_policy_defaults(&ig.policy);
        qw_log(QW_LOG_WARN, "ingest.policy",
               "no --policy: base currency %s and no exchange rates; deals in another currency "
               "go to the dead-letter topic as unknown_currency",
               ig.policy.rates.base);
    } else if (qw_policy_load_file(&ig.policy, ig.opt.policy, NULL, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-ingest: %s\n(fix the policy file or point --policy at one)\n", err);
        return 2;
    }
    qw_adapter_cfg_init(&ig.adapters);
    if (ig.opt.stage_map) {
        size_t len;
        char *text = qw_file_read(ig.opt.stage_map, 4 * 1024 * 1024, &len, err, sizeof(err));
        int rc = text ? qw_stage_map_load(&ig.adapters, text, len, err, sizeof(err)) : QW_ERR;
        free(text);
        if (rc != QW_OK) {
            fprintf(stderr, "qw-ingest: --stage-map %s: %s\n", ig.opt.stage_map, err);
            return 2;
        }
    }
    ig.ledger.rates = &ig.policy.rates;
    if (qw_redis_init(&ig.redis, ig.opt.redis_url, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-ingest: --redis: %s\n", err);
        return 2;
    }
    /* Checked once at start when Redis is up (a later reconnect is checked too, and keeps the
     * service unready): refusing now is what an operator sees first. */
    qw_redis_require_durable(!ig.opt.redis_allow_volatile);
    if (qw_redis_connect(&ig.redis) != QW_OK && ig.redis.refused) {
        fprintf(stderr, "qw-ingest: %s\n", ig.redis.errstr);
        return 2;
    }
    qw_kafka_topic(ig.credits_topic, sizeof(ig.credits_topic), ig.opt.topic_prefix,
                   "qw.credits.v1");
    qw_kafka_topic(ig.dlq_topic, sizeof(ig.dlq_topic), ig.opt.topic_prefix, "qw.dlq.v1");

    ig.http = qw_http_start_addr(ig.opt.http_bind, (int)ig.opt.http_port, err, sizeof(err));
    if (!ig.http) {
        fprintf(stderr, "qw-ingest: %s\n", err);
        return 2;
    }
    qw_http_set_ready(ig.http, "redis", 0);
    qw_kafka_health_attach(ig.http);
    qw_log(QW_LOG_INFO, "ingest.http", "health and metrics on http://%s:%d/", ig.opt.http_bind,
           qw_http_port(ig.http));
    qw_svc_signals();
    rc = qw_ingest_run(&ig);
    qw_redis_close(&ig.redis);
    qw_http_stop(ig.http);
    qw_log(QW_LOG_INFO, "ingest.stopped", "exit %d", rc);
    return rc;
}
