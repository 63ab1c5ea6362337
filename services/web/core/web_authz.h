/* The authorization table of qw-web (docs/web.md, "Roles"): who may read what, as pure
 * functions over the model. Each check returns QW_WEB_ALLOW or QW_WEB_DENY with the reason for
 * the 403 body in why. */
#ifndef QW_WEB_AUTHZ_H
#define QW_WEB_AUTHZ_H

#include <stddef.h>

#include "quotawatch/strmap.h"
#include "web_model.h"

#define QW_WEB_ALLOW 0
#define QW_WEB_DENY  1

/* The person behind a request, resolved once per request. */
typedef struct qw_web_viewer_s {
    const qw_rep_profile_t *p; /* in the model's roster */
    int manager;               /* role manager, or has reports through manager_id */
    int sales_ops;
    int hr;
    qw_strmap_t reports; /* transitive reports: rep id -> (void *)1 (never the viewer) */
} qw_web_viewer_t;

/* The viewer of a login e-mail (case-insensitive). QW_OK; QW_WEB_DENY when the identity is not
 * in the roster or inactive (403, why says so); QW_ERR when out of memory. Free with
 * qw_web_viewer_free whatever it returned. */
int qw_web_viewer_init(qw_web_viewer_t *v, qw_web_model_t *m, const char *email, char *why,
                       size_t whylen);
void qw_web_viewer_free(qw_web_viewer_t *v);

/* rep_id is the viewer or one of their transitive reports. */
int qw_web_viewer_is_self(const qw_web_viewer_t *v, const char *rep_id);
int qw_web_viewer_manages(const qw_web_viewer_t *v, const char *rep_id);
/* The viewer's transitive reports, sorted (pointers into the viewer; *n entries; caller frees
 * the array only). NULL with *n = 0 when there are none. */
const char **qw_web_viewer_reports_sorted(const qw_web_viewer_t *v, size_t *n);

/* What a viewer sees of a team. */
typedef enum {
    QW_WEB_TEAM_NONE = 0,        /* denied */
    QW_WEB_TEAM_LEADERBOARD = 1, /* a rep of the team: the leaderboard only */
    QW_WEB_TEAM_REPORTS = 2,     /* a manager: members filtered to their reports */
    QW_WEB_TEAM_FULL = 3,        /* sales ops: every member */
} qw_web_team_scope_t;

/* GET /reps/{id}: self; a manager for a transitive report; sales ops for anyone. HR only for
 * self or their own reports. */
int qw_web_authz_rep(const qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                     char *why, size_t whylen);
/* GET /reps/{id}/decisions: self, a manager for a report, sales ops, hr -- the list is then
 * filtered decision by decision with qw_web_authz_decision. */
int qw_web_authz_rep_decisions(const qw_web_model_t *m, const qw_web_viewer_t *v,
                               const char *rep_id, char *why, size_t whylen);
/* GET /teams/{id}: *scope says how much (QW_WEB_TEAM_NONE when denied). */
int qw_web_authz_team(qw_web_model_t *m, const qw_web_viewer_t *v, const char *team_id,
                      qw_web_team_scope_t *scope, char *why, size_t whylen);
/* One decision (GET /decisions/{id} and every list): by audience bits and sensitivity --
 * own with "rep"; a report's with "manager"; "sales_ops" and not sensitive; "hr". A team-scope
 * decision (no rep) goes to a manager of a member with "manager" (never sensitive) and to sales
 * ops / hr by their audience. */
int qw_web_authz_decision(const qw_web_model_t *m, const qw_web_viewer_t *v,
                          const qw_web_decision_t *d, char *why, size_t whylen);
/* Whether a decision may appear in a team view at all: never review.* nor integrity.*. */
int qw_web_authz_in_team_view(const qw_web_decision_t *d);
/* GET /health: sales ops and hr. */
int qw_web_authz_health(const qw_web_model_t *m, const qw_web_viewer_t *v, char *why,
                        size_t whylen);

#endif
