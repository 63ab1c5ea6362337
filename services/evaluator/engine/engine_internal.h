/* Helpers shared by the engine_*.c files; not part of the engine's API. */
#ifndef QW_ENGINE_INTERNAL_H
#define QW_ENGINE_INTERNAL_H

#include "engine.h"

/* Marks the slots being closed by the running qw_engine_close_period call; never stored. */
#define QW_PF_CLOSING (1u << 31)

/* The slot of `period` in the state; creates it (in order) when `create`. A full state evicts
 * its oldest period if that one is closed; a period older than every slot of a full state
 * cannot be tracked. Returns NULL with e->errstr set. */
qw_period_state_t *qw_engine_slot(qw_engine_t *e, qw_rep_state_t *st, const char *period,
                                  int create);

/* Effective quota of a period into the slot (quota fields, leave days, RAMP and LEAVE flags).
 * quota NULL keeps what the slot already has. */
int qw_engine_set_quota(qw_engine_t *e, const qw_rep_profile_t *prof, const qw_quota_t *quota,
                        const qw_period_t *period, qw_period_state_t *slot);

/* credited / quota in basis points, clamped; 0 when there is no quota. */
int32_t qw_engine_attainment(int64_t credited, int64_t quota);

/* Starts a decision with the fields every decision carries. scope_id NULL = the rep's id. */
void qw_engine_decision_start(qw_decision_t *d, const qw_engine_t *e, const char *type,
                              const qw_rep_profile_t *prof, const qw_period_state_t *slot,
                              const char *period, const char *level, qw_audset_t audience,
                              int64_t now_ms);
void qw_engine_evidence(qw_decision_t *d, const char *key, int64_t value, const char *text);
void qw_engine_summary(qw_decision_t *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void qw_engine_emit(qw_engine_t *e, const qw_decision_t *d);

/* Public recognition unless the rep opted out. */
qw_audset_t qw_engine_reward_audience(const qw_rep_profile_t *prof);

/* Re-derives streaks over the closed periods and brings the decisions they warrant in line:
 * raises warning.final / review / consistent performer where due and not yet raised, withdraws
 * those no longer justified. Used by the close and by late credits. */
void qw_engine_reconcile(qw_engine_t *e, const qw_rep_profile_t *prof, qw_rep_state_t *st,
                         int64_t now_ms);

/* The outcome of a slot from its credit and quota. */
qw_outcome_t qw_engine_outcome(const qw_engine_t *e, const qw_period_state_t *slot);

/* Rewards of one period brought in line with its attainment (grant crossed, withdraw lost). */
void qw_engine_rewards(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *slot,
                       int64_t now_ms);

/* One evidence entry per recent closed period up to and including index `upto` (newest first,
 * at most `max`): key "history.<period>", value the attainment, text the facts. */
void qw_engine_history(qw_decision_t *d, const qw_rep_state_t *st, int upto, int max);

/* Checkpoints that already ran, corrected by a credit of the slot's period applied after them
 * (engine_pacing.c): a credit closed by checkpoint i's instant adds to what checkpoint i saw,
 * and withdraws its at-risk verdict (warning.at_risk + coaching) when that now reaches the
 * pace. amount: in base currency, signed. */
void qw_engine_late_checkpoints(qw_engine_t *e, const qw_rep_profile_t *prof, qw_period_state_t *s,
                                const qw_period_t *per, const qw_credit_t *c, int64_t amount,
                                int64_t now_ms);

/* Team rules (engine_team.c). */
void qw_engine_team_pressure(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                             int checkpoint_index, int64_t now_ms);
/* Withdraws the team's health.quota_pressure at checkpoint_index when it was raised and the
 * members' current (not withdrawn) at-risk verdicts no longer warrant it. */
void qw_engine_team_rejudge(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                            int checkpoint_index, int64_t now_ms);
/* Marks the period systemic for the team's missed reps and emits health.quota_pressure when more
 * than the policy's share missed. Returns 1 when systemic. */
int qw_engine_team_systemic(qw_engine_t *e, qw_engine_rep_t *team, int n, const char *period,
                            int64_t now_ms);

#endif
