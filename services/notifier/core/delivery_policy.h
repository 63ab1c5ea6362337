/* Delivery policy, pure: retry backoff with jitter, per-endpoint token buckets and circuit
 * breakers. Time and randomness are passed in. */
#ifndef QW_DELIVERY_POLICY_H
#define QW_DELIVERY_POLICY_H

#include <stdint.h>

/* ---- backoff ---- */

typedef struct qw_backoff_s {
    int64_t base_ms;  /* delay before the 2nd attempt, before jitter */
    int64_t cap_ms;   /* no delay exceeds this */
    int max_attempts; /* attempts in all, the first included; then the DLQ */
} qw_backoff_t;

/* Delay after failed attempt number `attempt` (1 = the first): d = min(cap, base * 2^(attempt-1)),
 * then "equal jitter": d/2 + rnd % (d/2 + 1), so the delay lies in [d/2, d]. A Retry-After
 * from the endpoint wins when it is longer. */
int64_t qw_backoff_delay(const qw_backoff_t *b, int attempt, uint64_t rnd, int64_t retry_after_ms);

/* ---- token bucket ---- */

typedef struct qw_bucket_s {
    int64_t interval_ms; /* one token every interval (1000: one message per second) */
    int burst;           /* tokens held at most */
    int64_t tokens_ms;   /* tokens, in milliseconds of credit (tokens * interval) */
    int64_t last_ms;
} qw_bucket_t;

void qw_bucket_init(qw_bucket_t *b, int64_t interval_ms, int burst, int64_t now_ms);
/* Takes a token: returns 0, or the milliseconds until one is available (nothing taken). */
int64_t qw_bucket_take(qw_bucket_t *b, int64_t now_ms);

/* ---- circuit breaker ---- */

typedef enum { QW_BREAKER_CLOSED, QW_BREAKER_OPEN, QW_BREAKER_HALF_OPEN } qw_breaker_state_t;

typedef struct qw_breaker_s {
    int threshold;       /* consecutive failures that open it */
    int64_t cooldown_ms; /* open this long, then one probe is let through */
    qw_breaker_state_t state;
    int failures;
    int64_t opened_ms;
    int probing; /* a half-open probe is out */
} qw_breaker_t;

void qw_breaker_init(qw_breaker_t *b, int threshold, int64_t cooldown_ms);
/* 0 when a request may go now; otherwise the milliseconds to wait. */
int64_t qw_breaker_allow(qw_breaker_t *b, int64_t now_ms);
void qw_breaker_success(qw_breaker_t *b);
void qw_breaker_failure(qw_breaker_t *b, int64_t now_ms);

#endif
