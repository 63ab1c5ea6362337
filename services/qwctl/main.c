/* qwctl: the operator's command line for quotawatch. */
#include <stdio.h>
#include <string.h>

#include "qwctl.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "quotawatch/version.h"

static const char qwctl_summary[] =
    "The quotawatch operator's command line.\n\n"
    "Commands:\n"
    "  tail TOPIC        print a topic as JSON lines (credits, decisions, dlq, notify-dlq,\n"
    "                    roster, quotas, crm.hubspot and the other raw CRM topics), decoding\n"
    "                    protobuf; --until-eof stops at the end\n"
    "  produce TOPIC [FILE]\n"
    "                    send JSON documents, one per line, to a topic (e.g. qw.crm.canonical)\n"
    "  publish roster|quotas FILE.csv\n"
    "                    publish the roster or quotas (docs/formats/csv.md) to their topics;\n"
    "                    the whole file is validated first (--policy for the quotas' period\n"
    "                    kind and currency rates) and a bad file publishes nothing (exit 2)\n"
    "  resync salesforce|hubspot DEAL_ID...\n"
    "                    re-read deals through the CRM's REST API and publish full snapshots\n"
    "                    to qw.crm.<source> (credentials from QW_SALESFORCE_* / QW_HUBSPOT_*)\n"
    "  topics check      check every quotawatch topic (exists, partitions, replication,\n"
    "                    retention, compaction) against what the services need; exit 1 on\n"
    "                    an error (--strict: on a warning too), --json for scripts\n"
    "  preview-template TYPE [DECISION.json]\n"
    "                    render what Slack, e-mail and the webhook would receive for a\n"
    "                    decision (or a sample of TYPE) with --templates DIR, per audience\n"
    "  rep ID | team ID | decision ID | health\n"
    "                    what qw-web shows --as EMAIL (a standing with the credits and\n"
    "                    decisions behind it, a team, one decision with its evidence, the\n"
    "                    health reports): a table, or --json; --period P\n"
    "  dlq list|show|redrive [dlq|notify-dlq]\n"
    "                    dead letters by --reason, --source, --channel, --partition,\n"
    "                    --offsets, --since/--until; redrive puts each back where it came\n"
    "                    from once its cause is fixed (--dry-run to see what would be sent)\n"
    "  retract DECISION_ID --reason TEXT [--by WHO]\n"
    "                    withdraw a published decision for everyone who got it (its\n"
    "                    <family>.withdrawn, recording who and why); --dry-run shows it\n"
    "  rebuild evaluator|notifier-index\n"
    "                    evaluator: clear qw-evaluator's Redis state so it is derived from\n"
    "                    qw.credits.v1 again (every qw-evaluator stopped; retention, Redis\n"
    "                    checked first); --dry-run counts, --yes deletes. notifier-index:\n"
    "                    requeue notifier retry jobs that no retry queue holds\n"
    "  version           print the version (also --version)\n\n"
    "Options go before the command.";

