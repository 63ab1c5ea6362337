/* Weekly digests: where each rep stands (info.standing) and a team digest for each manager
 * (info.team_digest). Information, never a judgment: no state changes, no other type, nothing
 * about integrity flags or reviews. docs/engine.md, "Weekly digests". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "quotawatch/date.h"
#include "quotawatch/money.h"

/* Lines of a team digest: the evidence left after its fixed entries and the "more" entry. */
#define DIGEST_FIXED 11

/* "45.0%": tenths of a percent, rounded half away from zero (as the notifier shows them). */
static const char *pct(int64_t bp, char *out, size_t cap)
{
    int neg = bp < 0;
    int64_t a = neg ? -bp : bp, tenths = (a + 5) / 10;
    snprintf(out, cap, "%s%lld.%lld%%", neg && tenths ? "-" : "", (long long)(tenths / 10),
             (long long)(tenths % 10));
    return out;
}

static const char *money(const qw_engine_t *e, int64_t minor, char *out, size_t cap)
{
    char num[48];
    int exp = qw_money_exponent(e->policy->rates.base);
    qw_money_format(minor, exp < 0 ? 2 : exp, num, sizeof(num));
    snprintf(out, cap, "%s %s", num, e->policy->rates.base);
    return out;
}

static const char *who(const qw_rep_profile_t *p)
{
    return p->name[0] ? p->name : p->rep_id;
}

int qw_engine_digest_numbers(qw_engine_t *e, const qw_engine_rep_t *r, const qw_period_t *period,
                             int64_t at_ms, qw_digest_numbers_t *out)
{
    const qw_tz_t *tz = &e->policy->tz;
    memset(out, 0, sizeof(*out));
    out->rep = r;
    int rc = qw_engine_standing(e, r->profile, r->quota, r->state, period->id, &out->s);
    int32_t today = qw_tz_local_date(tz, at_ms);
    int prot = 0;
    out->on_leave = qw_roster_leave_days(r->profile, today, today, &prot) > 0;
    /* As qw-web counts them: the instant's own day is elapsed. */
    int32_t total = period->last_day - period->first_day + 1;
    int32_t elapsed = today < period->first_day  ? 0
                      : today > period->last_day ? total
                                                 : today - period->first_day + 1;
    out->days_left = total - elapsed;
    out->elapsed_bp = qw_period_elapsed_bp(period, tz, at_ms);
    if (out->s.has_quota) {
        out->target_minor = out->s.quota_minor * out->elapsed_bp / 10000;
        out->delta_minor = out->s.credited_minor - out->target_minor;
        out->behind = out->delta_minor < 0;
        out->pace_bp = qw_engine_attainment(out->s.credited_minor, out->target_minor);
    }
    return rc;
}

static void standing(qw_engine_t *e, const qw_digest_numbers_t *x, const char *week, int64_t at_ms,
                     int64_t now_ms)
{
    const qw_rep_profile_t *prof = x->rep->profile;
    const qw_standing_t *s = &x->s;
    qw_decision_t d;
    char a[24], b[24], c1[64], c2[64], c3[64];
    qw_engine_decision_start(&d, e, QW_DT_STANDING, prof, NULL, s->period, week, QW_AUDSET_REP,
                             now_ms);
    memcpy(d.quota_version, s->quota_version, sizeof(d.quota_version));
    d.credited_minor = s->credited_minor;
    d.quota_minor = s->has_quota ? s->quota_minor : 0;
    d.attainment_bp = s->has_quota ? s->attainment_bp : 0;
    qw_engine_evidence(&d, "week", at_ms, week);
    qw_engine_evidence(&d, "credited_minor", s->credited_minor,
                       money(e, s->credited_minor, c1, sizeof(c1)));
    qw_engine_evidence(&d, "quota_minor", d.quota_minor,
                       s->has_quota ? money(e, s->quota_minor, c2, sizeof(c2)) : "no quota");
    qw_engine_evidence(&d, "attainment_bp", d.attainment_bp,
                       s->has_quota ? pct(s->attainment_bp, a, sizeof(a)) : "no quota");
    qw_engine_evidence(&d, "elapsed_bp", x->elapsed_bp, pct(x->elapsed_bp, b, sizeof(b)));
    qw_engine_evidence(&d, "expected_bp", s->has_quota ? x->elapsed_bp : 0,
                       s->has_quota ? b : "no quota");
    qw_engine_evidence(&d, "target_minor", x->target_minor,
                       s->has_quota ? money(e, x->target_minor, c3, sizeof(c3)) : "no quota");
    qw_engine_evidence(&d, "delta_minor", x->delta_minor, NULL);
    qw_engine_evidence(&d, "pace_bp", x->pace_bp,
                       s->has_quota ? pct(x->pace_bp, a, sizeof(a)) : "");
    qw_engine_evidence(&d, "behind", x->behind, x->behind ? "behind pace" : "on pace");
    qw_engine_evidence(&d, "days_left", x->days_left, NULL);
    qw_engine_evidence(&d, "deals", s->deals, NULL);
    qw_engine_evidence(&d, "ramp", s->ramp, NULL);
    qw_engine_evidence(&d, "leave_days", s->leave_days, NULL);
    if (!s->has_quota)
        qw_engine_summary(&d,
                          "%.120s, week %s: no quota is assigned for %s yet; you have %s credited "
                          "from %d deals, with %d days left.",
                          who(prof), week, s->period, c1, (int)s->deals, (int)x->days_left);
    else
        qw_engine_summary(&d,
                          "%.120s, week %s: you are at %s of your %s quota (%s of %s) from %d "
                          "deals; on pace would be %s by now, so you are %s, with %d days left.",
                          who(prof), week, pct(s->attainment_bp, a, sizeof(a)), s->period, c1, c2,
                          (int)s->deals, b, x->behind ? "behind pace" : "on pace",
                          (int)x->days_left);
    qw_engine_emit(e, &d);
}

