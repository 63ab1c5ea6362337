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

/* What a person of the roster is (column role): who they are to the read side (qw-web) and
 * whether the calendar evaluates them. A manager who carries a quota is evaluated like a rep;
 * sales ops and HR are staff, listed for their login identity only. */
typedef enum {
    QW_ROLE_REP = 0, /* the default, also of records written before the column existed */
    QW_ROLE_MANAGER = 1,
    QW_ROLE_SALES_OPS = 2,
    QW_ROLE_HR = 3,
} qw_role_t;

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
    qw_role_t role;
    int digest_opt_out; /* no weekly "where you stand" / team digest */
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

/* "rep", "manager", "sales_ops", "hr"; parse: QW_OK, or QW_ERR for anything else. */
const char *qw_roster_role_name(qw_role_t r);
int qw_roster_role_parse(const char *s, size_t len, qw_role_t *out);

/* Whether the calendar evaluates this person at checkpoints and closes: active, and a rep or
 * a manager (who may carry a quota); never sales ops or HR. */
int qw_roster_evaluated(const qw_rep_profile_t *p);

/* An e-mail address as a login identity and a mail header value: empty, or 3..254 bytes of
 * printable ASCII without spaces, quotes, angle brackets, commas or semicolons, one '@' with
 * text on both sides and a dot-free-at-the-ends domain. QW_ERR with the reason otherwise. */
int qw_roster_email_check(const char *email, char *err, size_t errlen);

/* Days of [first, last] (inclusive) covered by the profile's leave ranges (overlaps counted
 * once); *any_protected is set when a protected range touches the interval. */
int32_t qw_roster_leave_days(const qw_rep_profile_t *p, int32_t first, int32_t last,
                             int *any_protected);

#endif
