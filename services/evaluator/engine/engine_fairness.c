/* The four-fifths adverse-impact report: per cohort, the share of reps neither warned nor sent
 * to review in a period, against the best cohort's share. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

int qw_engine_fairness_report(qw_engine_t *e, const qw_engine_rep_t *reps, int n,
                              const char *period, int64_t now_ms, qw_fairness_report_t *out)
{
    const qw_policy_t *p = e->policy;
    qw_fairness_report_t local, *r = out ? out : &local;
    memset(r, 0, sizeof(*r));
    snprintf(r->period, sizeof(r->period), "%s", period);
    int rc = QW_OK;
    for (int i = 0; i < n; i++) {
        const char *cohort = reps[i].profile->cohort;
        if (!cohort[0]) continue;
        int k = 0;
        while (k < r->ncohorts && strcmp(r->c[k].cohort, cohort) != 0)
            k++;
        if (k == r->ncohorts) {
            if (k == QW_FAIRNESS_COHORTS_MAX) {
                rc = qw_err_set(e->errstr, sizeof(e->errstr), "more than %d cohorts",
                                QW_FAIRNESS_COHORTS_MAX);
                continue;
            }
            snprintf(r->c[k].cohort, sizeof(r->c[k].cohort), "%s", cohort);
            r->ncohorts++;
        }
        qw_fairness_cohort_t *c = &r->c[k];
        c->members++;
        const qw_period_state_t *s = qw_rep_state_find(reps[i].state, period);
        int warned = s && (s->at_risk || ((s->flags & QW_PF_FINAL_WARNING) &&
                                          !(s->flags & QW_PF_FINAL_WITHDRAWN)));
        int reviewed = s && (s->flags & QW_PF_REVIEW) && !(s->flags & QW_PF_REVIEW_WITHDRAWN);
        c->warned += warned;
        c->reviewed += reviewed;
        c->favourable += !warned && !reviewed;
    }
    /* The reference is the best cohort large enough to judge. */
    for (int k = 0; k < r->ncohorts; k++) {
        qw_fairness_cohort_t *c = &r->c[k];
        c->favourable_rate_bp = (int32_t)((int64_t)c->favourable * 10000 / c->members);
        if (c->members >= p->fairness_min_cohort && c->favourable_rate_bp > r->best_rate_bp)
            r->best_rate_bp = c->favourable_rate_bp;
    }
    for (int k = 0; k < r->ncohorts; k++) {
        qw_fairness_cohort_t *c = &r->c[k];
        c->impact_ratio_bp =
            r->best_rate_bp ? (int32_t)((int64_t)c->favourable_rate_bp * 10000 / r->best_rate_bp)
                            : 10000;
        c->adverse =
            c->members >= p->fairness_min_cohort && c->impact_ratio_bp < p->adverse_impact_ratio_bp;
        if (!c->adverse) continue;
        qw_decision_t d;
        char scope[QW_COHORT_MAX + 8];
        snprintf(scope, sizeof(scope), "cohort:%s", c->cohort);
        qw_engine_decision_start(&d, e, QW_DT_ADVERSE_IMPACT, NULL, NULL, period, NULL,
                                 QW_AUDSET_SALES_OPS, now_ms);
        qw_engine_decision_id(d.id, scope, period, QW_DT_ADVERSE_IMPACT, NULL);
        qw_engine_evidence(&d, "cohort", c->members, c->cohort);
        qw_engine_evidence(&d, "favourable", c->favourable, NULL);
        qw_engine_evidence(&d, "warned", c->warned, NULL);
        qw_engine_evidence(&d, "reviewed", c->reviewed, NULL);
        qw_engine_evidence(&d, "favourable_rate_bp", c->favourable_rate_bp, NULL);
        qw_engine_evidence(&d, "best_rate_bp", r->best_rate_bp, NULL);
        qw_engine_evidence(&d, "impact_ratio_bp", c->impact_ratio_bp, NULL);
        qw_engine_evidence(&d, "threshold_bp", p->adverse_impact_ratio_bp, "four-fifths rule");
        for (int j = 0; j < r->ncohorts && d.nevidence < QW_EVIDENCE_MAX; j++) {
            char key[QW_EVIDENCE_KEY_MAX], text[QW_EVIDENCE_TEXT_MAX];
            snprintf(key, sizeof(key), "rate.%.36s", r->c[j].cohort);
            snprintf(text, sizeof(text), "members=%d favourable=%d", r->c[j].members,
                     r->c[j].favourable);
            qw_engine_evidence(&d, key, r->c[j].favourable_rate_bp, text);
        }
        qw_engine_summary(&d,
                          "Cohort %s was spared warnings and reviews at %d.%02d%% the rate of "
                          "the best cohort in %s, below the four-fifths line: check the rules "
                          "and quotas for adverse impact.",
                          c->cohort, c->impact_ratio_bp / 100, c->impact_ratio_bp % 100, period);
        qw_engine_emit(e, &d);
    }
    return rc;
}
