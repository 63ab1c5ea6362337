/* The JSON bodies of qw-web's API (docs/web.md, docs/api/openapi.yaml), built with jansson from
 * the model for one viewer at an explicit now_ms. Each view returns a new reference (the body)
 * and sets *status to the HTTP status: 200, or 400/403/404 with the error body of
 * qw_web_view_error. The views check authorization themselves (web_authz.h). */
#ifndef QW_WEB_VIEW_H
#define QW_WEB_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "engine.h"
#include "web_authz.h"
#include "web_model.h"

/* {"error": {"status", "code", "message"}}; code from the status (bad_request, unauthorized,
 * forbidden, not_found, method_not_allowed, not_ready). */
json_t *qw_web_view_error(int status, const char *message);
const char *qw_web_error_code(int status);

/* ?period=: NULL or "" = the current period at now_ms; otherwise a period id of the policy's
 * kind ("2026-11" or "2026-Q4"). QW_OK or QW_ERR (400) with the reason. */
/* qw_web_period_param: a well-formed period of the other kind (a quarter under a monthly
 * policy) does not exist: 404, not 400. */
#define QW_WEB_NO_PERIOD 1
int qw_web_period_param(const qw_web_model_t *m, const char *param, int64_t now_ms,
                        qw_period_t *out, char *err, size_t errlen);
/* A path id (rep, team, decision): the id rule of quotawatch/id.h for reps and teams; decision
 * ids up to QW_DECISION_ID_MAX of printable ASCII. QW_OK or QW_ERR (400). */
int qw_web_id_param(const char *id, int decision, char *err, size_t errlen);

/* {"id","start","end","days_total","days_elapsed","days_left"} of a period at now_ms. */
json_t *qw_web_view_period(const qw_web_model_t *m, const qw_period_t *p, int64_t now_ms);
/* {"elapsed_bp","target_minor","delta_minor","behind"} for a standing. */
json_t *qw_web_view_pace(const qw_web_model_t *m, const qw_standing_t *s, const qw_period_t *p,
                         int64_t now_ms);
/* The engine's numbers of one rep and period (qw_engine_standing over the model's state, the
 * current profile and quota). */
void qw_web_rep_standing(const qw_web_model_t *m, const char *rep_id, const char *period,
                         qw_standing_t *out);

/* One decision as qw_sim_decision_json plus "withdrawn_by". */
json_t *qw_web_view_decision_json(const qw_web_decision_t *d);

json_t *qw_web_view_me(qw_web_model_t *m, const qw_web_viewer_t *v, int64_t now_ms, int *status);
json_t *qw_web_view_rep(qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                        const char *period_param, int64_t now_ms, int *status);
json_t *qw_web_view_rep_decisions(qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                                  const char *period_param, int64_t now_ms, int *status);
json_t *qw_web_view_decision(qw_web_model_t *m, const qw_web_viewer_t *v, const char *id,
                             int *status);
json_t *qw_web_view_team(qw_web_model_t *m, const qw_web_viewer_t *v, const char *team_id,
                         const char *period_param, int64_t now_ms, int *status);
json_t *qw_web_view_health(qw_web_model_t *m, const qw_web_viewer_t *v, const char *period_param,
                           int64_t now_ms, int *status);

/* The whole GET of one API path for one identity: resolves the viewer (401 when email is NULL
 * or "", 403 when unknown), routes /api/v1/{me, reps/{id}, reps/{id}/decisions, decisions/{id},
 * teams/{id}, health} with query "period=P" (other parameters ignored), 404 for any other path.
 * path and query are the raw request bytes (hostile: bounded and validated here). */
json_t *qw_web_route(qw_web_model_t *m, const char *email, const char *path, const char *query,
                     int64_t now_ms, int *status);

#endif
