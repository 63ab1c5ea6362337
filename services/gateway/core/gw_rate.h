/* A token bucket per source (pure, integer arithmetic, clock passed in): a sender that posts
 * faster than its rate gets 429 with Retry-After instead of flooding the raw topic. */
#ifndef QW_GW_RATE_H
#define QW_GW_RATE_H

#include <stdint.h>

typedef struct {
    int64_t rate;  /* tokens per second; 0 = unlimited */
    int64_t burst; /* bucket size in tokens */
    int64_t milli; /* tokens held, in thousandths */
    int64_t last_ms;
} qw_gw_rate_t;

void qw_gw_rate_init(qw_gw_rate_t *r, int64_t rate_per_s, int64_t burst, int64_t now_ms);

/* Takes one token: 1 when allowed, 0 when over the rate (then *retry_after_s, at least 1, says
 * when the next token is there). */
int qw_gw_rate_take(qw_gw_rate_t *r, int64_t now_ms, int64_t *retry_after_s);

#endif
