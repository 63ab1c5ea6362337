/* Reference data as plain tables: the roster (rep id -> profile) and the quotas (rep and period
 * -> quota). Pure: what simulate looks reps and quotas up in; the shell's refdata fills the
 * same shape from the compacted topics. A put replaces the entry of the same key. */
#ifndef QW_REFTABLE_H
#define QW_REFTABLE_H

#include "quotawatch/common.h"
#include "quotawatch/roster.h"
#include "quotawatch/strmap.h"

typedef struct qw_reftable_s {
    qw_strmap_t roster; /* rep id -> qw_rep_profile_t* */
    qw_strmap_t quotas; /* "<rep>\x1f<period>" -> qw_quota_t* */
} qw_reftable_t;

void qw_reftable_init(qw_reftable_t *t);
void qw_reftable_free(qw_reftable_t *t);

/* Add or replace (copies). */
int qw_reftable_put_profile(qw_reftable_t *t, const qw_rep_profile_t *p);
int qw_reftable_put_quota(qw_reftable_t *t, const qw_quota_t *q);

const qw_rep_profile_t *qw_reftable_profile(const qw_reftable_t *t, const char *rep_id);
const qw_quota_t *qw_reftable_quota(const qw_reftable_t *t, const char *rep_id, const char *period);

#endif
