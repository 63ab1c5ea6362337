/* The JSON bodies of the API (docs/web.md). Numbers come from the engine (qw_engine_standing);
 * every view checks authorization first (web_authz.c). */
#include "web_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/decision_type.h"
#include "quotawatch/id.h"
#include "quotawatch/tz.h"
#include "simulate.h"

const char *qw_web_error_code(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 503:
        return "not_ready";
    }
    return "error";
}

json_t *qw_web_view_error(int status, const char *message)
{
    return json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status, "code",
                     qw_web_error_code(status), "message", message);
}

static json_t *fail(int *status, int code, const char *msg)
{
    *status = code;
    return qw_web_view_error(code, msg);
}

int qw_web_period_param(const qw_web_model_t *m, const char *param, int64_t now_ms,
                        qw_period_t *out, char *err, size_t errlen)
{
    if (!param || !*param) {
        qw_web_model_period_at(m, now_ms, out);
        return QW_OK;
    }
    if (strlen(param) >= QW_PERIOD_ID_MAX || qw_period_parse(param, out) != 0)
        return qw_err_set(err, errlen, "period must be a %s id such as %s",
                          m->policy.period == QW_PERIOD_MONTH ? "month" : "quarter",
                          m->policy.period == QW_PERIOD_MONTH ? "2026-11" : "2026-Q4");
    if (out->kind != m->policy.period) {
        qw_err_set(err, errlen, "no period %s: the policy counts %s (e.g. %s)", param,
                   m->policy.period == QW_PERIOD_MONTH ? "months" : "quarters",
                   m->policy.period == QW_PERIOD_MONTH ? "2026-11" : "2026-Q4");
        return QW_WEB_NO_PERIOD;
    }
    return QW_OK;
}

int qw_web_id_param(const char *id, int decision, char *err, size_t errlen)
{
    size_t n = id ? strlen(id) : 0;
    if (decision) return qw_id_valid_max(id ? id : "", n, QW_DECISION_ID_MAX - 1, err, errlen);
    return qw_id_valid(id ? id : "", n, err, errlen);
}

static json_t *date_json(int32_t d)
{
    if (d == QW_DATE_NONE) return json_null();
    char b[11];
    qw_date_format(d, b);
    return json_string(b);
}

json_t *qw_web_view_period(const qw_web_model_t *m, const qw_period_t *p, int64_t now_ms)
{
    int32_t today = qw_tz_local_date(&m->policy.tz, now_ms);
    int32_t total = p->last_day - p->first_day + 1;
    int32_t elapsed = today < p->first_day  ? 0
                      : today > p->last_day ? total
                                            : today - p->first_day + 1;
    return json_pack("{s:s,s:o,s:o,s:i,s:i,s:i}", "id", p->id, "start", date_json(p->first_day),
                     "end", date_json(p->last_day), "days_total", total, "days_elapsed", elapsed,
                     "days_left", total - elapsed);
}

json_t *qw_web_view_pace(const qw_web_model_t *m, const qw_standing_t *s, const qw_period_t *p,
                         int64_t now_ms)
{
    int32_t el = qw_period_elapsed_bp(p, &m->policy.tz, now_ms);
    if (!s->has_quota)
        return json_pack("{s:i,s:n,s:n,s:b}", "elapsed_bp", el, "target_minor", "delta_minor",
                         "behind", 0);
    /* The prorated target: the effective quota times the elapsed share, in integers. */
    int64_t target = s->quota_minor * el / 10000;
    int64_t delta = s->credited_minor - target;
    return json_pack("{s:i,s:I,s:I,s:b}", "elapsed_bp", el, "target_minor", (json_int_t)target,
                     "delta_minor", (json_int_t)delta, "behind", delta < 0);
}

static int behind_pace(const qw_web_model_t *m, const qw_standing_t *s, const qw_period_t *p,
                       int64_t now_ms)
{
    if (!s->has_quota) return 0;
    int32_t el = qw_period_elapsed_bp(p, &m->policy.tz, now_ms);
    return s->credited_minor < s->quota_minor * el / 10000;
}

