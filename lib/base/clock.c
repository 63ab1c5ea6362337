#include "quotawatch/clock.h"

#include <time.h>

static int64_t system_now(void *opaque)
{
    (void)opaque;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const qw_clock_t qw_clock_system = {system_now, 0};

static int64_t manual_now(void *opaque)
{
    return *(int64_t *)opaque;
}

qw_clock_t qw_clock_manual(int64_t *t)
{
    qw_clock_t c = {manual_now, t};
    return c;
}

int64_t qw_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
