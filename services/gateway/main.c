/* qw-gateway: CRM webhooks in, authenticated, onto qw.crm.<source> (see docs/gateway.md). */
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "quotawatch/clock.h"
#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"

int main(int argc, char **argv)
{
    static qw_gw_t g;
    char err[QW_ERRSTR_MAX];
    int rc = qw_gw_options(&g, argc, argv, err, sizeof(err));
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK) {
        fprintf(stderr, "qw-gateway: %s\n", err);
        return 2;
    }
    qw_log_init("qw-gateway", g.o.log_level);
    qw_svc_signals();
    pthread_mutex_init(&g.rate_lock, NULL);
    int64_t now = qw_clock_now(&qw_clock_system);
    for (int s = 0; s < QW_GW_SOURCES; s++)
        qw_gw_rate_init(&g.rate[s], g.o.rate, g.o.burst, now);
    qw_gw_metrics_init(&g);
    g.admin = qw_http_start_addr(g.o.http_bind, (int)g.o.http_port, err, sizeof(err));
    if (!g.admin) {
        fprintf(stderr, "qw-gateway: %s\n", err);
        return 1;
    }
    qw_kafka_health_attach(g.admin);
    if (qw_gw_producer_start(&g, err, sizeof(err))) {
        fprintf(stderr, "qw-gateway: %s\n", err);
        return 1;
    }
    if (qw_gw_server_start(&g, err, sizeof(err))) {
        fprintf(stderr, "qw-gateway: %s\n", err);
        qw_gw_producer_stop(&g);
        return 1;
    }
    qw_log(QW_LOG_INFO, "gateway.started", "health and metrics on %s port %d", g.o.http_bind,
           qw_http_port(g.admin));
    while (!qw_svc_stop)
        qw_svc_sleep_ms(1000);
    qw_log(QW_LOG_INFO, "gateway.stopping", "answering the requests in flight");
    qw_gw_server_stop(&g);
    qw_gw_producer_stop(&g);
    qw_http_stop(g.admin);
    if (atomic_load(&g.fatal)) return 1; /* the supervisor restarts us with a new producer */
    qw_log(QW_LOG_INFO, "gateway.stopped", "every 2xx given is on its topic");
    return 0;
}
