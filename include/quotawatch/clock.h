/* An injectable clock: services read time only through one of these, so tests control it. */
#ifndef QW_CLOCK_H
#define QW_CLOCK_H

#include <stdint.h>

typedef struct qw_clock_s {
    int64_t (*now_ms)(void *opaque); /* wall-clock epoch milliseconds */
    void *opaque;
} qw_clock_t;

/* The system clock (CLOCK_REALTIME). */
extern const qw_clock_t qw_clock_system;

/* A clock that reads *t: tests advance it by writing *t. */
qw_clock_t qw_clock_manual(int64_t *t);

static inline int64_t qw_clock_now(const qw_clock_t *c)
{
    return c->now_ms(c->opaque);
}

/* Monotonic nanoseconds, for latency measurement only (never for business time). */
int64_t qw_clock_mono_ns(void);

#endif
