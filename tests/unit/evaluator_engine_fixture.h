/* Shared set-up of the engine tests: a policy, reps, quotas, credits and a decision sink. */
#ifndef EVALUATOR_ENGINE_FIXTURE_H
#define EVALUATOR_ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "quotawatch/date.h"

#define MAXD 512
static qw_policy_t pol;
static qw_engine_t eng;
static qw_decision_t *got; /* heap: decisions are ~10 KB each */
static qw_decision_buf_t sink;

static inline void fx_policy(const char *extra_yaml)
{
    char yaml[2048], err[QW_ERRSTR_MAX];
    snprintf(yaml, sizeof(yaml),
             "version: test-7\ncurrency: {base: USD, rates: {EUR: \"1.10\"}}\n%s",
             extra_yaml ? extra_yaml : "");
    cr_assert_eq(qw_policy_load_string(&pol, yaml, strlen(yaml), NULL, err, sizeof(err)), QW_OK,
                 "%s", err);
    if (!got) got = calloc(MAXD, sizeof(*got));
    sink = (qw_decision_buf_t){got, MAXD, 0, 0};
    qw_engine_init(&eng, &pol, qw_decision_buf_emit, &sink);
}

static inline void fx_setup(void)
{
    fx_policy(NULL);
}

static inline void fx_teardown(void)
{
    free(got);
    got = NULL;
}

static inline int32_t fx_day(const char *ymd)
{
    int32_t d;
    cr_assert_eq(qw_date_parse(ymd, strlen(ymd), &d), 0, "%s", ymd);
    return d;
}

static inline int64_t fx_at(const char *iso)
{
    int64_t ms;
    cr_assert_eq(qw_time_parse_iso8601(iso, strlen(iso), &ms), 0, "%s", iso);
    return ms;
}

static inline void fx_rep(qw_rep_profile_t *p, const char *id, const char *team)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->rep_id, sizeof(p->rep_id), "%s", id);
    snprintf(p->name, sizeof(p->name), "Rep %s", id);
    snprintf(p->manager_id, sizeof(p->manager_id), "mgr-%s", team);
    snprintf(p->team_id, sizeof(p->team_id), "%s", team);
    p->hire_date = fx_day("2020-01-15"); /* long past ramp */
    p->active = 1;
}

static inline void fx_quota(qw_quota_t *q, const char *rep, const char *period, int64_t amount)
{
    memset(q, 0, sizeof(*q));
    snprintf(q->rep_id, sizeof(q->rep_id), "%s", rep);
    snprintf(q->period, sizeof(q->period), "%s", period);
    q->amount_minor = amount;
    memcpy(q->currency, "USD", 4);
    snprintf(q->version, sizeof(q->version), "q-%s-v1", period);
}

static inline qw_credit_t fx_credit(const char *deal, int64_t amount, const char *close_date)
{
    qw_credit_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s:%lld", deal, (long long)amount);
    snprintf(c.deal_id, sizeof(c.deal_id), "%s", deal);
    c.kind = amount >= 0 ? QW_CREDIT_KIND_CREDIT : QW_CREDIT_KIND_CLAWBACK;
    c.amount_minor = amount;
    memcpy(c.currency, "USD", 4);
    c.close_date = fx_day(close_date);
    c.close_time_ms = QW_TIME_NONE;
    c.won_date = QW_DATE_NONE;
    c.event_time_ms = fx_at(close_date);
    return c;
}

/* Number of decisions of a type emitted so far (since the last fx_clear). */
static inline int fx_count(const char *type)
{
    int n = 0;
    for (int i = 0; i < sink.n; i++)
        n += strcmp(got[i].type, type) == 0;
    return n;
}

static inline const qw_decision_t *fx_find(const char *type)
{
    for (int i = 0; i < sink.n; i++)
        if (strcmp(got[i].type, type) == 0) return &got[i];
    return NULL;
}

static inline const qw_evidence_t *fx_ev(const qw_decision_t *d, const char *key)
{
    for (int i = 0; i < d->nevidence; i++)
        if (strcmp(d->evidence[i].key, key) == 0) return &d->evidence[i];
    return NULL;
}

static inline void fx_clear(void)
{
    sink.n = 0;
    sink.dropped = 0;
}

/* A team of n reps with one quota each for `period`. */
typedef struct {
    int n;
    qw_rep_profile_t prof[16];
    qw_quota_t quota[16];
    qw_rep_state_t st[16];
    qw_engine_rep_t r[16];
} fx_team_t;

static inline void fx_team(fx_team_t *t, int n, const char *period, int64_t quota)
{
    memset(t, 0, sizeof(*t));
    t->n = n;
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "r%d", i + 1);
        fx_rep(&t->prof[i], id, "east");
        fx_quota(&t->quota[i], id, period, quota);
        qw_rep_state_init(&t->st[i], id);
        t->r[i] = (qw_engine_rep_t){&t->prof[i], &t->quota[i], &t->st[i]};
    }
}

/* Re-point the team's quotas at another period. */
static inline void fx_team_period(fx_team_t *t, const char *period)
{
    for (int i = 0; i < t->n; i++) {
        snprintf(t->quota[i].period, sizeof(t->quota[i].period), "%s", period);
        snprintf(t->quota[i].version, sizeof(t->quota[i].version), "q-%s-v1", period);
    }
}

static inline void fx_credit_rep(fx_team_t *t, int i, const char *deal, int64_t amount,
                                 const char *date)
{
    qw_credit_t c = fx_credit(deal, amount, date);
    cr_assert_eq(
        qw_engine_apply_credit(&eng, &t->prof[i], &t->quota[i], &t->st[i], &c, fx_at(date)), QW_OK,
        "%s", eng.errstr);
}

static inline int64_t fx_close_time(const char *period)
{
    qw_period_t p;
    cr_assert_eq(qw_period_parse(period, &p), 0);
    return qw_period_close_ms(&p, &pol.tz, pol.grace_days);
}

static inline void fx_close(fx_team_t *t, const char *period)
{
    fx_team_period(t, period);
    cr_assert_eq(qw_engine_close_period(&eng, t->r, t->n, period, fx_close_time(period)), QW_OK,
                 "%s", eng.errstr);
}

#endif
