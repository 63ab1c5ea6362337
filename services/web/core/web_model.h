/* qw-web's read model: a projection of qw.roster.v1, qw.quotas.v1, qw.credits.v1 and
 * qw.decisions.v1 held in memory (docs/web.md). Pure: the shell decodes nothing itself, it hands
 * the records' bytes here.
 *
 * Credits are applied to a qw_rep_state_t per rep with qw_engine_apply_credit (decisions
 * discarded), deduplicated by credit id at any age -- exactly as `qw-evaluator simulate` does --
 * so credited amounts, effective quotas and attainment are the engine's own numbers. Decisions are
 * kept as the evaluator published them, by id (a replay replaces, never doubles).
 *
 * Every change bumps a global version and the version of the rep and of the team it concerns
 * (ETags, response caches, SSE); an optional callback is told of each change. Not thread-safe:
 * the shell serialises writers against readers. */
#ifndef QW_WEB_MODEL_H
#define QW_WEB_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "quotawatch/credit.h"
#include "quotawatch/policy.h"
#include "quotawatch/roster.h"
#include "quotawatch/strmap.h"
#include "reftable.h"

/* qw_web_model_apply_credit / _apply_decision: the record was already applied (same id). */
#define QW_WEB_DUPLICATE 1
/* qw_web_model_put_decision: a weekly digest (info.*), not kept (no view shows digests). */
#define QW_WEB_NOT_SHOWN 2

/* One credit entry behind a rep's numbers: fixed size, no pointers (one struct per entry in
 * the rep's array, no string allocated per credit). */
typedef struct qw_web_credit_s {
    char id[QW_CREDIT_ID_MAX];
    char deal_id[QW_ID_MAX];
    char period[QW_PERIOD_ID_MAX]; /* the period it counts in (qw_engine_credit_period) */
    uint8_t kind;                  /* qw_credit_kind_t */
    uint8_t reason;                /* qw_credit_reason_t */
    char currency[4];
    char original_currency[4];
    int64_t amount_minor;
    int64_t original_minor;
    int32_t close_date;    /* QW_DATE_NONE when the entry carried an instant only */
    int64_t close_time_ms; /* QW_TIME_NONE when it carried a date */
    int64_t event_time_ms;
} qw_web_credit_t;

/* A decision as published, plus who withdrew it. */
typedef struct qw_web_decision_s {
    qw_decision_t d;
    char withdrawn_by[QW_DECISION_ID_MAX]; /* "" = not withdrawn */
    uint64_t seq;                          /* arrival order: ties of time_ms sort by it */
} qw_web_decision_t;

/* A list of decisions (pointers into the model, valid until the model changes). */
typedef struct qw_web_declist_s {
    qw_web_decision_t **items;
    size_t n, cap;
} qw_web_declist_t;

typedef struct qw_web_rep_s {
    char rep_id[QW_ID_MAX];
    qw_rep_state_t st;        /* the engine's state after every applied credit */
    qw_web_credit_t *credits; /* in arrival order */
    size_t ncredits, capcredits;
    qw_web_declist_t decisions; /* decisions with this rep_id */
    uint64_t version;           /* model version of the rep's last change */
} qw_web_rep_t;

typedef struct qw_web_team_s {
    char team_id[QW_ID_MAX];
    qw_web_declist_t decisions; /* decisions with this team_id (rep and team scope) */
    uint64_t version;
} qw_web_team_t;

/* Told of every change: rep_id/team_id "" when the change concerns none, period "" when it
 * concerns no single period (a roster change). version = the new global version. */
typedef void (*qw_web_change_fn)(void *opaque, const char *rep_id, const char *team_id,
                                 const char *period, uint64_t version);

typedef struct qw_web_model_s {
    qw_policy_t policy;      /* copy of the policy given at init */
    qw_engine_t engine;      /* decisions it emits are discarded: qw.decisions.v1 has them */
    qw_reftable_t *ref;      /* roster + quotas: the shell's followed tables, or own_ref */
    qw_reftable_t own_ref;   /* used when init is given no tables (tests) */
    qw_strmap_t reps;        /* rep id -> qw_web_rep_t* */
    qw_strmap_t teams;       /* team id -> qw_web_team_t* */
    qw_strmap_t applied;     /* credit ids applied (value unused) */
    qw_strmap_t decisions;   /* decision id -> qw_web_decision_t* */
    qw_strmap_t withdrawals; /* withdrawn id -> withdrawing decision id (malloc'd string) */
    qw_strmap_t emails;      /* lower-cased e-mail -> qw_rep_profile_t* (in ref) */
    qw_strmap_t reports;     /* manager id -> qw_web_idlist_t* direct reports (see below) */
    int index_stale;         /* emails/reports need a rebuild (roster changed) */
    uint64_t version;
    uint64_t seq;
    long credits, duplicates, rejected, ndecisions;
    qw_web_change_fn on_change;
    void *change_opaque;
} qw_web_model_t;

