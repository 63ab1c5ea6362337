#include "reftable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/period.h"

void qw_reftable_init(qw_reftable_t *t)
{
    qw_strmap_init(&t->roster);
    qw_strmap_init(&t->quotas);
}

void qw_reftable_free(qw_reftable_t *t)
{
    qw_strmap_free(&t->roster, free);
    qw_strmap_free(&t->quotas, free);
}

int qw_reftable_put_profile(qw_reftable_t *t, const qw_rep_profile_t *p)
{
    qw_rep_profile_t *c = malloc(sizeof(*c));
    if (!c) return QW_ERR;
    *c = *p;
    void *old;
    if (qw_strmap_put(&t->roster, c->rep_id, strlen(c->rep_id), c, &old) != 0) {
        free(c);
        return QW_ERR;
    }
    free(old);
    return QW_OK;
}

static size_t quota_key(char *out, size_t cap, const char *rep, const char *period)
{
    int n = snprintf(out, cap, "%s\x1f%s", rep, period);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int qw_reftable_put_quota(qw_reftable_t *t, const qw_quota_t *q)
{
    char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    size_t kl = quota_key(k, sizeof(k), q->rep_id, q->period);
    qw_quota_t *c = malloc(sizeof(*c));
    if (!c || !kl) {
        free(c);
        return QW_ERR;
    }
    *c = *q;
    void *old;
    if (qw_strmap_put(&t->quotas, k, kl, c, &old) != 0) {
        free(c);
        return QW_ERR;
    }
    free(old);
    return QW_OK;
}

const qw_rep_profile_t *qw_reftable_profile(const qw_reftable_t *t, const char *rep_id)
{
    return qw_strmap_get(&t->roster, rep_id, strlen(rep_id));
}

const qw_quota_t *qw_reftable_quota(const qw_reftable_t *t, const char *rep_id, const char *period)
{
    char k[QW_ID_MAX + QW_PERIOD_ID_MAX + 2];
    size_t kl = quota_key(k, sizeof(k), rep_id, period);
    return kl ? qw_strmap_get(&t->quotas, k, kl) : NULL;
}