void qw_web_rep_standing(const qw_web_model_t *m, const char *rep_id, const char *period,
                         qw_standing_t *out)
{
    const qw_web_rep_t *r = qw_web_model_rep(m, rep_id);
    qw_rep_profile_t anon;
    const qw_rep_profile_t *prof = qw_web_model_profile_or_default(m, rep_id, &anon);
    /* The engine's own function over a copy: the model's engine only formats errors here. */
    qw_engine_t e = m->engine;
    (void)qw_engine_standing(&e, prof, qw_web_model_quota(m, rep_id, period), r ? &r->st : NULL,
                             period, out);
}

json_t *qw_web_view_decision_json(const qw_web_decision_t *d)
{
    json_t *o = qw_sim_decision_json(&d->d);
    if (o)
        json_object_set_new(o, "withdrawn_by",
                            d->withdrawn_by[0] ? json_string(d->withdrawn_by) : json_null());
    return o;
}

static json_t *num_or_null(int has, int64_t v)
{
    return has ? json_integer((json_int_t)v) : json_null();
}

static json_t *time_json(int64_t ms)
{
    if (ms == QW_TIME_NONE) return json_null();
    char b[25];
    qw_time_format_iso8601(ms, b);
    return json_string(b);
}

json_t *qw_web_view_me(qw_web_model_t *m, const qw_web_viewer_t *v, int64_t now_ms, int *status)
{
    const qw_rep_profile_t *p = v->p;
    size_t n;
    const char **reps = qw_web_viewer_reports_sorted(v, &n);
    json_t *ra = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ra, json_string(reps[i]));
    free(reps);
    qw_period_t per;
    qw_web_model_period_at(m, now_ms, &per);
    char self[QW_ID_MAX + 16], team[QW_ID_MAX + 16];
    snprintf(self, sizeof(self), "/api/v1/reps/%s", p->rep_id);
    snprintf(team, sizeof(team), "/api/v1/teams/%s", p->team_id);
    int team_ok = p->team_id[0] &&
                  (v->manager || v->sales_ops || m->policy.leaderboard != QW_LEADERBOARD_OFF);
    *status = 200;
    return json_pack("{s:{s:s,s:s,s:s,s:s,s:o,s:o},s:o,s:{s:b,s:b,s:o},s:o,s:{s:s,s:o}}", "person",
                     "id", p->rep_id, "name", p->name, "email", p->email, "role",
                     qw_roster_role_name(p->role), "team_id",
                     p->team_id[0] ? json_string(p->team_id) : json_null(), "manager_id",
                     p->manager_id[0] ? json_string(p->manager_id) : json_null(), "reports", ra,
                     "can", "health", v->sales_ops || v->hr, "reviews", v->hr, "team",
                     team_ok ? json_string(p->team_id) : json_null(), "period",
                     qw_web_view_period(m, &per, now_ms), "links", "self_rep", self, "team",
                     team_ok ? json_string(team) : json_null());
}

static int cmp_credit_desc(const void *a, const void *b)
{
    const qw_web_credit_t *x = *(const qw_web_credit_t *const *)a,
                          *y = *(const qw_web_credit_t *const *)b;
    if (x->event_time_ms != y->event_time_ms) return x->event_time_ms < y->event_time_ms ? 1 : -1;
    return strcmp(y->id, x->id);
}

