/* The roster and quotas as the evaluator, notifier and qwctl see them: plain fixed-size structs
 * (qw.roster.v1 RepProfile and qw.quotas.v1 QuotaAssignment). */
#ifndef QW_ROSTER_H
#define QW_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

/* Display names: Slack cuts its header at 150 characters, which needs up to 450 bytes of
 * UTF-8 outside the astral planes; a longer name is cut (qw_roster_profile_from_pb). */
#define QW_NAME_MAX      512
#define QW_EMAIL_MAX     256
#define QW_COHORT_MAX    64
#define QW_LEAVE_MAX     16
#define QW_PERIOD_ID_MAX 12 /* "2026-11", "2026-Q4" */
#define QW_VERSION_MAX   64 /* policy and quota versions */

/* A leave range of inclusive local civil dates (days since epoch, quotawatch/date.h). */
typedef struct qw_leave_range_s {
    int32_t start;
    int32_t end;
    int is_protected; /* statutory / protected leave: always excuses the period */
} qw_leave_range_t;

typedef struct qw_rep_profile_s {
    char rep_id[QW_ID_MAX];
    char name[QW_NAME_MAX];
    char email[QW_EMAIL_MAX];
    char slack_user_id[QW_ID_MAX];
    char manager_id[QW_ID_MAX];
    char team_id[QW_ID_MAX];
    int32_t hire_date; /* QW_DATE_NONE when unknown: no ramp */
    int nleave;
    qw_leave_range_t leave[QW_LEAVE_MAX];
    char cohort[QW_COHORT_MAX]; /* "" = none; used by the adverse-impact report only */
    int recognition_opt_out;    /* no public (team channel) recognition */
    int active;
} qw_rep_profile_t;

/* The quota of one rep for one period, as assigned (before ramp and leave proration). */
typedef struct qw_quota_s {
    char rep_id[QW_ID_MAX];
    char period[QW_PERIOD_ID_MAX];
    int64_t amount_minor; /* in `currency`; the engine converts to the policy's base currency */
    char currency[4];
    char version[QW_VERSION_MAX];
    int64_t effective_ms;
} qw_quota_t;

/* QW_OK when the profile's rep id is valid and its manager and team ids are empty or valid
 * (qw_id_valid): the one check of every roster loader. Otherwise QW_ERR naming the field. */
int qw_roster_ids_check(const qw_rep_profile_t *p, char *err, size_t errlen);

/* Days of [first, last] (inclusive) covered by the profile's leave ranges (overlaps counted
 * once); *any_protected is set when a protected range touches the interval. */
int32_t qw_roster_leave_days(const qw_rep_profile_t *p, int32_t first, int32_t last,
                             int *any_protected);

#endif