int main(int argc, char **argv)
{
    static qwctl_t ctl;
    const qw_opt_t opts[] = {
        {"brokers", "QW_KAFKA_BOOTSTRAP", QW_OPT_STR, "127.0.0.1:9092", "Kafka bootstrap servers",
         &ctl.brokers, 0},
        {"topic-prefix", "QW_TOPIC_PREFIX", QW_OPT_STR, "", "prefix of every topic name",
         &ctl.topic_prefix, 0},
        {"until-eof", NULL, QW_OPT_BOOL, "false", "tail: stop at the end of every partition",
         &ctl.until_eof, 0},
        {"uncommitted", NULL, QW_OPT_BOOL, "false",
         "tail: read_uncommitted (show records of aborted transactions too)", &ctl.uncommitted, 0},
        {"marks", NULL, QW_OPT_BOOL, "false",
         "tail credits: show qw-ingest's completeness watermark records too", &ctl.marks, 0},
        {"timeout-ms", NULL, QW_OPT_INT, "0", "tail: stop after this long without a record",
         &ctl.timeout_ms, 0},
        {"key", NULL, QW_OPT_STR, NULL, "produce: the key of every record", &ctl.key, 0},
        {"key-field", NULL, QW_OPT_STR, NULL, "produce: take the key from this JSON field",
         &ctl.key_field, 0},
        {"policy", "QW_POLICY", QW_OPT_STR, "",
         "publish: policy YAML; quotas must fit its period kind and rate table", &ctl.policy, 0},
        {"dry-run", NULL, QW_OPT_BOOL, "false",
         "publish, dlq redrive, retract: check and show, send nothing", &ctl.dry_run, 0},
        {"json", NULL, QW_OPT_BOOL, "false", "topics check, rep, team, decision, health: JSON",
         &ctl.json, 0},
        {"strict", NULL, QW_OPT_BOOL, "false", "topics check: warnings fail (exit 1) too",
         &ctl.strict, 0},
        {"templates", "QW_NOTIFIER_TEMPLATES", QW_OPT_STR, "",
         "preview-template: template directory (default: the installed templates)", &ctl.templates,
         0},
        {"audience", NULL, QW_OPT_STR, "", "preview-template: only this audience", &ctl.audience,
         0},
        {"web", "QW_WEB_URL", QW_OPT_STR, "http://127.0.0.1:8090",
         "rep|team|decision|health: qw-web", &ctl.web_url, 0},
        {"as", "QW_WEB_AS", QW_OPT_STR, "", "rep|team|decision|health: the person's e-mail",
         &ctl.web_as, 0},
        {"web-auth-header", "QW_WEB_AUTH_HEADER", QW_OPT_STR, "X-Forwarded-Email",
         "rep|team|decision|health: the header qw-web trusts", &ctl.web_header, 0},
        {"period", NULL, QW_OPT_STR, "", "rep|team|health: the period (default: current)",
         &ctl.period, 0},
        {"reason", NULL, QW_OPT_STR, "",
         "dlq: only these reasons (comma-separated); retract: why (recorded)", &ctl.dlq_reason, 0},
        {"redis", "QW_REDIS_URL", QW_OPT_STR, "redis://127.0.0.1:6379/0",
         "rebuild: the Redis of the services", &ctl.redis_url, 0},
        {"group", "QW_EVALUATOR_GROUP", QW_OPT_STR, "qw-evaluator",
         "rebuild: qw-evaluator's consumer group (must have no members)", &ctl.group, 0},
        {"accept-retention", NULL, QW_OPT_BOOL, "false",
         "rebuild: go ahead although qw.credits.v1 does not keep everything", &ctl.accept_retention,
         0},
        {"yes", NULL, QW_OPT_BOOL, "false", "rebuild: really delete", &ctl.yes, 0},
        {"by", "QW_OPERATOR", QW_OPT_STR, "", "retract: who (default: the login name)",
         &ctl.retract_by, 0},
        {"source", NULL, QW_OPT_STR, "", "dlq: only this source (hubspot, qw.crm.hubspot)",
         &ctl.dlq_source, 0},
        {"channel", NULL, QW_OPT_STR, "", "dlq notify-dlq: only this channel or audience",
         &ctl.dlq_channel, 0},
        {"partition", NULL, QW_OPT_INT, "-1", "dlq: only this partition of the dead-letter topic",
         &ctl.dlq_partition, 0},
        {"offsets", NULL, QW_OPT_STR, "", "dlq: N, FROM-TO or FROM- (needs --partition)",
         &ctl.dlq_offsets, 0},
        {"since", NULL, QW_OPT_STR, "", "dlq: dead-lettered at or after (RFC 3339, or 6h, 7d)",
         &ctl.dlq_since, 0},
        {"until", NULL, QW_OPT_STR, "", "dlq: dead-lettered at or before", &ctl.dlq_until, 0},
        {0},
    };
    int rc = qw_config_parse(&ctl.cfg, "qwctl", qwctl_summary, opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK) {
        fprintf(stderr, "qwctl: %s\n", ctl.cfg.errstr);
        return 2;
    }
    qw_log_init("qwctl", "warn");
    qw_svc_signals();
    if (ctl.cfg.nargs < 1) {
        fprintf(stderr, "qwctl: no command (see qwctl --help)\n");
        return 2;
    }
    const char *cmd = ctl.cfg.args[0];
    if (!strcmp(cmd, "version")) {
        printf("qwctl %s\n", qw_version());
        return 0;
    }
    if (!strcmp(cmd, "tail")) return qwctl_tail(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "produce")) return qwctl_produce(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "publish")) return qwctl_publish(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "resync")) return qwctl_resync(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "topics")) return qwctl_topics(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "rep") || !strcmp(cmd, "team") || !strcmp(cmd, "decision") ||
        !strcmp(cmd, "health"))
        return qwctl_view(&ctl, cmd, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "rebuild")) return qwctl_rebuild(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "retract")) return qwctl_retract(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "dlq")) return qwctl_dlq(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    if (!strcmp(cmd, "preview-template"))
        return qwctl_preview(&ctl, ctl.cfg.nargs - 1, ctl.cfg.args + 1);
    fprintf(stderr, "qwctl: unknown command %s (see qwctl --help)\n", cmd);
    return 2;
}
