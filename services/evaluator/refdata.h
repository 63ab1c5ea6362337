/* Reference data in memory: the roster (qw.roster.v1) and the quotas (qw.quotas.v1, and/or a
 * --quotas CSV file). Both topics are compacted; every instance reads them fully from the
 * beginning with its own follower (quotawatch/follow.h: assign() only) and keeps following, so
 * every instance sees every rep. A quota record replaces the one of the same rep and period:
 * new decisions use the newest version, and each decision names the version it used. */
#ifndef QW_REFDATA_H
#define QW_REFDATA_H

#include "quotawatch/common.h"
#include "quotawatch/config.h"
#include "quotawatch/policy.h"
#include "quotawatch/roster.h"
#include "quotawatch/strmap.h"
#include "reftable.h"

typedef struct qw_refdata_s {
    qw_reftable_t t;            /* the tables (engine/reftable.c), filled from topics and CSV */
    struct qw_follow_s *follow; /* NULL when not following topics (simulate) */
    int caught_up;              /* every partition reached the high watermark seen at start */
    int npart;                  /* partitions followed (both topics) */
    int64_t records, invalid;   /* invalid: records refused (logged, counted, not applied) */
    int follow_attempts;        /* tries to find and assign the partitions (retried until usable) */
    const qw_policy_t *policy;  /* quotas must fit its period kind and rates; NULL: unchecked */
    char errstr[QW_ERRSTR_MAX];
} qw_refdata_t;

void qw_refdata_init(qw_refdata_t *d);
void qw_refdata_free(qw_refdata_t *d);

/* Add or replace (copies). */
int qw_refdata_put_profile(qw_refdata_t *d, const qw_rep_profile_t *p);
int qw_refdata_put_quota(qw_refdata_t *d, const qw_quota_t *q);

const qw_rep_profile_t *qw_refdata_profile(const qw_refdata_t *d, const char *rep_id);
const qw_quota_t *qw_refdata_quota(const qw_refdata_t *d, const char *rep_id, const char *period);

/* The policy quotas are checked against (CSV and topic alike); set it before loading. */
void qw_refdata_set_policy(qw_refdata_t *d, const qw_policy_t *policy);

/* Load a quotas / roster CSV file (docs/formats/csv.md): the whole file or nothing of it; every
 * error is logged, the first is returned. */
int qw_refdata_load_quotas_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen);
int qw_refdata_load_roster_csv(qw_refdata_t *d, const char *path, char *errbuf, size_t errlen);

/* Start following <prefix>qw.roster.v1 and <prefix>qw.quotas.v1 from the beginning. Waits
 * (log and retry with backoff) while the topics or their partition leaders are not known yet;
 * fails only on a configuration error or when a stop is requested (qw_svc_stop). */
int qw_refdata_follow(qw_refdata_t *d, const char *brokers, const char *prefix,
                      const qw_config_t *cfg, char *errbuf, size_t errlen);

/* Apply whatever arrived (waits up to timeout_ms for the first record). Returns the number of
 * records applied. */
int qw_refdata_poll(qw_refdata_t *d, int timeout_ms);

#endif
