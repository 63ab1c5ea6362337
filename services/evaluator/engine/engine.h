/* The quota policy engine: pure C, no I/O, no clock, no allocation. State + input -> new state +
 * decisions. docs/engine.md describes every rule, decision id and evidence key.
 *
 * Shape for the service shell:
 *  - per rep, a fixed-size qw_rep_state_t, stored in Redis as the blob of qw_rep_state_encode();
 *  - event-driven rules run per credit: qw_engine_apply_credit();
 *  - time-driven rules run from a calendar job over all reps of one team at a time:
 *    qw_engine_tick() (or qw_engine_checkpoint() / qw_engine_close_period() directly), then
 *    qw_engine_fairness_report() over all reps with a cohort;
 *  - decisions come out through the engine's emit callback as qw_decision_t (decision_pb.h turns
 *    one into a protobuf Decision). Every call is idempotent: flags in the state plus
 *    deterministic decision ids, so a replay emits nothing new or only ids already emitted.
 *  - de-duplication of credit ids is the shell's job (exact per-rep sets of applied ids in Redis,
 *    checked in the same atomic step that stores the state, with a per-partition window of
 *    recent ids as the fast path): the engine applies what it is given.
 */
#ifndef QW_ENGINE_H
#define QW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/audience.h"
#include "quotawatch/common.h"
#include "quotawatch/credit.h"
#include "quotawatch/decision_type.h"
#include "quotawatch/id.h"
#include "quotawatch/period.h"
#include "quotawatch/policy.h"
#include "quotawatch/roster.h"

/* ---- decisions ---------------------------------------------------------------------------- */

/* QW_DECISION_ID_MAX (quotawatch/id.h) is the wire bound the notifier shares. */
#define QW_DECISION_TYPE_MAX 48
/* A level is at most "<kind>:<deal id>" (integrity flags), the longest the engine builds. */
#define QW_DECISION_LEVEL_MAX (QW_ID_MAX + 16)
/* The longest decision id from valid ids, "d:team:<id>:<period>:<type>:<level>", fits: no
 * decision is ever refused (or two merged downstream) for its ids' length. */
_Static_assert(2 + 5 + QW_ID_LEN_MAX + 1 + (QW_PERIOD_ID_MAX - 1) + 1 + (QW_DECISION_TYPE_MAX - 1) +
                       1 + (QW_DECISION_LEVEL_MAX - 1) <
                   QW_DECISION_ID_MAX,
               "QW_DECISION_ID_MAX must hold a decision id built from the longest valid ids");
#define QW_EVIDENCE_MAX      32
#define QW_EVIDENCE_KEY_MAX  48
#define QW_EVIDENCE_TEXT_MAX 256
#define QW_SUMMARY_MAX       512

/* Decision type names: QW_DT_* in quotawatch/decision_type.h. */

typedef struct qw_evidence_s {
    char key[QW_EVIDENCE_KEY_MAX];
    int64_t value; /* integers only: minor units, basis points, counts, days, epoch ms */
    char text[QW_EVIDENCE_TEXT_MAX];
} qw_evidence_t;

typedef struct qw_decision_s {
    char id[QW_DECISION_ID_MAX]; /* deterministic, see qw_engine_decision_id() */
    char type[QW_DECISION_TYPE_MAX];
    char rep_id[QW_ID_MAX]; /* "" for team and cohort decisions */
    char team_id[QW_ID_MAX];
    char period[QW_PERIOD_ID_MAX];
    int64_t time_ms;      /* the `now` of the call that emitted it */
    qw_audset_t audience; /* QW_AUDSET_* bits */
    char policy_version[QW_VERSION_MAX];
    char quota_version[QW_VERSION_MAX];
    int64_t attainment_bp;
    int64_t credited_minor; /* base currency */
    int64_t quota_minor;    /* effective quota: after ramp and leave proration */
    char currency[4];       /* the policy's base currency */
    int nevidence;
    qw_evidence_t evidence[QW_EVIDENCE_MAX];
    char summary[QW_SUMMARY_MAX];       /* one human sentence */
    char withdraws[QW_DECISION_ID_MAX]; /* id this decision withdraws, or "" */
} qw_decision_t;

