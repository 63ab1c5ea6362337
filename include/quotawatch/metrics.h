/* A process-wide Prometheus metrics registry: counters, gauges and latency histograms,
 * updated lock-free on the hot path and rendered in the text exposition format. */
#ifndef QW_METRICS_H
#define QW_METRICS_H
#ifdef QW_PURE
#error "quotawatch/metrics.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <stddef.h>
#include <stdint.h>

typedef struct qw_metric_s qw_metric_t;

/* Get or create a metric. labels is the inside of the braces, e.g. "reason=\"not_json\"", or
 * NULL. Look a metric up once and keep the pointer: the lookup takes a lock. Returns NULL only
 * when the registry is full (updates on NULL are ignored). */
qw_metric_t *qw_metrics_counter(const char *name, const char *help, const char *labels);
qw_metric_t *qw_metrics_gauge(const char *name, const char *help, const char *labels);
/* Latency histogram in seconds, observed in microseconds. */
qw_metric_t *qw_metrics_histogram(const char *name, const char *help, const char *labels);

void qw_metric_add(qw_metric_t *m, int64_t n);
void qw_metric_set(qw_metric_t *m, int64_t v);
void qw_metric_observe_us(qw_metric_t *m, int64_t us);
int64_t qw_metric_value(const qw_metric_t *m);

/* Render every metric; returns a malloc'd NUL-terminated string (caller frees). */
char *qw_metrics_render(size_t *len);

#endif