/* Direct reports of one manager: rep ids (pointers into the roster). */
typedef struct qw_web_idlist_s {
    const char **ids;
    size_t n, cap;
} qw_web_idlist_t;

/* ref: the roster and quota tables to read (the shell's, filled by its follower), or NULL for
 * tables of the model's own (filled with qw_web_model_put_profile / _put_quota). */
int qw_web_model_init(qw_web_model_t *m, const qw_policy_t *policy, qw_reftable_t *ref);
/* The roster changed (the shell's follower applied records): e-mail and report indexes are
 * rebuilt at the next lookup. */
void qw_web_model_roster_changed(qw_web_model_t *m);
/* Rebuild the e-mail and report indexes now (the writer calls it after roster changes, so
 * readers sharing the model under a read lock never rebuild it themselves). QW_OK or QW_ERR. */
int qw_web_model_reindex(qw_web_model_t *m);
void qw_web_model_free(qw_web_model_t *m);
void qw_web_model_set_on_change(qw_web_model_t *m, qw_web_change_fn fn, void *opaque);

/* Reference data into the model's own tables (copied; tests and tools). */
int qw_web_model_put_profile(qw_web_model_t *m, const qw_rep_profile_t *p);
int qw_web_model_put_quota(qw_web_model_t *m, const qw_quota_t *q);

/* A CreditEntry of qw.credits.v1 keyed by rep_id: decoded, deduplicated by credit id (at any
 * age, across reps, as simulate), applied with the rep's profile and the quota of its period.
 * QW_OK, QW_WEB_DUPLICATE, or QW_ERR (undecodable, or the engine refused it: err says why). */
int qw_web_model_apply_credit(qw_web_model_t *m, const char *rep_id, const uint8_t *pb, size_t len,
                              int64_t now_ms, char *err, size_t errlen);

/* A Decision of qw.decisions.v1: stored by id (a replay of the same id replaces it and returns
 * QW_WEB_DUPLICATE when identical), indexed per rep and team; one that withdraws another sets
 * that one's withdrawn_by (also when the withdrawn one arrives later). A weekly digest
 * (info.*) is not kept: QW_WEB_NOT_SHOWN. */
int qw_web_model_apply_decision(qw_web_model_t *m, const uint8_t *pb, size_t len, char *err,
                                size_t errlen);
/* The same from a decoded decision (tests, and the shell's own tools). */
int qw_web_model_put_decision(qw_web_model_t *m, const qw_decision_t *d);

/* ---- accessors (NULL when unknown) ---------------------------------------------------------- */
const qw_rep_profile_t *qw_web_model_profile(const qw_web_model_t *m, const char *rep_id);
/* The roster's profile, or -- for a rep the roster does not list (yet) -- an active one without
 * hire date written into *scratch, as simulate and the evaluator treat such a rep. */
const qw_rep_profile_t *qw_web_model_profile_or_default(const qw_web_model_t *m, const char *rep_id,
                                                        qw_rep_profile_t *scratch);
const qw_quota_t *qw_web_model_quota(const qw_web_model_t *m, const char *rep_id,
                                     const char *period);
const qw_web_rep_t *qw_web_model_rep(const qw_web_model_t *m, const char *rep_id);
const qw_web_team_t *qw_web_model_team(const qw_web_model_t *m, const char *team_id);
const qw_web_decision_t *qw_web_model_decision(const qw_web_model_t *m, const char *id);
/* A person by login e-mail, without case (the index is rebuilt after roster changes). */
const qw_rep_profile_t *qw_web_model_by_email(qw_web_model_t *m, const char *email);
/* Direct reports of a manager (NULL when none). */
const qw_web_idlist_t *qw_web_model_direct_reports(qw_web_model_t *m, const char *manager_id);

uint64_t qw_web_model_version(const qw_web_model_t *m);
uint64_t qw_web_model_rep_version(const qw_web_model_t *m, const char *rep_id);
uint64_t qw_web_model_team_version(const qw_web_model_t *m, const char *team_id);

/* The current period at now_ms in the policy's zone. */
void qw_web_model_period_at(const qw_web_model_t *m, int64_t now_ms, qw_period_t *out);

/* Bytes the model holds per credit entry (struct in the rep array + its id in the dedup map),
 * for docs/benchmarks.md. */
size_t qw_web_model_bytes_per_credit(void);

#endif
