/* The metrics registry (lib/io/metrics.c): values, histogram buckets, and an exposition that
 * Prometheus accepts (one HELP/TYPE per family, its samples together). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "quotawatch/metrics.h"

static char *render(void)
{
    size_t len = 0;
    char *s = qw_metrics_render(&len);
    cr_assert_not_null(s);
    cr_assert_eq(strlen(s), len);
    return s;
}

Test(io_metrics, same_name_and_labels_is_the_same_metric)
{
    qw_metric_t *a = qw_metrics_counter("t_same_total", "help", "k=\"v\"");
    qw_metric_t *b = qw_metrics_counter("t_same_total", "help", "k=\"v\"");
    cr_assert_eq(a, b);
    qw_metric_add(a, 2);
    qw_metric_add(b, 3);
    cr_assert_eq(qw_metric_value(a), 5);
    qw_metric_t *g = qw_metrics_gauge("t_gauge", "g", NULL);
    qw_metric_set(g, -7);
    cr_assert_eq(qw_metric_value(g), -7);
    qw_metric_add(NULL, 1); /* a full registry hands out NULL: updates are ignored */
    cr_assert_eq(qw_metric_value(NULL), 0);
}

Test(io_metrics, a_family_registered_in_pieces_renders_together)
{
    qw_metric_add(qw_metrics_counter("t_fam_total", "fam help", "r=\"a\""), 1);
    qw_metric_add(qw_metrics_counter("t_other_total", "other", NULL), 1);
    qw_metric_add(qw_metrics_counter("t_fam_total", "fam help", "r=\"b\""), 4);
    char *s = render();
    const char *help = strstr(s, "# HELP t_fam_total fam help\n# TYPE t_fam_total counter\n");
    cr_assert_not_null(help, "%s", s);
    cr_assert_null(strstr(help + 1, "# HELP t_fam_total"), "one HELP per family");
    const char *a = strstr(s, "t_fam_total{r=\"a\"} 1\n");
    const char *b = strstr(s, "t_fam_total{r=\"b\"} 4\n");
    const char *other = strstr(s, "# HELP t_other_total");
    cr_assert(a && b && other, "%s", s);
    cr_assert(help < a && a < b && b < other, "samples of a family are contiguous:\n%s", s);
    free(s);
}

Test(io_metrics, histogram_buckets_are_cumulative_in_seconds)
{
    qw_metric_t *h = qw_metrics_histogram("t_lat_seconds", "latency", "op=\"x\"");
    qw_metric_observe_us(h, 50);       /* <= 100us */
    qw_metric_observe_us(h, 2000);     /* <= 2.5ms */
    qw_metric_observe_us(h, 90000000); /* beyond 60 s: only +Inf */
    char *s = render();
    cr_assert_not_null(strstr(s, "# TYPE t_lat_seconds histogram\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_bucket{op=\"x\",le=\"0.000100\"} 1\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_bucket{op=\"x\",le=\"0.002500\"} 2\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_bucket{op=\"x\",le=\"60.000000\"} 2\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_sum{op=\"x\"} 90.002050\n"), "%s", s);
    cr_assert_not_null(strstr(s, "t_lat_seconds_count{op=\"x\"} 3\n"), "%s", s);
    free(s);
}

Test(io_metrics, every_page_has_the_process_families)
{
    char *s = render();
    const char *want[] = {"process_cpu_seconds_total",
                          "process_resident_memory_bytes",
                          "process_virtual_memory_bytes",
                          "process_open_fds",
                          "process_max_fds",
                          "process_start_time_seconds"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char help[96], sample[96];
        snprintf(help, sizeof(help), "# HELP %s ", want[i]);
        snprintf(sample, sizeof(sample), "\n%s ", want[i]);
        cr_assert(strstr(s, help), "no HELP for %s", want[i]);
        cr_assert(strstr(s, sample), "no sample of %s", want[i]);
    }
    long long rss = atoll(strstr(s, "\nprocess_resident_memory_bytes ") + 31);
    cr_assert_gt(rss, 1 << 20, "a resident size of %lld bytes", rss);
    double start = atof(strstr(s, "\nprocess_start_time_seconds ") + 28);
    double now = (double)time(NULL);
    cr_assert(start > now - 600 && start <= now + 1, "start %.0f, now %.0f", start, now);
    cr_assert_gt(atoll(strstr(s, "\nprocess_open_fds ") + 18), 2);
    free(s);
}
