/* The authorization table (docs/web.md, "Roles"). Deny by default: every allow is a rule here. */
#include "web_authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/audience.h"
#include "quotawatch/common.h"
#include "quotawatch/decision_type.h"

static int deny(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return QW_WEB_DENY;
}

int qw_web_viewer_init(qw_web_viewer_t *v, qw_web_model_t *m, const char *email, char *why,
                       size_t whylen)
{
    memset(v, 0, sizeof(*v));
    qw_strmap_init(&v->reports);
    const qw_rep_profile_t *p = qw_web_model_by_email(m, email);
    if (!p || !p->active)
        return deny(why, whylen, "this identity is not an active person of the roster");
    v->p = p;
    v->sales_ops = p->role == QW_ROLE_SALES_OPS;
    v->hr = p->role == QW_ROLE_HR;
    /* Transitive reports, breadth first; the map is the visited set, so a cycle in manager_id
     * ends the walk instead of looping. */
    const char *queue_static[64];
    const char **queue = queue_static;
    size_t qn = 0, qcap = 64, qi = 0;
    queue[qn++] = p->rep_id;
    while (qi < qn) {
        const qw_web_idlist_t *l = qw_web_model_direct_reports(m, queue[qi++]);
        for (size_t i = 0; l && i < l->n; i++) {
            const char *r = l->ids[i];
            if (!strcmp(r, p->rep_id) || qw_strmap_get(&v->reports, r, strlen(r))) continue;
            if (qw_strmap_put(&v->reports, r, strlen(r), (void *)1, NULL) != 0) goto oom;
            if (qn == qcap) {
                size_t nc = qcap * 2;
                const char **n = malloc(nc * sizeof(*n));
                if (!n) goto oom;
                memcpy(n, queue, qn * sizeof(*n));
                if (queue != queue_static) free(queue);
                queue = n, qcap = nc;
            }
            queue[qn++] = r;
        }
    }
    if (queue != queue_static) free(queue);
    v->manager = p->role == QW_ROLE_MANAGER || v->reports.n > 0;
    return QW_OK;
oom:
    if (queue != queue_static) free(queue);
    return QW_ERR;
}

void qw_web_viewer_free(qw_web_viewer_t *v)
{
    qw_strmap_free(&v->reports, NULL);
}

int qw_web_viewer_is_self(const qw_web_viewer_t *v, const char *rep_id)
{
    return v->p && !strcmp(v->p->rep_id, rep_id);
}

int qw_web_viewer_manages(const qw_web_viewer_t *v, const char *rep_id)
{
    return qw_strmap_get(&v->reports, rep_id, strlen(rep_id)) != NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **qw_web_viewer_reports_sorted(const qw_web_viewer_t *v, size_t *n)
{
    *n = 0;
    if (!v->reports.n) return NULL;
    const char **out = malloc(v->reports.n * sizeof(*out));
    if (!out) return NULL;
    size_t it = 0;
    const char *k;
    void *val;
    while (qw_strmap_next(&v->reports, &it, &k, &val))
        out[(*n)++] = k;
    qsort(out, *n, sizeof(*out), cmp_str);
    return out;
}

int qw_web_authz_rep(const qw_web_model_t *m, const qw_web_viewer_t *v, const char *rep_id,
                     char *why, size_t whylen)
{
    (void)m;
    if (qw_web_viewer_is_self(v, rep_id) || qw_web_viewer_manages(v, rep_id) || v->sales_ops)
        return QW_WEB_ALLOW;
    if (v->hr) return deny(why, whylen, "HR sees reviews and their evidence, not standings");
    return deny(why, whylen,
                v->manager ? "this person is not among your reports"
                           : "a rep sees only their own standing");
}

int qw_web_authz_rep_decisions(const qw_web_model_t *m, const qw_web_viewer_t *v,
                               const char *rep_id, char *why, size_t whylen)
{
    (void)m;
    if (qw_web_viewer_is_self(v, rep_id) || qw_web_viewer_manages(v, rep_id) || v->sales_ops ||
        v->hr)
        return QW_WEB_ALLOW;
    return deny(why, whylen,
                v->manager ? "this person is not among your reports"
                           : "a rep sees only their own decisions");
}

int qw_web_authz_decision(const qw_web_model_t *m, const qw_web_viewer_t *v,
                          const qw_web_decision_t *w, char *why, size_t whylen)
{
    const qw_decision_t *d = &w->d;
    qw_audset_t a = d->audience;
    int sensitive = qw_dt_is_sensitive(d->type);
    if (d->rep_id[0]) {
        if (qw_web_viewer_is_self(v, d->rep_id) && QW_AUDSET_HAS(a, QW_AUD_REP))
            return QW_WEB_ALLOW;
        if (qw_web_viewer_manages(v, d->rep_id) && QW_AUDSET_HAS(a, QW_AUD_MANAGER))
            return QW_WEB_ALLOW;
    } else if (d->team_id[0] && v->manager && !sensitive && QW_AUDSET_HAS(a, QW_AUD_MANAGER)) {
        /* A team decision: to a manager of one of the team's members. */
        size_t it = 0;
        const char *id;
        void *val;
        while (qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
            const qw_rep_profile_t *p = val;
            if (!strcmp(p->team_id, d->team_id) && qw_web_viewer_manages(v, id))
                return QW_WEB_ALLOW;
        }
    }
    if (v->sales_ops && !sensitive && QW_AUDSET_HAS(a, QW_AUD_SALES_OPS)) return QW_WEB_ALLOW;
    if (v->hr && QW_AUDSET_HAS(a, QW_AUD_HR)) return QW_WEB_ALLOW;
    return deny(why, whylen,
                sensitive ? "reviews and integrity flags go to HR and the manager only"
                          : "this decision is not addressed to you");
}

int qw_web_authz_in_team_view(const qw_web_decision_t *d)
{
    return !qw_dt_is_sensitive(d->d.type);
}

int qw_web_authz_team(qw_web_model_t *m, const qw_web_viewer_t *v, const char *team_id,
                      qw_web_team_scope_t *scope, char *why, size_t whylen)
{
    *scope = QW_WEB_TEAM_NONE;
    if (v->sales_ops) {
        *scope = QW_WEB_TEAM_FULL;
        return QW_WEB_ALLOW;
    }
    if (v->manager) {
        size_t it = 0;
        const char *id;
        void *val;
        while (qw_strmap_next(&m->ref->roster, &it, &id, &val)) {
            const qw_rep_profile_t *p = val;
            if (!strcmp(p->team_id, team_id) && qw_web_viewer_manages(v, id)) {
                *scope = QW_WEB_TEAM_REPORTS;
                return QW_WEB_ALLOW;
            }
        }
    }
    if (!strcmp(v->p->team_id, team_id) && m->policy.leaderboard != QW_LEADERBOARD_OFF) {
        *scope = QW_WEB_TEAM_LEADERBOARD;
        return QW_WEB_ALLOW;
    }
    if (!strcmp(v->p->team_id, team_id))
        return deny(why, whylen,
                    "this team has no leaderboard (policy standings.leaderboard: off)");
    return deny(why, whylen, "none of your reports is in this team");
}

int qw_web_authz_health(const qw_web_model_t *m, const qw_web_viewer_t *v, char *why, size_t whylen)
{
    (void)m;
    if (v->sales_ops || v->hr) return QW_WEB_ALLOW;
    return deny(why, whylen, "the health reports are for sales ops and HR");
}
