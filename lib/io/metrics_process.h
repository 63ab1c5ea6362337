/* Private to lib/io: the process_* families appended to every /metrics page. */
#ifndef QW_METRICS_PROCESS_H
#define QW_METRICS_PROCESS_H

#include <stddef.h>

/* Writes the process_* families (HELP, TYPE, sample) into out; returns the length written. */
size_t qw_metrics_process_text(char *out, size_t outlen);

#endif