/* Called once per decision; the decision is only valid during the call. */
typedef void (*qw_emit_fn)(void *opaque, const qw_decision_t *d);

/* A ready-made emit target: decisions copied into a caller array. Overflow is counted in
 * `dropped` (the caller must treat dropped > 0 as an error: size the array for the batch). */
typedef struct qw_decision_buf_s {
    qw_decision_t *items;
    int cap;
    int n;
    int dropped;
} qw_decision_buf_t;
void qw_decision_buf_emit(void *opaque /* qw_decision_buf_t* */, const qw_decision_t *d);

/* Writes "d:<scope>:<period>:<rule>[:<level>]" into out (QW_DECISION_ID_MAX bytes). scope is a
 * rep id, "team:<team id>" or "cohort:<cohort>". Returns QW_ERR if it does not fit. */
int qw_engine_decision_id(char *out, const char *scope, const char *period, const char *rule,
                          const char *level);

/* ---- per-rep state ------------------------------------------------------------------------ */

#define QW_ENGINE_PERIODS 12 /* recent periods kept per rep (a year of months) */

typedef enum {
    QW_OUTCOME_OPEN = 0,     /* not closed yet */
    QW_OUTCOME_HIT = 1,      /* attainment >= miss line */
    QW_OUTCOME_MISS = 2,     /* below the miss line */
    QW_OUTCOME_NO_QUOTA = 3, /* closed without a quota: neither hit nor miss */
} qw_outcome_t;

/* qw_period_state_t.flags */
enum {
    QW_PF_CLOSED = 1u << 0,
    QW_PF_RAMP = 1u << 1,            /* a ramp period: never a counted miss */
    QW_PF_LEAVE = 1u << 2,           /* excused by leave: never a counted miss */
    QW_PF_SYSTEMIC = 1u << 3,        /* more than the systemic share of the team missed */
    QW_PF_COACHED = 1u << 4,         /* support.coaching_recommended issued in this period */
    QW_PF_FINAL_WARNING = 1u << 5,   /* warning.final raised at this close */
    QW_PF_REVIEW = 1u << 6,          /* review.termination_review raised at this close */
    QW_PF_FINAL_WITHDRAWN = 1u << 7, /* ... and later withdrawn */
    QW_PF_REVIEW_WITHDRAWN = 1u << 8,
    QW_PF_CONSISTENT = 1u << 9,        /* reward.consistent_performer raised at this close */
    QW_PF_STUFFING = 1u << 10,         /* integrity.flag stuffing raised */
    QW_PF_REVIEW_BLOCKED = 1u << 11,   /* a review was due but a safeguard held it back */
    QW_PF_COACHED_AT_CLOSE = 1u << 12, /* coaching recommended at this close (with warning.final,
                                          or because a review lacked prior support) */
    QW_PF_CONSISTENT_WITHDRAWN = 1u << 13,
    /* Team facts copied onto every member's slot (a team has no state of its own): the team's
     * health.quota_pressure at the team-health checkpoint was raised / later withdrawn. */
    QW_PF_TEAM_PRESSURE = 1u << 14,
    QW_PF_TEAM_PRESSURE_WITHDRAWN = 1u << 15,
};