json_t *qw_web_view_rep(qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                        const char *period_param, int64_t now_ms, int *status)
{
    char err[256];
    if (qw_web_id_param(rep_id, 0, err, sizeof(err)) != QW_OK) return fail(status, 400, err);
    qw_period_t per;
    int pr = qw_web_period_param(m, period_param, now_ms, &per, err, sizeof(err));
    if (pr != QW_OK) return fail(status, pr == QW_WEB_NO_PERIOD ? 404 : 400, err);
    if (qw_web_authz_rep(m, v, rep_id, err, sizeof(err)) != QW_WEB_ALLOW)
        return fail(status, 403, err);
    const qw_rep_profile_t *prof = qw_web_model_profile(m, rep_id);
    const qw_web_rep_t *r = qw_web_model_rep(m, rep_id);
    if (!prof && !r) return fail(status, 404, "no such person");
    qw_standing_t s;
    qw_web_rep_standing(m, rep_id, per.id, &s);
    json_t *credits = json_array();
    if (r) {
        const qw_web_credit_t **cs = malloc((r->ncredits + 1) * sizeof(*cs));
        size_t n = 0;
        for (size_t i = 0; cs && i < r->ncredits; i++)
            if (!strcmp(r->credits[i].period, per.id)) cs[n++] = &r->credits[i];
        if (cs) qsort(cs, n, sizeof(*cs), cmp_credit_desc);
        for (size_t i = 0; i < n; i++) {
            const qw_web_credit_t *c = cs[i];
            json_array_append_new(
                credits,
                json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:s,s:o,s:o,s:o}", "id", c->id, "deal_id",
                          c->deal_id, "kind", qw_credit_kind_name((qw_credit_kind_t)c->kind),
                          "reason", qw_credit_reason_name((qw_credit_reason_t)c->reason),
                          "amount_minor", (json_int_t)c->amount_minor, "currency", c->currency,
                          "original_minor", (json_int_t)c->original_minor, "original_currency",
                          c->original_currency, "close_date",
                          c->close_date != QW_DATE_NONE
                              ? date_json(c->close_date)
                              : date_json(qw_tz_local_date(&m->policy.tz, c->close_time_ms)),
                          "event_time", time_json(c->event_time_ms), "event_time_ms",
                          c->event_time_ms == QW_TIME_NONE ? json_null()
                                                           : json_integer(c->event_time_ms)));
        }
        free(cs);
    }
    *status = 200;
    return json_pack(
        "{s:{s:s,s:s,s:o,s:o},s:o,s:s,s:I,s:i,s:i,s:o,s:o,s:o,s:{s:b,s:i},s:o,s:o,s:o,s:I}", "rep",
        "id", rep_id, "name", prof ? prof->name : "", "team_id",
        prof && prof->team_id[0] ? json_string(prof->team_id) : json_null(), "manager_id",
        prof && prof->manager_id[0] ? json_string(prof->manager_id) : json_null(), "period",
        qw_web_view_period(m, &per, now_ms), "currency", m->policy.rates.base, "credited_minor",
        (json_int_t)s.credited_minor, "deals", s.deals, "clawbacks", s.clawbacks,
        "quota_assigned_minor", num_or_null(s.has_quota, s.quota_assigned_minor), "quota_minor",
        num_or_null(s.has_quota, s.quota_minor), "quota_version",
        s.has_quota ? json_string(s.quota_version) : json_null(), "adjustments", "ramp", s.ramp,
        "leave_days", s.leave_days, "attainment_bp", num_or_null(s.has_quota, s.attainment_bp),
        "pace", qw_web_view_pace(m, &s, &per, now_ms), "credits", credits, "version",
        (json_int_t)(r ? r->version : 0));
}

static int cmp_dec_desc(const void *a, const void *b)
{
    const qw_web_decision_t *x = *(qw_web_decision_t *const *)a,
                            *y = *(qw_web_decision_t *const *)b;
    if (x->d.time_ms != y->d.time_ms) return x->d.time_ms < y->d.time_ms ? 1 : -1;
    return x->seq < y->seq ? 1 : -1;
}

json_t *qw_web_view_rep_decisions(qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                                  const char *period_param, int64_t now_ms, int *status)
{
    char err[256];
    if (qw_web_id_param(rep_id, 0, err, sizeof(err)) != QW_OK) return fail(status, 400, err);
    qw_period_t per;
    int one = period_param && *period_param;
    int pr = one ? qw_web_period_param(m, period_param, now_ms, &per, err, sizeof(err)) : QW_OK;
    if (pr != QW_OK) return fail(status, pr == QW_WEB_NO_PERIOD ? 404 : 400, err);
    if (qw_web_authz_rep_decisions(m, v, rep_id, err, sizeof(err)) != QW_WEB_ALLOW)
        return fail(status, 403, err);
    const qw_web_rep_t *r = qw_web_model_rep(m, rep_id);
    json_t *arr = json_array();
    if (r && r->decisions.n) {
        qw_web_decision_t **ds = malloc(r->decisions.n * sizeof(*ds));
        size_t n = 0;
        for (size_t i = 0; ds && i < r->decisions.n; i++) {
            qw_web_decision_t *d = r->decisions.items[i];
            if (one && strcmp(d->d.period, per.id)) continue;
            char why[128];
            if (qw_web_authz_decision(m, v, d, why, sizeof(why)) == QW_WEB_ALLOW) ds[n++] = d;
        }
        if (ds) qsort(ds, n, sizeof(*ds), cmp_dec_desc);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, qw_web_view_decision_json(ds[i]));
        free(ds);
    }
    *status = 200;
    return json_pack("{s:s,s:o}", "rep_id", rep_id, "decisions", arr);
}

