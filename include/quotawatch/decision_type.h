/* Decision types: the names the evaluator emits and the notifier routes on, and the one
 * classifier of them (family, sensitivity), so no service matches type prefixes by hand. */
#ifndef QW_DECISION_TYPE_H
#define QW_DECISION_TYPE_H

#define QW_DT_AT_RISK             "warning.at_risk"
#define QW_DT_FINAL_WARNING       "warning.final"
#define QW_DT_WARNING_WITHDRAWN   "warning.withdrawn"
#define QW_DT_COACHING            "support.coaching_recommended"
#define QW_DT_SUPPORT_WITHDRAWN   "support.withdrawn"
#define QW_DT_REVIEW              "review.termination_review"
#define QW_DT_REVIEW_WITHDRAWN    "review.withdrawn"
#define QW_DT_QUOTA_ACHIEVED      "reward.quota_achieved"
#define QW_DT_ACCELERATOR         "reward.accelerator"
#define QW_DT_CONSISTENT          "reward.consistent_performer"
#define QW_DT_REWARD_WITHDRAWN    "reward.withdrawn"
#define QW_DT_INTEGRITY           "integrity.flag"
#define QW_DT_INTEGRITY_WITHDRAWN "integrity.withdrawn" /* only by hand: qwctl retract */
#define QW_DT_QUOTA_PRESSURE      "health.quota_pressure"
#define QW_DT_ADVERSE_IMPACT      "health.adverse_impact"
#define QW_DT_HEALTH_WITHDRAWN    "health.withdrawn"
#define QW_DT_DATA_DELAYED        "health.data_delayed"
/* Weekly digests (docs/engine.md, "Weekly digests"): information, never a judgment. */
#define QW_DT_STANDING    "info.standing"
#define QW_DT_TEAM_DIGEST "info.team_digest"

/* A type's family is the part before its first '.' (the whole text when there is none). */
typedef enum {
    QW_DTF_UNKNOWN,
    QW_DTF_WARNING,
    QW_DTF_SUPPORT,
    QW_DTF_REVIEW,
    QW_DTF_INTEGRITY,
    QW_DTF_REWARD,
    QW_DTF_HEALTH,
    QW_DTF_INFO, /* weekly digests: not sensitive, never withdrawn */
    QW_DTF_COUNT
} qw_dt_family_t;

/* The family of a type or of a routing pattern ("reward.*" is QW_DTF_REWARD); NULL, "" and
 * anything else ("reviewish.x", "*") are QW_DTF_UNKNOWN. */
qw_dt_family_t qw_dt_family(const char *type);

/* "warning", "support", "review", "integrity", "reward", "health", "info"; "" for
 * QW_DTF_UNKNOWN. */
const char *qw_dt_family_name(qw_dt_family_t f);

/* Termination reviews and integrity flags: never sent to a channel that others read. */
int qw_dt_family_is_sensitive(qw_dt_family_t f);
int qw_dt_is_sensitive(const char *type);

/* The withdrawal type of a decision's family ("warning.at_risk" -> "warning.withdrawn"); NULL
 * for a withdrawal itself (one is never withdrawn), for info.* (a digest is superseded by the
 * next, not withdrawn) and for an unknown type. */
const char *qw_dt_withdrawal_of(const char *type);

/* 1 when type is one of the QW_DT_* names above. */
int qw_dt_known(const char *type);

#endif