typedef struct qw_period_state_s {
    char period[QW_PERIOD_ID_MAX]; /* "" = unused slot */
    int64_t credited_minor;        /* net credit (clawbacks subtracted), base currency */
    int64_t late_minor;            /* net credit closed in the period's last stuffing days */
    int32_t deals;                 /* credits minus clawbacks (entries of those kinds) */
    int32_t clawbacks;
    int64_t quota_assigned_minor; /* the quota as assigned, in base currency */
    int64_t quota_minor;          /* effective: after ramp and leave proration */
    char quota_version[QW_VERSION_MAX];
    int32_t attainment_bp; /* at the last evaluation */
    int32_t leave_days;
    uint32_t flags;           /* QW_PF_* */
    uint8_t outcome;          /* qw_outcome_t */
    uint8_t checkpoints_done; /* bit i: checkpoint i evaluated */
    uint8_t at_risk;          /* bit i: at risk at checkpoint i (and not withdrawn) */
    uint16_t rewards;         /* bit 0: quota achieved, bit 1+i: accelerator tier i granted */
    uint8_t reward_gen[1 + QW_POLICY_TIERS_MAX]; /* times each was withdrawn (id suffix) */
    uint16_t integrity_flags; /* integrity.flag decisions raised for this period */
    int16_t miss_streak;      /* counted misses in a row up to this closed period */
    int16_t hit_streak;       /* periods in a row at or above quota_achieved (recognition) */
    /* Late data at checkpoints: bit i = the at-risk verdict of checkpoint i was withdrawn
     * because credits closed by its instant arrived after it ran; and per checkpoint the net
     * credit closed by its instant (what it saw when it ran, plus such late credits). */
    uint8_t at_risk_withdrawn;
    int64_t cp_credited_minor[QW_POLICY_CHECKPOINTS_MAX];
} qw_period_state_t;

typedef struct qw_rep_state_s {
    char rep_id[QW_ID_MAX];
    int nperiods;
    qw_period_state_t p[QW_ENGINE_PERIODS]; /* ascending by period id */
    /* The streaks just before p[0], so evicting old periods loses no count. */
    int16_t base_miss_streak;
    int16_t base_hit_streak; /* recognition streak (see hit_streak) */
    uint32_t base_flags;     /* QW_PF_COACHED / QW_PF_REVIEW: seen earlier in the running streak */
    /* The shell's, never the engine's: the oldest period whose applied credit ids the rep's
     * exact id set in Redis may still hold ("" = none recorded). When p[0] moves past it, the
     * shell drops the ids of the periods evicted meanwhile (docs/evaluator.md, "Credit ids"). */
    char ids_floor[QW_PERIOD_ID_MAX];
} qw_rep_state_t;

void qw_rep_state_init(qw_rep_state_t *s, const char *rep_id);

/* The slot of a period, or NULL. */
const qw_period_state_t *qw_rep_state_find(const qw_rep_state_t *s, const char *period);

/* Versioned binary blob for Redis: magic, version, fields in little-endian order, checksum.
 * Decoding validates everything (garbage, truncation, a newer version are errors). */
#define QW_REP_STATE_BLOB_MAX 4096
/* Returns the number of bytes written, or 0 when cap is too small. */
size_t qw_rep_state_encode(const qw_rep_state_t *s, uint8_t *buf, size_t cap);
int qw_rep_state_decode(qw_rep_state_t *s, const uint8_t *buf, size_t len, char *errbuf,
                        size_t errlen);

/* ---- inputs ------------------------------------------------------------------------------- */

/* Credit entries are qw_credit_t (quotawatch/credit.h), decoded by quotawatch/credit_entry.h. */

/* One rep as the team-wide calls see it. quota is the rep's quota for the period the call is
 * about (NULL = none assigned); profile and state must not be NULL. */
typedef struct qw_engine_rep_s {
    const qw_rep_profile_t *profile;
    const qw_quota_t *quota;
    qw_rep_state_t *state;
} qw_engine_rep_t;

/* ---- the engine --------------------------------------------------------------------------- */

typedef struct qw_engine_s {
    const qw_policy_t *policy;
    qw_emit_fn emit;
    void *opaque;
    char errstr[QW_ERRSTR_MAX]; /* detail of the last QW_ERR */
} qw_engine_t;

void qw_engine_init(qw_engine_t *e, const qw_policy_t *policy, qw_emit_fn emit, void *opaque);

/* The period a credit counts in (local date of close_time_ms if set, else close_date). The
 * shell uses it to look up the quota to pass to qw_engine_apply_credit(). */
int qw_engine_credit_period(const qw_engine_t *e, const qw_credit_t *c, qw_period_t *out);