json_t *qw_web_view_decision(qw_web_model_t *m, const qw_web_viewer_t *v, const char *id,
                             int *status)
{
    char err[256];
    if (qw_web_id_param(id, 1, err, sizeof(err)) != QW_OK) return fail(status, 400, err);
    const qw_web_decision_t *d = qw_web_model_decision(m, id);
    /* Unknown and forbidden look alike to a viewer who may not see it: no probing of ids. */
    if (!d) return fail(status, 404, "no such decision");
    if (qw_web_authz_decision(m, v, d, err, sizeof(err)) != QW_WEB_ALLOW)
        return fail(status, 403, err);
    *status = 200;
    return qw_web_view_decision_json(d);
}

/* A decision of `type` for rep in period that is not withdrawn. */
static int has_live(const qw_web_model_t *m, const char *rep_id, const char *period,
                    const char *type)
{
    const qw_web_rep_t *r = qw_web_model_rep(m, rep_id);
    for (size_t i = 0; r && i < r->decisions.n; i++) {
        const qw_web_decision_t *d = r->decisions.items[i];
        if (!strcmp(d->d.type, type) && !strcmp(d->d.period, period) && !d->withdrawn_by[0])
            return 1;
    }
    return 0;
}

typedef struct {
    const qw_rep_profile_t *p;
    qw_standing_t s;
} member_t;

static int cmp_member_id(const void *a, const void *b)
{
    return strcmp(((const member_t *)a)->p->rep_id, ((const member_t *)b)->p->rep_id);
}

static int cmp_member_att(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    if (x->s.attainment_bp != y->s.attainment_bp)
        return x->s.attainment_bp < y->s.attainment_bp ? 1 : -1;
    return strcmp(x->p->rep_id, y->p->rep_id);
}

/* The evaluated members of a team (active reps and managers), with their standings. */
static member_t *members_of(const qw_web_model_t *m, const char *team_id, const char *period,
                            size_t *n)
{
    *n = 0;
    member_t *out = malloc((m->ref->roster.n + 1) * sizeof(*out));
    if (!out) return NULL;
    size_t it = 0;
    const char *id;
    void *val;
    while (qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
        const qw_rep_profile_t *p = val;
        if (strcmp(p->team_id, team_id) || !qw_roster_evaluated(p)) continue;
        out[*n].p = p;
        qw_web_rep_standing(m, id, period, &out[*n].s);
        (*n)++;
    }
    qsort(out, *n, sizeof(*out), cmp_member_id);
    return out;
}

