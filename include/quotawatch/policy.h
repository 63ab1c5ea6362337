/* The quota policy: one YAML file (docs/policy.md), read with libfyaml into a plain struct.
 * Every key has a default; unknown keys are errors; percentages are stored as basis points. */
#ifndef QW_POLICY_H
#define QW_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/period.h"
#include "quotawatch/rates.h"
#include "quotawatch/roster.h"
#include "quotawatch/tz.h"

#define QW_POLICY_CHECKPOINTS_MAX 4
#define QW_POLICY_TIERS_MAX       8

/* standings.leaderboard: what a team's leaderboard shows to its reps in qw-web. */
typedef enum {
    QW_LEADERBOARD_OFF = 0,        /* no leaderboard (the default) */
    QW_LEADERBOARD_RANK = 1,       /* ranks and names only */
    QW_LEADERBOARD_ATTAINMENT = 2, /* ranks, names and attainment */
} qw_leaderboard_t;

typedef struct qw_policy_s {
    char version[QW_VERSION_MAX]; /* required; recorded in every decision */
    qw_period_kind_t period;      /* period: month | quarter */
    char timezone[QW_TZ_NAME_MAX];
    qw_tz_t tz;       /* loaded from the zoneinfo file named by timezone */
    qw_rates_t rates; /* rates.base = base_currency */

    int32_t miss_line_bp; /* attainment below this at close is a miss */
    int final_warning_at; /* consecutive misses that bring warning.final */
    int review_at;        /* consecutive misses that request a termination review */

    int ncheckpoints;
    int32_t checkpoints_bp[QW_POLICY_CHECKPOINTS_MAX]; /* elapsed share of the period */
    int32_t pacing_threshold_bp; /* at risk when attainment < threshold x elapsed share */

    int grace_days; /* days after the period before it closes */

    int ramp_periods;      /* first N periods from the hire date (the hire period is the first) */
    int32_t ramp_quota_bp; /* share of the quota that applies during ramp */

    int32_t leave_excuse_over_bp; /* more than this share of days on leave: the period is excused */
    int leave_protected_excuses;  /* any protected leave day excuses the period */
    int leave_prorate;            /* quota x active days / days */

    int32_t quota_achieved_bp; /* reward.quota_achieved */
    int ntiers;
    int32_t tiers_bp[QW_POLICY_TIERS_MAX]; /* reward.accelerator, ascending */
    int consistent_streak;                 /* hits in a row for reward.consistent_performer */

    int reversal_days;         /* clawback within N days of the won date is flagged */
    int stuffing_last_days;    /* the last N days of a period */
    int32_t stuffing_share_bp; /* more than this share of the credit in them is flagged */
    int32_t discount_limit_bp; /* a discount above this is flagged */

    int32_t team_checkpoint_bp;     /* the checkpoint at which team health is measured */
    int32_t team_at_risk_share_bp;  /* more than this share at risk: health.quota_pressure */
    int32_t systemic_miss_share_bp; /* more than this share missed: no individual reviews */

    int32_t adverse_impact_ratio_bp; /* four fifths = 8000 */
    int fairness_min_cohort;         /* smaller cohorts are reported but never flagged */

    int team_min_size; /* team rules need at least this many reps with a quota */

    qw_leaderboard_t leaderboard; /* standings.leaderboard */

    /* digests.weekly_at: the weekly digests' local weekday (0 = Monday .. 6 = Sunday; -1 = off,
     * the default) and minute of the day (0..1439) in the policy's time zone. */
    int digest_weekday;
    int digest_minute;
} qw_policy_t;

/* digests.weekly_at: "off", or "<day> HH:MM" with day mon, tue, wed, thu, fri, sat or sun and a
 * 24-hour time ("mon 08:00"). parse: QW_OK (weekday -1 for off), or QW_ERR (outputs untouched);
 * format writes the same forms into out (at least 16 bytes). */
int qw_policy_weekly_parse(const char *s, int *weekday, int *minute);
void qw_policy_weekly_format(int weekday, int minute, char *out, size_t cap);

/* "off", "rank", "attainment"; parse: QW_OK, or QW_ERR for anything else (out untouched). */
const char *qw_policy_leaderboard_name(qw_leaderboard_t l);
int qw_policy_leaderboard_parse(const char *s, qw_leaderboard_t *out);

/* All defaults (timezone UTC, base currency USD, version "" which loading requires). */
void qw_policy_defaults(qw_policy_t *p);

/* Parse YAML text; the time zone is loaded from zoneinfo_dir (NULL = $TZDIR or
 * /usr/share/zoneinfo). Returns QW_OK, or QW_ERR with "policy:LINE:COL: <key path>: <problem>"
 * in errbuf (docs/policy.md lists every refusal). */
int qw_policy_load_string(qw_policy_t *p, const char *yaml, size_t len, const char *zoneinfo_dir,
                          char *errbuf, size_t errlen);

/* The same, with messages named by name (a file name) instead of "policy". */
int qw_policy_load_named(qw_policy_t *p, const char *name, const char *yaml, size_t len,
                         const char *zoneinfo_dir, char *errbuf, size_t errlen);

/* Read and parse a policy file (at most 1 MiB); messages are named by path. */
int qw_policy_load_file(qw_policy_t *p, const char *path, const char *zoneinfo_dir, char *errbuf,
                        size_t errlen);

/* The policy file at path, or the built-in defaults (version "builtin-default") when path is
 * NULL or empty: what the evaluator and simulate start from. */
int qw_policy_load_or_default(qw_policy_t *p, const char *path, char *errbuf, size_t errlen);

#endif
