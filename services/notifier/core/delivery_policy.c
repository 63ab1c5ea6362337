#include "delivery_policy.h"

int64_t qw_backoff_delay(const qw_backoff_t *b, int attempt, uint64_t rnd, int64_t retry_after_ms)
{
    int64_t d = b->base_ms;
    for (int i = 1; i < attempt && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms) d = b->cap_ms;
    int64_t half = d / 2;
    int64_t delay = half + (int64_t)(rnd % (uint64_t)(d - half + 1));
    return retry_after_ms > delay ? retry_after_ms : delay;
}

void qw_bucket_init(qw_bucket_t *b, int64_t interval_ms, int burst, int64_t now_ms)
{
    b->interval_ms = interval_ms > 0 ? interval_ms : 1;
    b->burst = burst > 0 ? burst : 1;
    b->tokens_ms = b->interval_ms * b->burst;
    b->last_ms = now_ms;
}

int64_t qw_bucket_take(qw_bucket_t *b, int64_t now_ms)
{
    int64_t max = b->interval_ms * b->burst;
    if (now_ms > b->last_ms) {
        b->tokens_ms += now_ms - b->last_ms;
        if (b->tokens_ms > max) b->tokens_ms = max;
        b->last_ms = now_ms;
    }
    if (b->tokens_ms >= b->interval_ms) {
        b->tokens_ms -= b->interval_ms;
        return 0;
    }
    return b->interval_ms - b->tokens_ms;
}

void qw_breaker_init(qw_breaker_t *b, int threshold, int64_t cooldown_ms)
{
    b->threshold = threshold > 0 ? threshold : 1;
    b->cooldown_ms = cooldown_ms;
    b->state = QW_BREAKER_CLOSED;
    b->failures = 0;
    b->opened_ms = 0;
    b->probing = 0;
}

int64_t qw_breaker_allow(qw_breaker_t *b, int64_t now_ms)
{
    switch (b->state) {
    case QW_BREAKER_CLOSED:
        return 0;
    case QW_BREAKER_OPEN:
        if (now_ms - b->opened_ms < b->cooldown_ms) return b->cooldown_ms - (now_ms - b->opened_ms);
        b->state = QW_BREAKER_HALF_OPEN;
        b->probing = 1;
        return 0;
    case QW_BREAKER_HALF_OPEN:
        /* One probe at a time: the others wait for its outcome. */
        if (b->probing) return b->cooldown_ms > 0 ? b->cooldown_ms : 1;
        b->probing = 1;
        return 0;
    }
    return 0;
}

void qw_breaker_success(qw_breaker_t *b)
{
    b->state = QW_BREAKER_CLOSED;
    b->failures = 0;
    b->probing = 0;
}

void qw_breaker_failure(qw_breaker_t *b, int64_t now_ms)
{
    b->probing = 0;
    if (b->state == QW_BREAKER_HALF_OPEN || ++b->failures >= b->threshold) {
        b->state = QW_BREAKER_OPEN;
        b->opened_ms = now_ms;
        b->failures = 0;
    }
}
