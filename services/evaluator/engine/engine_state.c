/* Per-rep state: the ordered ring of recent periods. */
#include <string.h>

#include "engine_internal.h"

void qw_rep_state_init(qw_rep_state_t *s, const char *rep_id)
{
    memset(s, 0, sizeof(*s));
    size_t n = strlen(rep_id);
    if (n >= sizeof(s->rep_id)) n = sizeof(s->rep_id) - 1;
    memcpy(s->rep_id, rep_id, n);
}

const qw_period_state_t *qw_rep_state_find(const qw_rep_state_t *s, const char *period)
{
    for (int i = 0; i < s->nperiods; i++)
        if (strcmp(s->p[i].period, period) == 0) return &s->p[i];
    return NULL;
}

/* The running streak state that the evicted slot leaves behind for its successors. */
static void evict_oldest(qw_rep_state_t *st)
{
    const qw_period_state_t *o = &st->p[0];
    st->base_miss_streak = o->miss_streak;
    st->base_hit_streak = o->hit_streak;
    /* A hit ends the run; a leave-excused one is neutral (as in qw_engine_reconcile). */
    if (o->outcome == QW_OUTCOME_HIT && !(o->flags & QW_PF_LEAVE)) {
        st->base_flags = 0;
    } else {
        st->base_flags |= o->flags & (QW_PF_COACHED | QW_PF_COACHED_AT_CLOSE);
        if ((o->flags & QW_PF_REVIEW) && !(o->flags & QW_PF_REVIEW_WITHDRAWN))
            st->base_flags |= QW_PF_REVIEW;
    }
    memmove(&st->p[0], &st->p[1], sizeof(st->p[0]) * (size_t)(st->nperiods - 1));
    st->nperiods--;
}

qw_period_state_t *qw_engine_slot(qw_engine_t *e, qw_rep_state_t *st, const char *period,
                                  int create)
{
    int i = 0;
    while (i < st->nperiods && strcmp(st->p[i].period, period) < 0)
        i++;
    if (i < st->nperiods && strcmp(st->p[i].period, period) == 0) return &st->p[i];
    if (!create) {
        qw_err_set(e->errstr, sizeof(e->errstr), "no state for period %s", period);
        return NULL;
    }
    if (st->nperiods == QW_ENGINE_PERIODS) {
        if (i == 0)
            return qw_err_set(e->errstr, sizeof(e->errstr),
                              "period %s is older than the %d periods kept for rep %s", period,
                              QW_ENGINE_PERIODS, st->rep_id),
                   NULL;
        if (!(st->p[0].flags & QW_PF_CLOSED))
            return qw_err_set(e->errstr, sizeof(e->errstr),
                              "state of rep %s is full and its oldest period %s is not closed",
                              st->rep_id, st->p[0].period),
                   NULL;
        evict_oldest(st);
        i--;
    }
    memmove(&st->p[i + 1], &st->p[i], sizeof(st->p[0]) * (size_t)(st->nperiods - i));
    st->nperiods++;
    qw_period_state_t *s = &st->p[i];
    memset(s, 0, sizeof(*s));
    memcpy(s->period, period, strlen(period) + 1);
    return s;
}
