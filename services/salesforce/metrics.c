/* qw-salesforce's metrics, each declared at start so every series exists at 0. */
#include "salesforce.h"

void qw_sf_metrics_init(qw_sf_t *s)
{
    qw_sf_metrics_t *m = &s->m;
    m->events = qw_metrics_counter("qw_salesforce_events_total",
                                   "Change events committed to the raw topic", NULL);
    m->txns =
        qw_metrics_counter("qw_salesforce_transactions_total",
                           "Kafka transactions committed (one per /meta/connect reply)", NULL);
    m->aborts =
        qw_metrics_counter("qw_salesforce_transaction_aborts_total",
                           "Kafka transactions aborted (the batch is produced again)", NULL);
    m->handshakes = qw_metrics_counter("qw_salesforce_handshakes_total", "Bayeux handshakes", NULL);
    m->rehandshake = qw_metrics_counter("qw_salesforce_rehandshakes_total",
                                        "New sessions asked for by the server (403::Unknown "
                                        "client, advice reconnect=handshake)",
                                        NULL);
    m->logins = qw_metrics_counter("qw_salesforce_logins_total", "OAuth token requests", NULL);
    m->login_fail = qw_metrics_counter("qw_salesforce_login_failures_total",
                                       "OAuth token requests refused or failed", NULL);
    m->expired = qw_metrics_counter("qw_salesforce_replay_expired_total",
                                    "Subscriptions whose replay id was past the retention", NULL);
    m->gaps = qw_metrics_counter("qw_salesforce_gap_events_total", "GAP_* events received", NULL);
    m->resync_ok =
        qw_metrics_counter("qw_salesforce_resyncs_total",
                           "Records of gap events re-read and published", "outcome=\"ok\"");
    m->resync_fail =
        qw_metrics_counter("qw_salesforce_resyncs_total",
                           "Records of gap events re-read and published", "outcome=\"failed\"");
    m->dups = qw_metrics_counter("qw_salesforce_duplicates_total",
                                 "Events delivered again at or below the committed replay id "
                                 "(not produced)",
                                 NULL);
    m->errors = qw_metrics_counter("qw_salesforce_errors_total",
                                   "Failed requests or refusals that caused a backoff", NULL);
    m->last_replay =
        qw_metrics_gauge("qw_salesforce_replay_id", "Replay id of the last committed event", NULL);
}
