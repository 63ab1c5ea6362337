/* Tables of qw-web's answers. Every string from the API is printed through clean(): ids and
 * names are upstream bytes, and a terminal must not receive control sequences. */
#include "views_render.h"

#include <string.h>

#include "render.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static long long num(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* Control characters (and ESC) become '?': nothing the API says can drive the terminal. */
static void clean(FILE *out, const char *s, int width)
{
    int n = 0;
    for (; *s; s++, n++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
    for (; n < width; n++)
        fputc(' ', out);
}

static const char *money(const json_t *o, const char *k, const char *cur, char *buf, size_t n)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return "-";
    return qw_render_money((int64_t)json_integer_value(v), cur, buf, n);
}

static const char *pct(const json_t *o, const char *k, char *buf, size_t n)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return "-";
    return qw_render_percent_bp((int64_t)json_integer_value(v), buf, n);
}

static void decisions_table(FILE *out, const json_t *ds)
{
    size_t i;
    const json_t *d;
    fprintf(out, "\nDecisions\n");
    if (!json_array_size(ds)) fprintf(out, "  (none you may see)\n");
    json_array_foreach(ds, i, d)
    {
        fputs("  ", out);
        clean(out, str(d, "time"), 25);
        clean(out, str(d, "type"), 30);
        if (json_is_string(json_object_get(d, "withdrawn_by"))) fputs("[withdrawn] ", out);
        clean(out, str(d, "summary"), 0);
        fputs("\n      id ", out);
        clean(out, str(d, "id"), 0);
        fputc('\n', out);
    }
}

static void rep(FILE *out, const json_t *doc, const json_t *ds)
{
    const json_t *r = json_object_get(doc, "rep"), *p = json_object_get(doc, "period"),
                 *pace = json_object_get(doc, "pace");
    const char *cur = str(doc, "currency");
    char a[64], b[64], c[64];
    fputs("Rep        ", out);
    clean(out, str(r, "name"), 0);
    fputs(" (", out);
    clean(out, str(r, "id"), 0);
    fputs(")\n", out);
    fprintf(out, "Period     %s  %s..%s, %lld of %lld days elapsed, %lld left\n", str(p, "id"),
            str(p, "start"), str(p, "end"), num(p, "days_elapsed"), num(p, "days_total"),
            num(p, "days_left"));
    fprintf(out, "Credited   %s  (%lld deals, %lld clawbacks)\n",
            money(doc, "credited_minor", cur, a, sizeof(a)), num(doc, "deals"),
            num(doc, "clawbacks"));
    fprintf(out, "Quota      %s  (assigned %s, version %s)\n",
            money(doc, "quota_minor", cur, a, sizeof(a)),
            money(doc, "quota_assigned_minor", cur, b, sizeof(b)), str(doc, "quota_version"));
    fprintf(out, "Attainment %s\n", pct(doc, "attainment_bp", a, sizeof(a)));
    fprintf(out, "Pace       %s of the period elapsed: target now %s, %s %s\n",
            pct(pace, "elapsed_bp", a, sizeof(a)), money(pace, "target_minor", cur, b, sizeof(b)),
            json_is_true(json_object_get(pace, "behind")) ? "behind by" : "ahead by",
            money(pace, "delta_minor", cur, c, sizeof(c)));
    fprintf(out, "\nCredits behind the number\n  %-12s %-10s %-18s %-16s %s\n", "close date",
            "kind", "reason", "amount", "deal");
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(doc, "credits"), i, e)
    {
        fprintf(out, "  %-12s %-10s %-18s %-16s ", str(e, "close_date"), str(e, "kind"),
                str(e, "reason"), money(e, "amount_minor", cur, a, sizeof(a)));
        clean(out, str(e, "deal_id"), 0);
        fputc('\n', out);
    }
    if (ds) decisions_table(out, json_object_get(ds, "decisions"));
}

