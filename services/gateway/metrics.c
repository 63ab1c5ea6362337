/* qw-gateway's metrics, every label set declared at start so each series exists at 0. */
#include <stdio.h>
#include <string.h>

#include "gateway.h"

static const char *const reasons[QW_GW_R_COUNT] = {
    "accepted",           "bad_signature", "stale",     "missing", "bad_shape",     "too_large",
    "rate_limited",       "method",        "not_found", "kafka",   "shutting_down", "sender_gone",
    "stored_sender_gone",
};

void qw_gw_metrics_init(qw_gw_t *g)
{
    for (int s = 0; s <= QW_GW_SOURCES; s++) {
        const char *src = s < QW_GW_SOURCES ? qw_gw_source_name((qw_gw_source_t)s) : "none";
        for (int r = 0; r < QW_GW_R_COUNT; r++) {
            if (s == QW_GW_SOURCES && r != QW_GW_R_NOT_FOUND && r != QW_GW_R_SHUTTING_DOWN)
                continue;
            char l[96];
            snprintf(l, sizeof(l), "source=\"%s\",reason=\"%s\"", src, reasons[r]);
            g->req[s][r] = qw_metrics_counter(
                "qw_gateway_requests_total",
                "Webhook requests answered, by source and outcome (accepted = 2xx, stored)", l);
        }
        if (s == QW_GW_SOURCES) break;
        char l[64];
        snprintf(l, sizeof(l), "source=\"%s\"", src);
        g->latency[s] = qw_metrics_histogram(
            "qw_gateway_accept_seconds",
            "Time from a request's arrival to its 2xx (the broker's acknowledgement included)", l);
        g->bytes[s] = qw_metrics_counter("qw_gateway_accepted_bytes_total",
                                         "Body bytes produced to the raw topic", l);
    }
}

void qw_gw_count(qw_gw_t *g, int src, const char *reason)
{
    for (int r = 0; r < QW_GW_R_COUNT; r++)
        if (!strcmp(reasons[r], reason)) {
            qw_metric_add(g->req[src][r], 1);
            return;
        }
}