json_t *qw_web_view_team(qw_web_model_t *m, const qw_web_viewer_t *v, const char *team_id,
                         const char *period_param, int64_t now_ms, int *status)
{
    char err[256];
    if (qw_web_id_param(team_id, 0, err, sizeof(err)) != QW_OK) return fail(status, 400, err);
    qw_period_t per;
    int pr = qw_web_period_param(m, period_param, now_ms, &per, err, sizeof(err));
    if (pr != QW_OK) return fail(status, pr == QW_WEB_NO_PERIOD ? 404 : 400, err);
    qw_web_team_scope_t scope;
    if (qw_web_authz_team(m, v, team_id, &scope, err, sizeof(err)) != QW_WEB_ALLOW)
        return fail(status, 403, err);
    size_t n;
    member_t *ms = members_of(m, team_id, per.id, &n);
    if (!ms) return fail(status, 503, "out of memory");
    json_t *members = json_array(), *at_risk = json_array();
    int64_t tc = 0, tq = 0;
    int tm = 0, tb = 0;
    for (size_t i = 0; i < n; i++) {
        const member_t *x = &ms[i];
        if (scope == QW_WEB_TEAM_REPORTS && !qw_web_viewer_manages(v, x->p->rep_id)) continue;
        int risk = has_live(m, x->p->rep_id, per.id, QW_DT_AT_RISK);
        int behind = behind_pace(m, &x->s, &per, now_ms);
        tm++, tb += behind, tc += x->s.credited_minor, tq += x->s.has_quota ? x->s.quota_minor : 0;
        if (risk) json_array_append_new(at_risk, json_string(x->p->rep_id));
        json_array_append_new(
            members,
            json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:i,s:b,s:b}", "rep_id", x->p->rep_id, "name",
                      x->p->name, "credited_minor", (json_int_t)x->s.credited_minor, "quota_minor",
                      num_or_null(x->s.has_quota, x->s.quota_minor), "attainment_bp",
                      num_or_null(x->s.has_quota, x->s.attainment_bp), "pace",
                      qw_web_view_pace(m, &x->s, &per, now_ms), "deals", x->s.deals, "at_risk",
                      risk, "coaching_recommended",
                      has_live(m, x->p->rep_id, per.id, QW_DT_COACHING)));
    }
    json_t *board = json_null();
    if (m->policy.leaderboard != QW_LEADERBOARD_OFF) {
        /* Ranked publicly: reps with a quota who did not opt out of public recognition. */
        member_t *rk = malloc((n + 1) * sizeof(*rk));
        size_t k = 0;
        for (size_t i = 0; rk && i < n; i++)
            if (ms[i].s.has_quota && !ms[i].p->recognition_opt_out) rk[k++] = ms[i];
        if (rk) qsort(rk, k, sizeof(*rk), cmp_member_att);
        board = json_array();
        for (size_t i = 0; i < k; i++) {
            json_t *e = json_pack("{s:i,s:s,s:s}", "rank", (int)i + 1, "rep_id", rk[i].p->rep_id,
                                  "name", rk[i].p->name);
            if (m->policy.leaderboard == QW_LEADERBOARD_ATTAINMENT)
                json_object_set_new(e, "attainment_bp", json_integer(rk[i].s.attainment_bp));
            json_array_append_new(board, e);
        }
        free(rk);
    }
    free(ms);
    const qw_rep_profile_t *lead = NULL;
    size_t it = 0;
    const char *id;
    void *val;
    while (!lead && qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
        const qw_rep_profile_t *p = val;
        if (!strcmp(p->team_id, team_id) && p->role == QW_ROLE_MANAGER) lead = p;
    }
    json_t *o = json_pack(
        "{s:{s:s,s:o},s:o,s:s,s:{s:i,s:I,s:I,s:o,s:i},s:o,s:I}", "team", "id", team_id,
        "manager_id", lead ? json_string(lead->rep_id) : json_null(), "period",
        qw_web_view_period(m, &per, now_ms), "currency", m->policy.rates.base, "totals", "members",
        tm, "credited_minor", (json_int_t)tc, "quota_minor", (json_int_t)tq, "attainment_bp",
        tq > 0 ? json_integer(tc * 10000 / tq) : json_null(), "behind_pace", tb, "leaderboard",
        board, "version", (json_int_t)qw_web_model_team_version(m, team_id));
    if (scope == QW_WEB_TEAM_LEADERBOARD) {
        /* A rep sees the leaderboard only: the others' numbers are their managers'. */
        json_decref(members);
        json_decref(at_risk);
        json_object_del(o, "totals");
    } else {
        json_object_set_new(o, "members", members);
        json_object_set_new(o, "at_risk", at_risk);
    }
    *status = 200;
    return o;
}

typedef struct {
    char cohort[QW_COHORT_MAX];
    int members, warned, reviewed;
} cohort_t;

