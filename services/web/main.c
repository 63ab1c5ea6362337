/* qw-web: read service of quotawatch (docs/web.md). */
#include <stdio.h>
#include <string.h>

#include "quotawatch/kafka.h"
#include "quotawatch/log.h"
#include "quotawatch/svc.h"
#include "web.h"

int main(int argc, char **argv)
{
    static qw_web_t w;
    int rc = qw_web_options(&w, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc) return rc;
    qw_log_init("qw-web", w.log_level);
    char err[QW_ERRSTR_MAX];
    if (qw_policy_load_or_default(&w.policy, w.policy_path, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-web: --policy: %s\n", err);
        return 2;
    }
    if (qw_web_oidc_start(&w, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-web: OIDC keys (--oidc-jwks / --oidc-jwks-url): %s\n", err);
        return 2;
    }
    qw_svc_signals();
    w.http = qw_http_start_addr(w.http_bind, (int)w.http_port, err, sizeof(err));
    if (!w.http) {
        fprintf(stderr, "qw-web: %s\n", err);
        return 2;
    }
    qw_http_set_ready(w.http, "projection", 0);
    qw_kafka_health_attach(w.http);
    if (!w.nproxies && !qw_web_oidc_on(&w))
        qw_log(QW_LOG_WARN, "auth.no_proxy",
               "no --trusted-proxy and no OIDC keys: every API request is anonymous (401)");
    if (qw_web_server_start(&w, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qw-web: %s\n", err);
        qw_http_stop(w.http);
        return 2;
    }
    qw_log(QW_LOG_INFO, "web.listening", "API and pages on http://%s/, health on port %d", w.listen,
           qw_http_port(w.http));
    if (qw_web_project_start(&w, err, sizeof(err)) != QW_OK) {
        if (!qw_svc_stop) {
            fprintf(stderr, "qw-web: %s\n", err);
            rc = 1;
        }
        qw_web_server_stop(&w);
        qw_http_stop(w.http);
        return rc;
    }
    while (!qw_svc_stop)
        qw_svc_sleep_ms(200);
    qw_log(QW_LOG_INFO, "stop", "stopping");
    qw_web_sse_close_all(&w);
    qw_web_server_stop(&w);
    qw_web_project_stop(&w);
    qw_http_stop(w.http);
    qw_jwks_free(&w.jwks);
    return 0;
}
