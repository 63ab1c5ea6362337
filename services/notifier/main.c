/* qw-notifier: decisions (qw.decisions.v1) -> routed, rendered, delivered notifications.
 * Offsets are committed only after every notification of a decision is recorded in Redis
 * (sent, queued for retry, or dead-lettered), so a crash loses nothing.
 *
 * The shell has the evaluator's and ingest's shape: options (options.c) → setup (loop.c:
 * Redis, HTTP, Kafka clients) → the loop (loop.c) → an exit code. Exit codes (app.h,
 * CONTRIBUTING.md): 0 clean stop; 1 runtime failure (Kafka refused the subscription, a fatal
 * client error: a restart may help); 2 refused configuration (the message names the option;
 * a restart will not help). */
#include "app.h"

#include "quotawatch/log.h"

#include <stdio.h>
#include <string.h>

static qw_ntf_t app;

int main(int argc, char **argv)
{
    qw_ntf_t *a = &app;
    memset(a, 0, sizeof(*a));
    char err[1024]; /* the TLS rules' messages are long */
    int rc = qw_ntf_options_parse(a, argc, argv, err, sizeof(err));
    if (rc == QW_CONFIG_HELP) return QW_NTF_EXIT_OK;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return QW_NTF_EXIT_CONFIG;
    }
    qw_log_init("qw-notifier", a->o.log_level);
    if (qw_ntf_config_load(a, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-notifier: %s\n", err);
        return QW_NTF_EXIT_CONFIG;
    }
    rc = qw_ntf_setup(a);
    if (rc == QW_NTF_EXIT_OK) rc = qw_ntf_run(a);
    qw_ntf_teardown(a);
    return rc;
}