static void team(FILE *out, const json_t *doc)
{
    const json_t *p = json_object_get(doc, "period");
    const char *cur = str(doc, "currency");
    char a[64], b[64], c[64];
    fputs("Team       ", out);
    clean(out, str(json_object_get(doc, "team"), "id"), 0);
    fprintf(out, "  period %s, %lld days left\n", str(p, "id"), num(p, "days_left"));
    const json_t *ms = json_object_get(doc, "members");
    if (ms) {
        fprintf(out, "\n  %-24s %16s %16s %10s %-8s %s\n", "member", "credited", "quota",
                "attained", "pace", "flags");
        size_t i;
        const json_t *m;
        json_array_foreach(ms, i, m)
        {
            fputs("  ", out);
            clean(out, str(m, "rep_id"), 24);
            fprintf(
                out, " %16s %16s %10s %-8s %s%s\n", money(m, "credited_minor", cur, a, sizeof(a)),
                money(m, "quota_minor", cur, b, sizeof(b)), pct(m, "attainment_bp", c, sizeof(c)),
                json_is_true(json_object_get(json_object_get(m, "pace"), "behind")) ? "behind"
                                                                                    : "on",
                json_is_true(json_object_get(m, "at_risk")) ? "at-risk " : "",
                json_is_true(json_object_get(m, "coaching_recommended")) ? "coaching" : "");
        }
    }
    const json_t *lb = json_object_get(doc, "leaderboard");
    if (json_is_array(lb)) {
        fprintf(out, "\nLeaderboard\n");
        size_t i;
        const json_t *e;
        json_array_foreach(lb, i, e)
        {
            fprintf(out, "  %3lld. ", num(e, "rank"));
            clean(out, str(e, "name"), 24);
            fprintf(out, " %s\n", pct(e, "attainment_bp", a, sizeof(a)));
        }
    }
}

static void decision(FILE *out, const json_t *d)
{
    char a[64], b[64], c[64];
    const char *cur = str(d, "currency");
    fputs("Decision   ", out);
    clean(out, str(d, "id"), 0);
    fputs("\nType       ", out);
    clean(out, str(d, "type"), 0);
    fputs("\nAbout      ", out);
    clean(out, str(d, "rep_id"), 0);
    fputs(" / team ", out);
    clean(out, str(d, "team_id"), 0);
    fprintf(out, "\nPeriod     %s at %s\n", str(d, "period"), str(d, "time"));
    fprintf(out, "Numbers    %s of %s = %s\n", money(d, "credited_minor", cur, a, sizeof(a)),
            money(d, "quota_minor", cur, b, sizeof(b)), pct(d, "attainment_bp", c, sizeof(c)));
    fprintf(out, "Versions   policy %s, quota %s\n", str(d, "policy_version"),
            str(d, "quota_version"));
    fputs("Why        ", out);
    clean(out, str(d, "summary"), 0);
    fputs("\nEvidence\n", out);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(d, "evidence"), k, v)
    {
        fputs("  ", out);
        clean(out, k, 24);
        fprintf(out, " %lld ", num(v, "value"));
        clean(out, str(v, "text"), 0);
        fputc('\n', out);
    }
    if (json_is_string(json_object_get(d, "withdrawn_by"))) {
        fputs("Withdrawn  by ", out);
        clean(out, str(d, "withdrawn_by"), 0);
        fputc('\n', out);
    }
}

static void health(FILE *out, const json_t *doc)
{
    char a[64];
    fprintf(out, "Health     period %s\n\n  %-20s %7s %7s %7s %10s %s\n",
            str(json_object_get(doc, "period"), "id"), "team", "members", "behind", "at risk",
            "attained", "flags");
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(doc, "teams"), i, t)
    {
        fputs("  ", out);
        clean(out, str(t, "team_id"), 20);
        fprintf(out, " %7lld %7lld %7lld %10s %s%s\n", num(t, "members"), num(t, "behind_pace"),
                num(t, "at_risk"), pct(t, "attainment_bp", a, sizeof(a)),
                json_is_true(json_object_get(t, "quota_pressure")) ? "quota-pressure " : "",
                json_is_true(json_object_get(t, "systemic_miss")) ? "systemic-miss" : "");
    }
    fprintf(out, "\nFour-fifths report\n  %-20s %7s %7s %9s %10s %s\n", "cohort", "members",
            "warned", "reviewed", "ratio", "");
    json_array_foreach(json_object_get(json_object_get(doc, "fairness"), "cohorts"), i, t)
    {
        fputs("  ", out);
        clean(out, str(t, "cohort"), 20);
        fprintf(out, " %7lld %7lld %9lld %10s %s\n", num(t, "members"), num(t, "warned"),
                num(t, "reviewed"), pct(t, "impact_ratio_bp", a, sizeof(a)),
                json_is_true(json_object_get(t, "adverse")) ? "ADVERSE" : "");
    }
}

void qw_views_render(FILE *out, const char *kind, const json_t *doc, const json_t *decisions)
{
    if (!strcmp(kind, "rep"))
        rep(out, doc, decisions);
    else if (!strcmp(kind, "team"))
        team(out, doc);
    else if (!strcmp(kind, "decision"))
        decision(out, doc);
    else
        health(out, doc);
}
