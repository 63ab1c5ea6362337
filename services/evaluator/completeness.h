/* Decisions wait for complete data (docs/completeness.md). Before the calendar job judges a
 * checkpoint or a close, every raw CRM partition must be complete up to the step's target
 * instant in every partition of qw.credits.v1: qw-ingest's marks (watermark.h), raised by the
 * owners' batch steps in <ns>qw:ev:{p<N>}:marks, must all have passed it. While they have not,
 * the step waits (gauge, log line naming the input that lags); past --data-delay-alert-ms sales
 * ops get one health.data_delayed notice. A business clock far ahead of the newest Kafka
 * timestamp of the marks stops the job too (a forward clock jump must not close periods). */
#ifndef QW_COMPLETENESS_H
#define QW_COMPLETENESS_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "quotawatch/metrics.h"
#include "store.h"

#define QW_COMPLETE_TOPICS_MAX 8

typedef enum {
    QW_COMPLETE_OK = 0,
    QW_COMPLETE_WAIT = 1,        /* an input is not complete up to the target yet */
    QW_COMPLETE_CLOCK_AHEAD = 2, /* the business clock is far ahead of Kafka's */
    QW_COMPLETE_ERROR = 3,       /* Redis or Kafka did not answer: try again */
} qw_complete_status_t;

typedef struct qw_complete_s {
    qw_store_t *store;
    rd_kafka_t *rk;
    char topics[QW_COMPLETE_TOPICS_MAX][256]; /* the raw topics qw-ingest reads */
    int ntopics;
    int simulated;       /* --fake-now / --clock-file: business time is not Kafka time */
    int64_t max_lead_ms; /* clock sanity: business now - newest mark timestamp */
    int64_t alert_ms;    /* waiting this long raises health.data_delayed */
    /* the wait in progress */
    char waiting_for[128]; /* the steps waited for ("" when none) */
    int64_t target_ms;     /* Kafka-time instant they need complete data up to */
    int64_t since_ms;      /* real time the wait began */
    int64_t logged_ms;     /* real time of the last calendar.waiting line */
    int alerted;
    int64_t newest_ts; /* newest Kafka timestamp of a mark record, over all partitions */
    char reason[512];  /* why the last check did not pass */
    qw_metric_t *m_waiting, *m_wait_s, *m_clock_ahead, *m_delayed;
    /* qw_evaluator_calendar_wait_reason{reason}: 1 for the current one (QW_COMPLETE_* order:
     * none, incomplete_data, clock_ahead, check_failed), 0 for the others. */
    qw_metric_t *m_reason[4];
} qw_complete_t;

/* Sets the wait-reason gauges to st (a qw_complete_status_t). */
void qw_complete_set_reason(qw_complete_t *c, int st);

typedef struct qw_complete_opts_s {
    const char *sources; /* NULL: no completeness check at all (never in the service) */
    const char *prefix;
    int simulated;
    int64_t max_lead_ms, alert_ms;
} qw_complete_opts_t;

/* sources: "salesforce,hubspot,..." as qw-ingest's --sources; prefix: --topic-prefix. */
int qw_complete_init(qw_complete_t *c, qw_store_t *store, rd_kafka_t *rk, const char *sources,
                     const char *prefix, char *errbuf, size_t errlen);

/* Are the inputs complete up to target_ms in all nparts credits partitions? now_ms is business
 * time (for the clock check). */
qw_complete_status_t qw_complete_check(qw_complete_t *c, int nparts, int64_t target_ms,
                                       int64_t now_ms);

/* The pure part, for tests: marks is a flat field/value list as HGETALL returns it; required
 * the fields every partition must have ("<topic>/<n>"). Returns 1 when each required field is
 * at least target_ms, else 0 with the first lagging field and its value in *lag / *lag_ms
 * (lag_ms = -1: no mark at all). *ts gets the "_ts" value (0 when none). */
int qw_complete_marks_pass(const char *const *fields, const char *const *values, int n,
                           const char *const *required, int nrequired, int64_t target_ms,
                           const char **lag, int64_t *lag_ms, int64_t *ts);

#endif