/* Event-driven rules for one credit: net attainment, quota achieved, accelerator tiers, reward
 * withdrawal after a clawback, integrity flags (reversal, discount), corrections of checkpoints
 * that already ran (a credit closed by a checkpoint's instant that contradicts its at-risk
 * verdict withdraws warning.at_risk and its coaching), and -- when the period is already closed
 * -- corrections (withdrawal of a final warning / review a late credit made unjustified). quota:
 * the rep's quota for the credit's period, or NULL. Returns QW_OK, or QW_ERR (state untouched,
 * e->errstr says why: unknown currency, quota of another period, a period older than the state
 * keeps) -- the shell sends such a credit to the DLQ. */
int qw_engine_apply_credit(qw_engine_t *e, const qw_rep_profile_t *profile, const qw_quota_t *quota,
                           qw_rep_state_t *st, const qw_credit_t *c, int64_t now_ms);

/* Pacing checkpoint `checkpoint_index` (into policy->checkpoints_bp) of `period` for one team:
 * warning.at_risk + support.coaching_recommended per rep at risk (once per checkpoint), and at
 * the team-health checkpoint health.quota_pressure when more than the policy's share is at risk.
 * A rep evaluated here has its earlier checkpoints that never ran marked done without decisions
 * (missed checkpoints collapse into the latest). QW_ERR when now_ms is before the instant. */
int qw_engine_checkpoint(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                         int checkpoint_index, int64_t now_ms);

/* Period close for one team (now_ms must be at or after end + grace days): outcomes, the
 * systemic-miss check (health.quota_pressure instead of individual reviews), consecutive misses,
 * warning.final (+ coaching), review.termination_review with its safeguards,
 * reward.consistent_performer, the stuffing integrity flag. Idempotent. */
int qw_engine_close_period(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                           int64_t now_ms);

/* Run whatever is due at now_ms for `period`, for the calendar job: while the period runs, the
 * latest checkpoint whose instant has passed (earlier ones not yet run are marked done and
 * skipped: at most one set of pacing decisions per call); then qw_engine_rejudge(); then the
 * close when due. Calling it again is safe: it emits only what late data changed. */
int qw_engine_tick(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                   int64_t now_ms);

/* Re-judges team quota pressure at the team-health checkpoint of `period` (when it has run) from
 * the reps' current at-risk verdicts, which late credits may have withdrawn
 * (qw_engine_apply_credit): a health.quota_pressure that the team no longer warrants is
 * withdrawn (health.withdrawn), once (flag in the members' states; the id is deterministic).
 * Evaluates no rep and raises nothing new. Cheap and silent when nothing changed, so the
 * calendar job may call it for every team of an open or recently closed period on each run. */
int qw_engine_rejudge(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                      int64_t now_ms);

/* ---- fairness ----------------------------------------------------------------------------- */

#define QW_FAIRNESS_COHORTS_MAX 32

typedef struct qw_fairness_cohort_s {
    char cohort[QW_COHORT_MAX];
    int32_t members;
    int32_t warned;     /* warning.at_risk or warning.final in the period (not withdrawn) */
    int32_t reviewed;   /* review.termination_review in the period (not withdrawn) */
    int32_t favourable; /* neither warned nor reviewed */
    int32_t favourable_rate_bp;
    int32_t impact_ratio_bp; /* favourable rate / the best cohort's */
    int adverse;             /* ratio below the policy's and the cohort is large enough */
} qw_fairness_cohort_t;

typedef struct qw_fairness_report_s {
    char period[QW_PERIOD_ID_MAX];
    int ncohorts;
    qw_fairness_cohort_t c[QW_FAIRNESS_COHORTS_MAX];
    int32_t best_rate_bp;
} qw_fairness_report_t;

/* The four-fifths report over all reps (those without a cohort are skipped) for one period;
 * emits health.adverse_impact per adverse cohort. report may be NULL. */
int qw_engine_fairness_report(qw_engine_t *e, const qw_engine_rep_t *reps, int n,
                              const char *period, int64_t now_ms, qw_fairness_report_t *report);

