/* qw-salesforce: Salesforce Change Data Capture onto <prefix>qw.crm.salesforce, exactly once
 * per replay id (see docs/salesforce.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "salesforce.h"

int main(int argc, char **argv)
{
    static qw_sf_t s;
    char err[QW_ERRSTR_MAX];
    int rc = qw_sf_options(&s, argc, argv, err, sizeof(err));
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-salesforce: %s\n", err);
        return 2;
    }
    qw_log_init("qw-salesforce", s.o.log_level);
    qw_svc_signals();
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());
    curl_global_init(CURL_GLOBAL_DEFAULT);
    qw_sf_metrics_init(&s);
    s.admin = qw_http_start_addr(s.o.http_bind, (int)s.o.http_port, err, sizeof(err));
    if (!s.admin) {
        fprintf(stderr, "qw-salesforce: %s\n", err);
        return 1;
    }
    qw_kafka_health_attach(s.admin);
    qw_http_set_ready(s.admin, "salesforce", 0);
    if (qw_sf_producer_start(&s) != QW_OK) {
        qw_log(QW_LOG_ERROR, "salesforce.start", "%s", s.errstr);
        return qw_svc_stop ? 0 : 1;
    }
    int found = 0;
    int64_t last = 0;
    while (qw_sf_resume(&s, &found, &last) != QW_OK) {
        qw_log(QW_LOG_WARN, "salesforce.resume_failed", "%s; retrying", s.errstr);
        qw_svc_sleep_ms(2000);
        if (qw_svc_stop) return 0;
    }
    s.replay = qw_sf_replay_start(found, last, s.initial);
    qw_log(QW_LOG_INFO, "salesforce.started",
           "%s -> %s; %s replay id %" PRId64 "; health on %s port %d", s.o.channel, s.topic,
           found ? "resuming after committed" : "no committed event yet, starting at", s.replay,
           s.o.http_bind, qw_http_port(s.admin));
    rc = qw_sf_run(&s);
    qw_log(QW_LOG_INFO, "salesforce.stopped", "last committed replay id %" PRId64, s.replay);
    rd_kafka_destroy(s.rk);
    qw_sf_auth_free(&s.auth);
    qw_http_stop(s.admin);
    curl_global_cleanup();
    return rc;
}
