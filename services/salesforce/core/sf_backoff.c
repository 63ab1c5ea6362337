#include "sf_backoff.h"

void qw_sf_backoff_init(qw_sf_backoff_t *b, int64_t base_ms, int64_t max_ms)
{
    b->base_ms = base_ms > 0 ? base_ms : 1;
    b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
    b->cur_ms = 0;
}

int64_t qw_sf_backoff_next(qw_sf_backoff_t *b, uint32_t rnd)
{
    b->cur_ms = b->cur_ms ? b->cur_ms * 2 : b->base_ms;
    if (b->cur_ms > b->max_ms) b->cur_ms = b->max_ms;
    int64_t half = b->cur_ms / 2;
    return half + (int64_t)(rnd % (uint32_t)(b->cur_ms - half + 1));
}

void qw_sf_backoff_reset(qw_sf_backoff_t *b)
{
    b->cur_ms = 0;
}
