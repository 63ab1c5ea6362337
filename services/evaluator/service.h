/* The qw-evaluator service shell: consumes qw.credits.v1 in a consumer group, applies each
 * partition's batch through the policy engine and one fenced Redis step (store.h), relays the
 * outbox to qw.decisions.v1 (relay.h), runs the calendar job (calendar.h). docs/evaluator.md. */
#ifndef QW_SERVICE_H
#define QW_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/config.h"

typedef struct qw_ev_opts_s {
    const char *brokers;
    const char *redis_url;
    const char *group;
    const char *prefix;
    const char *policy;
    const char *quotas_csv;
    const char *roster_csv;
    const char *log_level;
    const char *fake_now;
    const char *clock_file;
    const char *sources; /* raw topics whose completeness the calendar waits for */
    int64_t max_clock_lead_ms;
    int64_t data_delay_alert_ms;
    int64_t clock_offset_ms;
    int64_t http_port;
    int64_t batch_size;
    int64_t id_window;
    int64_t calendar_interval_ms;
    int calendar; /* run the calendar job (under the lease) */
    int redis_allow_volatile;
    const char *http_bind;
    int http_bind_all; /* deprecated alias of --http-bind 0.0.0.0 */
} qw_ev_opts_t;

/* Run until SIGTERM/SIGINT. Returns the process exit code. */
int qw_ev_run(const qw_ev_opts_t *o, const qw_config_t *cfg);

#endif
