#include "gw_rate.h"

void qw_gw_rate_init(qw_gw_rate_t *r, int64_t rate_per_s, int64_t burst, int64_t now_ms)
{
    r->rate = rate_per_s > 0 ? rate_per_s : 0;
    r->burst = burst > 0 ? burst : (r->rate > 0 ? r->rate : 1);
    r->milli = r->burst * 1000;
    r->last_ms = now_ms;
}

int qw_gw_rate_take(qw_gw_rate_t *r, int64_t now_ms, int64_t *retry_after_s)
{
    if (r->rate == 0) return 1;
    if (now_ms > r->last_ms) {
        int64_t dt = now_ms - r->last_ms;
        /* refill = dt ms * rate tokens/s = dt * rate thousandths; capped before multiplying */
        int64_t cap = r->burst * 1000;
        int64_t add = dt > cap ? cap * r->rate : dt * r->rate;
        r->milli = add >= cap - r->milli ? cap : r->milli + add;
        r->last_ms = now_ms;
    }
    if (r->milli >= 1000) {
        r->milli -= 1000;
        return 1;
    }
    if (retry_after_s) {
        int64_t need_ms = (1000 - r->milli + r->rate - 1) / r->rate; /* ms until one token */
        int64_t s = (need_ms + 999) / 1000;
        *retry_after_s = s < 1 ? 1 : s;
    }
    return 0;
}
