/* Exponential backoff with jitter between reconnects: base, doubling to a cap; each delay is
 * drawn from [d/2, d] so that many subscribers do not retry in step. */
#ifndef QW_SF_BACKOFF_H
#define QW_SF_BACKOFF_H

#include <stdint.h>

typedef struct {
    int64_t base_ms, max_ms, cur_ms;
} qw_sf_backoff_t;

void qw_sf_backoff_init(qw_sf_backoff_t *b, int64_t base_ms, int64_t max_ms);
/* The next delay, for a random value rnd (the caller's source: the core has no clock or RNG). */
int64_t qw_sf_backoff_next(qw_sf_backoff_t *b, uint32_t rnd);
/* After a success: start from base again. */
void qw_sf_backoff_reset(qw_sf_backoff_t *b);

#endif