/* ---- standings (the read side's numbers) -------------------------------------------------- */

/* What a rep stands at in one period, as the evaluator would store it: the slot's credit and
 * counts after every applied credit, the effective quota (ramp, leave) of the quota given and the
 * attainment that follows. The one function behind qw-web's rep view and simulate --standings,
 * so both print the same numbers. */
typedef struct qw_standing_s {
    char period[QW_PERIOD_ID_MAX];
    int64_t credited_minor;
    int32_t deals;
    int32_t clawbacks;
    int has_quota;                /* 0: the quota fields and attainment mean nothing (null) */
    int64_t quota_assigned_minor; /* base currency */
    int64_t quota_minor;          /* effective */
    char quota_version[QW_VERSION_MAX];
    int ramp;
    int32_t leave_days;
    int32_t attainment_bp;
    int closed;
} qw_standing_t;

/* st may be NULL (no credit yet), quota NULL (none assigned). An open period takes the quota
 * given (one that arrived after the credits counts, as the evaluator's next checkpoint would set
 * it); a closed one keeps what its close stored. QW_ERR when the period does not parse or the
 * quota cannot be converted (out still filled with the credit part). */
int qw_engine_standing(qw_engine_t *e, const qw_rep_profile_t *prof, const qw_quota_t *quota,
                       const qw_rep_state_t *st, const char *period, qw_standing_t *out);

/* ---- weekly digests (engine_digest.c; docs/engine.md, "Weekly digests") ------------------ */

/* One person's numbers for a digest at an instant: qw_engine_standing plus the pace. */
typedef struct qw_digest_numbers_s {
    const qw_engine_rep_t *rep;
    qw_standing_t s;
    int counted;          /* in the roster and evaluated (qw_roster_evaluated) */
    int on_leave;         /* on leave on the instant's local date */
    int32_t elapsed_bp;   /* share of the period elapsed at the instant (the expected share) */
    int64_t target_minor; /* effective quota x elapsed share: the prorated target */
    int64_t delta_minor;  /* credited - target */
    int32_t pace_bp;      /* credited / target: 10000 = exactly on pace; 0 without a target */
    int behind;           /* credited below the target (never without a quota) */
    int32_t days_left;    /* days of the period after the instant's local date */
} qw_digest_numbers_t;

/* The numbers of one rep for `period` at at_ms. QW_ERR as qw_engine_standing. */
int qw_engine_digest_numbers(qw_engine_t *e, const qw_engine_rep_t *r, const qw_period_t *period,
                             int64_t at_ms, qw_digest_numbers_t *out);

/* The roster as the digests see it: a person's profile, or NULL when the roster lacks them. */
typedef const qw_rep_profile_t *(*qw_roster_lookup_fn)(void *opaque, const char *rep_id);

/* The weekly digests of the week `week` (its instant at_ms) for the period holding at_ms's local
 * date, over every rep of reps[] (all teams: a manager's reports may span teams):
 *  - info.standing, audience rep, id d:<rep>:<period>:info.standing:<week>, for each rep in the
 *    roster who is evaluated, not digest_opt_out and not on leave that day;
 *  - info.team_digest, audience rep (the manager is the recipient, named in rep_id), id
 *    d:<manager>:<period>:info.team_digest:<week>, for each person named as manager_id by such
 *    a rep (opted out or on leave included) who is in the roster, active, not digest_opt_out
 *    and not on leave that day: counts, team sums and one line per direct report, behind pace
 *    first, within QW_EVIDENCE_MAX ("and N more").
 * Changes no state and emits no other type. scratch: n entries of the caller's (reordered
 * freely). Emission is in rep id order, then manager id order. QW_ERR (e->errstr) when a rep's
 * numbers could not be computed (the others are still emitted) or the instant is unusable. */
int qw_engine_digests(qw_engine_t *e, const qw_engine_rep_t *reps, int n, int64_t at_ms,
                      const char *week, qw_roster_lookup_fn roster, void *roster_opaque,
                      qw_digest_numbers_t *scratch, int64_t now_ms);

#endif