static int by_rep(const void *a, const void *b)
{
    const qw_digest_numbers_t *x = a, *y = b;
    return strcmp(x->rep->profile->rep_id, y->rep->profile->rep_id);
}

/* Behind pace first, then on pace (and without a quota), then on leave; lowest attainment
 * first within each; the rep id breaks ties. */
static int line_group(const qw_digest_numbers_t *x)
{
    return x->on_leave ? 2 : x->behind ? 0 : 1;
}

static int by_manager(const void *a, const void *b)
{
    const qw_digest_numbers_t *x = a, *y = b;
    int c = strcmp(x->rep->profile->manager_id, y->rep->profile->manager_id);
    if (c) return c;
    if (x->counted != y->counted) return y->counted - x->counted;
    if (line_group(x) != line_group(y)) return line_group(x) - line_group(y);
    if (x->s.attainment_bp != y->s.attainment_bp)
        return x->s.attainment_bp < y->s.attainment_bp ? -1 : 1;
    return by_rep(a, b);
}

static void report_line(const qw_engine_t *e, const qw_digest_numbers_t *x, char *out, size_t cap)
{
    const qw_rep_profile_t *p = x->rep->profile;
    char a[24], b[24], m[64];
    if (x->on_leave)
        snprintf(out, cap, "%.80s (%.60s): on leave", who(p), p->rep_id);
    else if (!x->s.has_quota)
        snprintf(out, cap, "%.80s (%.60s): no quota, %s credited, %d deals", who(p), p->rep_id,
                 money(e, x->s.credited_minor, m, sizeof(m)), (int)x->s.deals);
    else
        snprintf(out, cap, "%.80s (%.60s): %s of quota, %s (on pace %s), %d deals", who(p),
                 p->rep_id, pct(x->s.attainment_bp, a, sizeof(a)),
                 x->behind ? "behind pace" : "on pace", pct(x->elapsed_bp, b, sizeof(b)),
                 (int)x->s.deals);
}

