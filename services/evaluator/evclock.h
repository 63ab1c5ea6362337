/* The evaluator's clock, a test and what-if facility (docs/evaluator.md, "Clock"): the system
 * clock, shifted by --clock-offset-ms, or frozen at --fake-now, or read from --clock-file (epoch
 * ms or RFC 3339, re-read at most every 100 ms) so a test can move time while the service
 * runs. Business time (decision time, checkpoints, period close) is read only through it. */
#ifndef QW_EVCLOCK_H
#define QW_EVCLOCK_H

#include <stdint.h>

#include "quotawatch/clock.h"
#include "quotawatch/common.h"

typedef struct qw_evclock_s {
    int64_t offset_ms;
    int64_t fixed_ms; /* INT64_MIN = not fixed */
    const char *file;
    int64_t file_ms;
    int64_t file_read_ns;
} qw_evclock_t;

/* fake_now: RFC 3339 or NULL/""; file: path or NULL/"". */
int qw_evclock_init(qw_evclock_t *c, const char *fake_now, int64_t offset_ms, const char *file,
                    char *errbuf, size_t errlen);
/* Frozen (--fake-now) or read from a file: business time that is not the wall clock, so not
 * Kafka time either (an offset clock is a skewed wall clock and counts as real). */
int qw_evclock_simulated(const qw_evclock_t *c);
qw_clock_t qw_evclock_clock(qw_evclock_t *c);

/* The clock file's one line (epoch ms, or RFC 3339; trailing spaces and newline ignored) into
 * *ms. 0 or -1. Exposed for fuzz_clock_file: the file is written by whoever drives a test. */
int qw_evclock_parse(const char *s, int64_t *ms);

#endif
