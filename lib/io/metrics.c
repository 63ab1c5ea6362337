#include "quotawatch/metrics.h"

#include "metrics_process.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QW_METRICS_MAX  512
#define QW_HIST_BUCKETS 14

typedef enum { QW_M_COUNTER, QW_M_GAUGE, QW_M_HIST } qw_metric_kind_t;

struct qw_metric_s {
    qw_metric_kind_t kind;
    char name[96];
    char help[160];
    char labels[160];
    _Atomic int64_t value; /* counter, gauge; histogram: sum in us */
    _Atomic int64_t count;
    _Atomic int64_t buckets[QW_HIST_BUCKETS];
};

/* Bucket upper bounds in microseconds: 100us .. 60s. */
static const int64_t qw_hist_le_us[QW_HIST_BUCKETS] = {100,     500,     1000,     2500,    5000,
                                                       10000,   25000,   50000,    100000,  250000,
                                                       1000000, 5000000, 15000000, 60000000};

static struct qw_metric_s qw_metrics[QW_METRICS_MAX];
static int qw_nmetrics;
static pthread_mutex_t qw_metrics_lock = PTHREAD_MUTEX_INITIALIZER;

static qw_metric_t *get(qw_metric_kind_t kind, const char *name, const char *help,
                        const char *labels)
{
    qw_metric_t *m = NULL;
    if (!labels) labels = "";
    pthread_mutex_lock(&qw_metrics_lock);
    for (int i = 0; i < qw_nmetrics; i++) {
        if (!strcmp(qw_metrics[i].name, name) && !strcmp(qw_metrics[i].labels, labels)) {
            m = &qw_metrics[i];
            break;
        }
    }
    if (!m && qw_nmetrics < QW_METRICS_MAX) {
        m = &qw_metrics[qw_nmetrics];
        m->kind = kind;
        snprintf(m->name, sizeof(m->name), "%s", name);
        snprintf(m->help, sizeof(m->help), "%s", help);
        snprintf(m->labels, sizeof(m->labels), "%s", labels);
        qw_nmetrics++; /* published under the lock; render takes it too */
    }
    pthread_mutex_unlock(&qw_metrics_lock);
    return m;
}

qw_metric_t *qw_metrics_counter(const char *name, const char *help, const char *labels)
{
    return get(QW_M_COUNTER, name, help, labels);
}

qw_metric_t *qw_metrics_gauge(const char *name, const char *help, const char *labels)
{
    return get(QW_M_GAUGE, name, help, labels);
}

qw_metric_t *qw_metrics_histogram(const char *name, const char *help, const char *labels)
{
    return get(QW_M_HIST, name, help, labels);
}

void qw_metric_add(qw_metric_t *m, int64_t n)
{
    if (m) atomic_fetch_add_explicit(&m->value, n, memory_order_relaxed);
}

void qw_metric_set(qw_metric_t *m, int64_t v)
{
    /* Release/acquire: a scrape that sees a value also sees the values set before it (lag.c
     * relies on that); free on x86. */
    if (m) atomic_store_explicit(&m->value, v, memory_order_release);
}

int64_t qw_metric_value(const qw_metric_t *m)
{
    return m ? atomic_load_explicit(&((qw_metric_t *)m)->value, memory_order_acquire) : 0;
}

void qw_metric_observe_us(qw_metric_t *m, int64_t us)
{
    if (!m) return;
    atomic_fetch_add_explicit(&m->value, us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    for (int i = 0; i < QW_HIST_BUCKETS; i++) {
        if (us <= qw_hist_le_us[i]) {
            atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
            break;
        }
    }
}

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap + (size_t)n) * 2;
        char *nb = realloc(b->buf, ncap);
        if (!nb) return;
        b->buf = nb;
        b->cap = ncap;
    }
}

static void us_to_seconds(int64_t us, char *out, size_t len)
{
    snprintf(out, len, "%lld.%06lld", (long long)(us / 1000000), (long long)(us % 1000000));
}

static void render_one(sbuf_t *b, qw_metric_t *m)
{
    const char *sep = m->labels[0] ? "," : "";
    if (m->kind != QW_M_HIST) {
        sb_printf(b, "%s%s%s%s %lld\n", m->name, m->labels[0] ? "{" : "", m->labels,
                  m->labels[0] ? "}" : "", (long long)atomic_load(&m->value));
        return;
    }
    int64_t cum = 0;
    char le[32];
    for (int k = 0; k < QW_HIST_BUCKETS; k++) {
        cum += atomic_load(&m->buckets[k]);
        us_to_seconds(qw_hist_le_us[k], le, sizeof(le));
        sb_printf(b, "%s_bucket{%s%sle=\"%s\"} %lld\n", m->name, m->labels, sep, le,
                  (long long)cum);
    }
    int64_t count = atomic_load(&m->count);
    sb_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %lld\n", m->name, m->labels, sep, (long long)count);
    us_to_seconds(atomic_load(&m->value), le, sizeof(le));
    sb_printf(b, "%s_sum%s%s%s %s\n%s_count%s%s%s %lld\n", m->name, m->labels[0] ? "{" : "",
              m->labels, m->labels[0] ? "}" : "", le, m->name, m->labels[0] ? "{" : "", m->labels,
              m->labels[0] ? "}" : "", (long long)count);
}

char *qw_metrics_render(size_t *len)
{
    sbuf_t b = {malloc(4096), 0, 4096};
    if (!b.buf) return NULL;
    b.buf[0] = '\0';
    pthread_mutex_lock(&qw_metrics_lock);
    /* The exposition format wants every sample of a family together, after one HELP and TYPE:
     * metrics of one name registered at different times are gathered at its first. */
    for (int i = 0; i < qw_nmetrics; i++) {
        qw_metric_t *m = &qw_metrics[i];
        int first = 1;
        for (int j = 0; j < i && first; j++)
            if (!strcmp(qw_metrics[j].name, m->name)) first = 0;
        if (!first) continue;
        const char *type = m->kind == QW_M_COUNTER ? "counter"
                           : m->kind == QW_M_GAUGE ? "gauge"
                                                   : "histogram";
        sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, type);
        for (int j = i; j < qw_nmetrics; j++)
            if (!strcmp(qw_metrics[j].name, m->name)) render_one(&b, &qw_metrics[j]);
    }
    pthread_mutex_unlock(&qw_metrics_lock);
    char proc[2048];
    size_t pn = qw_metrics_process_text(proc, sizeof(proc));
    sb_printf(&b, "%.*s", (int)pn, proc);
    if (len) *len = b.len;
    return b.buf;
}