/* The team digest of one manager over their direct reports x[0..k). */
static void team_digest(qw_engine_t *e, const qw_rep_profile_t *mgr, const qw_digest_numbers_t *x,
                        int k, const char *period, const char *week, int64_t at_ms, int64_t now_ms)
{
    int behind = 0, met = 0, leave = 0, noquota = 0;
    int64_t credited = 0, quota = 0;
    for (int i = 0; i < k; i++) {
        credited += x[i].s.credited_minor;
        if (x[i].on_leave) leave++;
        if (!x[i].s.has_quota) {
            noquota++;
            continue;
        }
        quota += x[i].s.quota_minor;
        behind += x[i].behind && !x[i].on_leave;
        met += x[i].s.attainment_bp >= e->policy->quota_achieved_bp;
    }
    int32_t att = qw_engine_attainment(credited, quota);
    qw_decision_t d;
    char a[24], c1[64], c2[64], line[QW_EVIDENCE_TEXT_MAX], key[24];
    qw_engine_decision_start(&d, e, QW_DT_TEAM_DIGEST, mgr, NULL, period, week, QW_AUDSET_REP,
                             now_ms);
    d.credited_minor = credited;
    d.quota_minor = quota;
    d.attainment_bp = att;
    qw_engine_evidence(&d, "week", at_ms, week);
    qw_engine_evidence(&d, "reports", k, "direct reports");
    qw_engine_evidence(&d, "behind_pace", behind, NULL);
    qw_engine_evidence(&d, "at_or_above_quota", met, NULL);
    qw_engine_evidence(&d, "on_leave", leave, NULL);
    qw_engine_evidence(&d, "no_quota", noquota, NULL);
    qw_engine_evidence(&d, "team_credited_minor", credited, money(e, credited, c1, sizeof(c1)));
    qw_engine_evidence(&d, "team_quota_minor", quota, money(e, quota, c2, sizeof(c2)));
    qw_engine_evidence(&d, "team_attainment_bp", att, pct(att, a, sizeof(a)));
    qw_engine_evidence(&d, "elapsed_bp", k ? x[0].elapsed_bp : 0, NULL);
    qw_engine_evidence(&d, "days_left", k ? x[0].days_left : 0, NULL);
    int room = QW_EVIDENCE_MAX - DIGEST_FIXED, shown = k <= room ? k : room - 1;
    for (int i = 0; i < shown; i++) {
        report_line(e, &x[i], line, sizeof(line));
        snprintf(key, sizeof(key), "report.%02d", i + 1);
        qw_engine_evidence(&d, key, x[i].s.has_quota ? x[i].s.attainment_bp : 0, line);
    }
    if (shown < k) {
        snprintf(line, sizeof(line), "and %d more", k - shown);
        qw_engine_evidence(&d, "more", k - shown, line);
    }
    qw_engine_summary(&d,
                      "Week %s, %s: of your %d direct reports %d %s behind pace and %d at or "
                      "above quota; together %s of %s (%s), with %d days left.",
                      week, period, k, behind, behind == 1 ? "is" : "are", met, c1, c2, a,
                      k ? (int)x[0].days_left : 0);
    qw_engine_emit(e, &d);
}

int qw_engine_digests(qw_engine_t *e, const qw_engine_rep_t *reps, int n, int64_t at_ms,
                      const char *week, qw_roster_lookup_fn roster, void *roster_opaque,
                      qw_digest_numbers_t *scratch, int64_t now_ms)
{
    qw_period_t per;
    qw_period_of_date(e->policy->period, qw_tz_local_date(&e->policy->tz, at_ms), &per);
    if (!week || !*week || strlen(week) >= QW_DECISION_LEVEL_MAX)
        return qw_err_set(e->errstr, sizeof(e->errstr), "no week id for the digests");
    int rc = QW_OK;
    char err[QW_ERRSTR_MAX] = "";
    for (int i = 0; i < n; i++) {
        if (qw_engine_digest_numbers(e, &reps[i], &per, at_ms, &scratch[i]) != QW_OK)
            rc = QW_ERR, memcpy(err, e->errstr, sizeof(err));
        const qw_rep_profile_t *p = reps[i].profile;
        scratch[i].counted = qw_roster_evaluated(p) && roster(roster_opaque, p->rep_id) != NULL;
    }
    qsort(scratch, (size_t)n, sizeof(*scratch), by_rep);
    for (int i = 0; i < n; i++) {
        const qw_digest_numbers_t *x = &scratch[i];
        if (x->counted && !x->rep->profile->digest_opt_out && !x->on_leave)
            standing(e, x, week, at_ms, now_ms);
    }
    /* Each manager's direct reports are now contiguous, counted ones first, in line order. */
    qsort(scratch, (size_t)n, sizeof(*scratch), by_manager);
    int32_t today = qw_tz_local_date(&e->policy->tz, at_ms);
    for (int i = 0; i < n;) {
        const char *mid = scratch[i].rep->profile->manager_id;
        int j = i, k = 0;
        while (j < n && !strcmp(scratch[j].rep->profile->manager_id, mid))
            k += scratch[j++].counted;
        const qw_rep_profile_t *mgr = mid[0] && k ? roster(roster_opaque, mid) : NULL;
        int prot = 0;
        if (mgr && mgr->active && !mgr->digest_opt_out &&
            qw_roster_leave_days(mgr, today, today, &prot) == 0)
            team_digest(e, mgr, scratch + i, k, per.id, week, at_ms, now_ms);
        i = j;
    }
    if (rc != QW_OK) memcpy(e->errstr, err, sizeof(err));
    return rc;
}
