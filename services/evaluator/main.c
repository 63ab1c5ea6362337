/* qw-evaluator: the service (default) and `qw-evaluator simulate` (what-if, in memory). */
#include <stdio.h>
#include <string.h>

#include "quotawatch/config.h"
#include "quotawatch/http.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "service.h"
#include "quotawatch/redis.h"
#include "simulate_main.h"

static int run_service(int argc, char **argv)
{
    qw_ev_opts_t o;
    memset(&o, 0, sizeof(o));
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &o.brokers, 0},
        {"redis", "QW_REDIS_URL", QW_OPT_STR, "redis://127.0.0.1:6379/0",
         "Redis URL (the evaluator's progress and rep states)", &o.redis_url, 0},
        QW_REDIS_OPT_ALLOW_VOLATILE(&o.redis_allow_volatile),
        {"group", "QW_EVALUATOR_GROUP", QW_OPT_STR, "qw-evaluator", "Kafka consumer group",
         &o.group, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "",
         "Prefix of every topic name (and of the Redis keys)", &o.prefix, 0},
        {"policy", "QW_POLICY", QW_OPT_STR, "", "Policy YAML file (empty: built-in defaults)",
         &o.policy, 0},
        {"quotas", "QW_QUOTAS_CSV", QW_OPT_STR, "",
         "Quotas CSV (rep_id,period,amount,currency,version), read before qw.quotas.v1",
         &o.quotas_csv, 0},
        {"roster", "QW_ROSTER_CSV", QW_OPT_STR, "", "Roster CSV, read before qw.roster.v1",
         &o.roster_csv, 0},
        {"http-port", "QW_HTTP_PORT", QW_OPT_INT, "0",
         "HTTP port for /healthz /readyz /metrics (0: any free port, logged)", &o.http_port, 0},
        QW_HTTP_OPT_BIND(&o.http_bind),
        {"http-bind-all", "QW_HTTP_BIND_ALL", QW_OPT_BOOL, "false",
         "Deprecated: --http-bind 0.0.0.0", &o.http_bind_all, 0},
        {"batch-size", "QW_BATCH_SIZE", QW_OPT_INT, "5000",
         "Credits per batch at most (a batch takes what is queued, so only a backlog fills it)",
         &o.batch_size, 0},
        {"id-window", "QW_ID_WINDOW", QW_OPT_INT, "100000",
         "Applied credit ids remembered per partition for de-duplication", &o.id_window, 0},
        {"calendar", "QW_CALENDAR", QW_OPT_BOOL, "true",
         "Run the calendar job (checkpoints, period close) under the Redis lease", &o.calendar, 0},
        {"calendar-interval-ms", "QW_CALENDAR_INTERVAL_MS", QW_OPT_INT, "10000",
         "How often the calendar job looks for due checkpoints", &o.calendar_interval_ms, 0},
        {"sources", "QW_SOURCES", QW_OPT_STR, "salesforce,hubspot,pipedrive,canonical",
         "Raw CRM sources qw-ingest reads: a checkpoint or close waits until each of their "
         "partitions is complete (docs/completeness.md)",
         &o.sources, 0},
        {"max-clock-lead-ms", "QW_MAX_CLOCK_LEAD_MS", QW_OPT_INT, "600000",
         "Refuse calendar steps while the clock is this far ahead of the newest Kafka timestamp",
         &o.max_clock_lead_ms, 0},
        {"data-delay-alert-ms", "QW_DATA_DELAY_ALERT_MS", QW_OPT_INT, "900000",
         "A step that waited this long for complete data sends sales ops health.data_delayed",
         &o.data_delay_alert_ms, 0},
        {"fake-now", "QW_FAKE_NOW", QW_OPT_STR, "",
         "Test/what-if: freeze the business clock at this RFC 3339 instant", &o.fake_now, 0},
        {"clock-offset-ms", "QW_CLOCK_OFFSET_MS", QW_OPT_INT, "0",
         "Test/what-if: shift the business clock by this many ms", &o.clock_offset_ms, 0},
        {"clock-file", "QW_CLOCK_FILE", QW_OPT_STR, "",
         "Test/what-if: read the business clock (epoch ms or RFC 3339) from this file",
         &o.clock_file, 0},
        {"log-level", "QW_LOG_LEVEL", QW_OPT_STR, "info", "debug, info, warn or error",
         &o.log_level, 0},
        {NULL, NULL, 0, NULL, NULL, NULL, 0},
    };
    qw_config_t cfg;
    int rc = qw_config_parse(&cfg, "qw-evaluator",
                             "Applies credits to rep attainment, runs the quota policy and "
                             "publishes decisions.\n`qw-evaluator simulate --help` for what-if "
                             "runs over files.",
                             opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-evaluator: %s\n", cfg.errstr);
        return 2;
    }
    if (cfg.nargs) { /* e.g. "--calendar false": booleans take --flag or --flag=false */
        fprintf(stderr, "qw-evaluator: unexpected argument \"%s\" (see qw-evaluator --help)\n",
                cfg.args[0]);
        return 2;
    }
    if (o.batch_size < 1 || o.batch_size > 100000 || o.id_window < 1 ||
        o.max_clock_lead_ms < 1000 || o.data_delay_alert_ms < 1000) {
        fprintf(stderr, "qw-evaluator: --batch-size 1..100000, --id-window >= 1, "
                        "--max-clock-lead-ms and --data-delay-alert-ms >= 1000\n");
        return 2;
    }
    qw_log_init("qw-evaluator", o.log_level);
    if (o.http_bind_all) {
        qw_log(QW_LOG_WARN, "config.deprecated",
               "--http-bind-all is deprecated: use --http-bind 0.0.0.0");
        o.http_bind = "0.0.0.0";
    }
    char err[QW_ERRSTR_MAX];
    if (qw_http_bind_check(o.http_bind, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-evaluator: %s\n", err);
        return 2;
    }
    qw_svc_signals();
    return qw_ev_run(&o, &cfg);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "simulate")) return qw_sim_main(argc - 1, argv + 1);
    return run_service(argc, argv);
}