json_t *qw_web_view_health(qw_web_model_t *m, const qw_web_viewer_t *v, const char *period_param,
                           int64_t now_ms, int *status)
{
    char err[256];
    qw_period_t per;
    int pr = qw_web_period_param(m, period_param, now_ms, &per, err, sizeof(err));
    if (pr != QW_OK) return fail(status, pr == QW_WEB_NO_PERIOD ? 404 : 400, err);
    if (qw_web_authz_health(m, v, err, sizeof(err)) != QW_WEB_ALLOW) return fail(status, 403, err);
    /* Teams of the roster, and the cohorts of the four-fifths report. */
    qw_strmap_t teams;
    qw_strmap_init(&teams);
    cohort_t cs[QW_FAIRNESS_COHORTS_MAX];
    int nc = 0;
    size_t it = 0;
    const char *id;
    void *val;
    while (qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
        const qw_rep_profile_t *p = val;
        if (!qw_roster_evaluated(p)) continue;
        if (p->team_id[0]) qw_strmap_put(&teams, p->team_id, strlen(p->team_id), (void *)1, NULL);
        if (!p->cohort[0]) continue;
        int c = 0;
        while (c < nc && strcmp(cs[c].cohort, p->cohort))
            c++;
        if (c == nc) {
            if (nc == QW_FAIRNESS_COHORTS_MAX) continue;
            memset(&cs[nc], 0, sizeof(cs[nc]));
            snprintf(cs[nc].cohort, sizeof(cs[nc].cohort), "%s", p->cohort);
            nc++;
        }
        cs[c].members++;
        int warned =
            has_live(m, id, per.id, QW_DT_AT_RISK) || has_live(m, id, per.id, QW_DT_FINAL_WARNING);
        int reviewed = has_live(m, id, per.id, QW_DT_REVIEW);
        cs[c].warned += warned;
        cs[c].reviewed += reviewed;
    }
    json_t *tarr = json_array();
    it = 0;
    while (qw_strmap_next(&teams, &it, &id, &val)) {
        size_t n;
        member_t *ms = members_of(m, id, per.id, &n);
        int behind = 0, risky = 0;
        int64_t c = 0, q = 0;
        for (size_t i = 0; ms && i < n; i++) {
            behind += behind_pace(m, &ms[i].s, &per, now_ms);
            risky += has_live(m, ms[i].p->rep_id, per.id, QW_DT_AT_RISK);
            c += ms[i].s.credited_minor;
            q += ms[i].s.has_quota ? ms[i].s.quota_minor : 0;
        }
        free(ms);
        int pressure = 0, systemic = 0;
        const qw_web_team_t *t = qw_web_model_team(m, id);
        for (size_t i = 0; t && i < t->decisions.n; i++) {
            const qw_web_decision_t *d = t->decisions.items[i];
            if (strcmp(d->d.type, QW_DT_QUOTA_PRESSURE) || strcmp(d->d.period, per.id) ||
                d->withdrawn_by[0])
                continue;
            pressure = 1;
            /* A close that found the team's miss systemic withholds individual reviews. */
            for (int k = 0; k < d->d.nevidence; k++)
                if (!strcmp(d->d.evidence[k].key, "individual_reviews")) systemic = 1;
        }
        json_array_append_new(
            tarr, json_pack("{s:s,s:i,s:i,s:i,s:o,s:b,s:b}", "team_id", id, "members", (int)n,
                            "behind_pace", behind, "at_risk", risky, "attainment_bp",
                            q > 0 ? json_integer(c * 10000 / q) : json_null(), "quota_pressure",
                            pressure, "systemic_miss", systemic));
    }
    qw_strmap_free(&teams, NULL);
    /* The engine's four-fifths formula (engine_fairness.c) over the published verdicts:
     * favourable = neither warned nor reviewed; ratio = rate / the best cohort's rate. */
    json_t *carr = json_array();
    int best = 0, rate[QW_FAIRNESS_COHORTS_MAX], fav[QW_FAIRNESS_COHORTS_MAX];
    for (int c = 0; c < nc; c++) {
        int bad = 0;
        it = 0;
        while (qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
            const qw_rep_profile_t *p = val;
            if (!qw_roster_evaluated(p) || strcmp(p->cohort, cs[c].cohort)) continue;
            bad += has_live(m, id, per.id, QW_DT_AT_RISK) ||
                   has_live(m, id, per.id, QW_DT_FINAL_WARNING) ||
                   has_live(m, id, per.id, QW_DT_REVIEW);
        }
        fav[c] = cs[c].members - bad;
        rate[c] = cs[c].members ? (int)((int64_t)fav[c] * 10000 / cs[c].members) : 0;
        if (rate[c] > best) best = rate[c];
    }
    for (int c = 0; c < nc; c++) {
        int ratio = best ? (int)((int64_t)rate[c] * 10000 / best) : 10000;
        int adverse = ratio < m->policy.adverse_impact_ratio_bp &&
                      cs[c].members >= m->policy.fairness_min_cohort;
        json_array_append_new(carr, json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "cohort",
                                              cs[c].cohort, "members", cs[c].members, "warned",
                                              cs[c].warned, "reviewed", cs[c].reviewed,
                                              "favourable", fav[c], "favourable_rate_bp", rate[c],
                                              "impact_ratio_bp", ratio, "adverse", adverse));
    }
    json_t *darr = json_array();
    it = 0;
    while (qw_strmap_next(&m->decisions, &it, &id, &val)) {
        const qw_web_decision_t *d = val;
        char why[64];
        if (qw_dt_family(d->d.type) == QW_DTF_HEALTH && !strcmp(d->d.period, per.id) &&
            qw_web_authz_decision(m, v, d, why, sizeof(why)) == QW_WEB_ALLOW)
            json_array_append_new(darr, qw_web_view_decision_json(d));
    }
    *status = 200;
    return json_pack("{s:o,s:o,s:{s:i,s:o},s:o}", "period", qw_web_view_period(m, &per, now_ms),
                     "teams", tarr, "fairness", "best_rate_bp", best, "cohorts", carr, "decisions",
                     darr);
}

