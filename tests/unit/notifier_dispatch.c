/* The endpoint table past its 1024 slots: a new endpoint takes the least recently used idle
 * slot and starts fresh; it never shares another endpoint's rate bucket, circuit breaker or
 * Retry-After, and with no idle slot it is told to wait. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static qw_ntf_t a;

static void setup(void)
{
    memset(&a, 0, sizeof(a));
    a.endpoints = calloc(QW_NTF_MAX_ENDPOINTS, sizeof(*a.endpoints));
    cr_assert_not_null(a.endpoints);
    a.o.webhook_interval_ms = 1000;
    a.o.breaker_failures = 3;
    a.o.breaker_cooldown_ms = 30000;
}

static void teardown(void)
{
    free(a.endpoints);
}

TestSuite(notifier_dispatch, .init = setup, .fini = teardown);

static qw_endpoint_t *ep(int i, int64_t now, int64_t *wait)
{
    qw_dlv_job_t job;
    memset(&job, 0, sizeof(job));
    job.kind = QW_CHAN_WEBHOOK;
    snprintf(job.address, sizeof(job.address), "https://hooks.example/%d", i);
    return qw_ntf_endpoint(&a, &job, now, wait);
}

static void fill(void)
{
    int64_t w;
    for (int i = 0; i < QW_NTF_MAX_ENDPOINTS; i++)
        cr_assert_not_null(ep(i, i, &w));
    cr_assert_eq(a.n_endpoints, QW_NTF_MAX_ENDPOINTS);
}

Test(notifier_dispatch, a_new_endpoint_past_the_limit_shares_nothing)
{
    fill();
    int64_t w, now = 100000;
    /* Endpoint 0 is down (breaker open), endpoint 1 said Retry-After, 2 used its bucket. */
    qw_endpoint_t *e0 = ep(0, now, &w);
    for (int i = 0; i < 3; i++)
        qw_breaker_failure(&e0->breaker, now);
    cr_assert_eq(e0->breaker.state, QW_BREAKER_OPEN);
    ep(1, now, &w)->not_before_ms = now + 60000;
    cr_assert_eq(qw_bucket_take(&ep(2, now, &w)->bucket, now), 0);
    /* 3 is now the least recently used idle one. */
    qw_endpoint_t *n = ep(5000, now + 1, &w);
    cr_assert_not_null(n);
    cr_assert_str_eq(n->key, "https://hooks.example/5000");
    cr_assert_eq(n->breaker.state, QW_BREAKER_CLOSED, "not endpoint 0's open breaker");
    cr_assert_eq(n->not_before_ms, 0, "not endpoint 1's Retry-After");
    cr_assert_eq(qw_bucket_take(&n->bucket, now + 1), 0, "a bucket of its own");
    cr_assert_eq(a.n_endpoints, QW_NTF_MAX_ENDPOINTS);
    /* The busy ones kept their state; the evicted one comes back fresh, evicting the next. */
    cr_assert_eq(ep(0, now + 2, &w)->breaker.state, QW_BREAKER_OPEN);
    cr_assert_eq(ep(1, now + 2, &w)->not_before_ms, now + 60000);
    qw_endpoint_t *e3 = ep(3, now + 3, &w);
    cr_assert_not_null(e3);
    cr_assert_str_eq(e3->key, "https://hooks.example/3");
    int found4 = 0;
    for (size_t i = 0; i < a.n_endpoints; i++)
        found4 |= !strcmp(a.endpoints[i].key, "https://hooks.example/4");
    cr_assert_not(found4, "4 was the least recently used idle endpoint");
    /* Every key is in the table once. */
    for (size_t i = 0; i < a.n_endpoints; i++)
        for (size_t j = i + 1; j < a.n_endpoints; j++)
            cr_assert_str_neq(a.endpoints[i].key, a.endpoints[j].key);
}

Test(notifier_dispatch, with_no_idle_endpoint_a_new_one_waits)
{
    fill();
    int64_t w, now = 100000;
    for (int i = 0; i < QW_NTF_MAX_ENDPOINTS; i++)
        ep(i, now, &w)->not_before_ms = now + 5000;
    cr_assert_null(ep(7000, now, &w), "no slot is free of state");
    cr_assert_gt(w, 0);
    /* Once Retry-After has passed, they are idle again. */
    qw_endpoint_t *n = ep(7000, now + 5000, &w);
    cr_assert_not_null(n);
    cr_assert_str_eq(n->key, "https://hooks.example/7000");
}