/* "period=P" out of a query string (other parameters ignored); "" when absent. */
static void period_of_query(const char *q, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *p = q; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > 7 && !strncmp(p, "period=", 7)) {
            size_t vn = n - 7 < cap - 1 ? n - 7 : cap - 1;
            memcpy(out, p + 7, vn);
            out[vn] = '\0';
        }
        p = amp ? amp + 1 : NULL;
    }
}

json_t *qw_web_route(qw_web_model_t *m, const char *email, const char *path, const char *query,
                     int64_t now_ms, int *status)
{
    if (!email || !*email) return fail(status, 401, "no identity: log in through the SSO proxy");
    if (!path || strncmp(path, "/api/v1/", 8) != 0 || strlen(path) > 512)
        return fail(status, 404, "no such endpoint");
    char why[256];
    qw_web_viewer_t v;
    int rc = qw_web_viewer_init(&v, m, email, why, sizeof(why));
    if (rc != QW_OK) {
        qw_web_viewer_free(&v);
        return rc == QW_ERR ? fail(status, 503, "out of memory") : fail(status, 403, why);
    }
    char period[64], seg[QW_DECISION_ID_MAX + 1];
    period_of_query(query, period, sizeof(period));
    const char *p = path + 8;
    json_t *o;
    const char *slash = strchr(p, '/');
    size_t first = slash ? (size_t)(slash - p) : strlen(p);
    const char *rest = slash ? slash + 1 : NULL;
    size_t restlen = rest ? strcspn(rest, "/") : 0;
    if (rest && restlen < sizeof(seg)) {
        memcpy(seg, rest, restlen);
        seg[restlen] = '\0';
    } else {
        seg[0] = '\0';
    }
    const char *after = rest ? rest + restlen : NULL; /* "" or "/decisions" ... */
    if (first == 2 && !strncmp(p, "me", 2) && !rest)
        o = qw_web_view_me(m, &v, now_ms, status);
    else if (first == 6 && !strncmp(p, "health", 6) && !rest)
        o = qw_web_view_health(m, &v, period, now_ms, status);
    else if (first == 4 && !strncmp(p, "reps", 4) && rest && seg[0] && !*after)
        o = qw_web_view_rep(m, &v, seg, period, now_ms, status);
    else if (first == 4 && !strncmp(p, "reps", 4) && rest && seg[0] && !strcmp(after, "/decisions"))
        o = qw_web_view_rep_decisions(m, &v, seg, period, now_ms, status);
    else if (first == 5 && !strncmp(p, "teams", 5) && rest && seg[0] && !*after)
        o = qw_web_view_team(m, &v, seg, period, now_ms, status);
    else if (first == 9 && !strncmp(p, "decisions", 9) && rest && seg[0] && !*after)
        o = qw_web_view_decision(m, &v, seg, status);
    else
        o = fail(status, 404, "no such endpoint");
    qw_web_viewer_free(&v);
    return o;
}
