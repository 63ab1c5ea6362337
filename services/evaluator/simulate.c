#include "simulate.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "engine.h"
#include "engine_pb.h"
#include "quotawatch/config.h"
#include "quotawatch/date.h"
#include "quotawatch/policy.h"
#include "refdata.h"
#include "service.h"
#include "simulate_feed.h"
#include "strmap.h"

typedef struct sim_rep_s {
    qw_rep_profile_t prof;
    qw_rep_state_t st;
} sim_rep_t;

typedef struct sim_s {
    qw_policy_t policy;
    qw_engine_t e;
    qw_refdata_t ref;
    qw_strmap_t reps;    /* rep id -> sim_rep_t* */
    qw_strmap_t periods; /* period id -> done bits + 1 (as a pointer-sized integer) */
    qw_strmap_t applied; /* credit ids applied */
    int64_t now;
    FILE *out;
    long decisions, credits, duplicates, rejected;
} sim_t;

static void emit(void *opaque, const qw_decision_t *d)
{
    sim_t *s = opaque;
    char t[25];
    qw_time_format_iso8601(d->time_ms, t);
    json_t *aud = json_array();
    for (unsigned b = 0; b < QW_AUD_COUNT; b++)
        if (d->audience & (1u << b)) json_array_append_new(aud, json_string(qw_audience_name(b)));
    json_t *ev = json_object();
    for (int i = 0; i < d->nevidence; i++)
        json_object_set_new(ev, d->evidence[i].key,
                            d->evidence[i].text[0] ? json_string(d->evidence[i].text)
                                                   : json_integer(d->evidence[i].value));
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s,s:s,s:I,s:I,s:I,s:s,s:o,s:s,s:s}", "id", d->id,
        "type", d->type, "rep_id", d->rep_id, "team_id", d->team_id, "period", d->period, "time", t,
        "time_ms", (json_int_t)d->time_ms, "audience", aud, "policy_version", d->policy_version,
        "quota_version", d->quota_version, "attainment_bp", (json_int_t)d->attainment_bp,
        "credited_minor", (json_int_t)d->credited_minor, "quota_minor", (json_int_t)d->quota_minor,
        "currency", d->currency, "evidence", ev, "summary", d->summary, "withdraws", d->withdraws);
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (txt) {
        fputs(txt, s->out);
        fputc('\n', s->out);
        free(txt);
    }
    json_decref(o);
    s->decisions++;
}

static sim_rep_t *rep_get(sim_t *s, const char *rep_id)
{
    sim_rep_t *r = qw_strmap_get(&s->reps, rep_id, strlen(rep_id));
    if (r) return r;
    r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    const qw_rep_profile_t *p = qw_refdata_profile(&s->ref, rep_id);
    if (p) {
        r->prof = *p;
    } else {
        snprintf(r->prof.rep_id, sizeof(r->prof.rep_id), "%s", rep_id);
        r->prof.hire_date = QW_DATE_NONE;
        r->prof.active = 1;
    }
    qw_rep_state_init(&r->st, rep_id);
    qw_strmap_put(&s->reps, rep_id, strlen(rep_id), r, NULL);
    return r;
}

static void period_note(sim_t *s, const char *id)
{
    qw_period_t p;
    if (qw_period_parse(id, &p) != 0 || p.kind != s->policy.period) return;
    if (!qw_strmap_get(&s->periods, p.id, strlen(p.id)))
        qw_strmap_put(&s->periods, p.id, strlen(p.id), (void *)(uintptr_t)1, NULL);
}

/* The earliest calendar instant in (.., until] not yet done, or INT64_MAX. */
static int64_t next_instant(sim_t *s, int64_t until, qw_period_t *which)
{
    int64_t best = INT64_MAX;
    size_t it = 0;
    const char *id;
    void *v;
    while (qw_strmap_next(&s->periods, &it, &id, &v)) {
        unsigned done = (unsigned)((uintptr_t)v - 1);
        qw_period_t p;
        if (qw_period_parse(id, &p) != 0) continue;
        int64_t end = qw_period_end_ms(&p, &s->policy.tz);
        for (int i = 0; i <= QW_CAL_CLOSE_BIT; i++) {
            int64_t at;
            if (i == QW_CAL_CLOSE_BIT)
                at = qw_period_close_ms(&p, &s->policy.tz, s->policy.grace_days);
            else if (i < s->policy.ncheckpoints) {
                at = qw_period_checkpoint_ms(&p, &s->policy.tz, s->policy.checkpoints_bp[i]);
                if (at >= end) continue;
            } else
                continue;
            if (done & (1u << i) || at > until || at >= best) continue;
            best = at;
            *which = p;
        }
    }
    return best;
}

/* Run every checkpoint and close up to `until`, in time order, over every rep. */
static void advance(sim_t *s, int64_t until)
{
    for (;;) {
        qw_period_t p;
        int64_t at = next_instant(s, until, &p);
        if (at == INT64_MAX) break;
        if (at > s->now) s->now = at;
        /* Every active rep of the roster takes part, with or without credits. */
        size_t it = 0;
        const char *id;
        void *v;
        while (qw_strmap_next(&s->ref.roster, &it, &id, &v))
            if (((qw_rep_profile_t *)v)->active) rep_get(s, id);
        int n = (int)s->reps.n, k = 0;
        qw_engine_rep_t *team = calloc((size_t)n + 1, sizeof(*team));
        if (!team) return;
        it = 0;
        while (qw_strmap_next(&s->reps, &it, &id, &v)) {
            sim_rep_t *r = v;
            team[k].profile = &r->prof;
            team[k].quota = qw_refdata_quota(&s->ref, id, p.id);
            team[k].state = &r->st;
            k++;
        }
        void *dv = qw_strmap_get(&s->periods, p.id, strlen(p.id));
        unsigned done = (unsigned)((uintptr_t)dv - 1);
        unsigned due = qw_calendar_due(&s->policy, &p, s->now) & ~done;
        qw_calendar_tick_all(&s->e, team, k, p.id, due, s->now);
        free(team);
        /* Steps in the past relative to `at` but never due (a checkpoint at or after the end)
         * are marked too, so the loop always moves on. */
        qw_strmap_put(&s->periods, p.id, strlen(p.id), (void *)(uintptr_t)((done | due) + 1), NULL);
        if (!due) {
            /* next_instant picked an instant that qw_calendar_due does not count: mark it. */
            for (int i = 0; i <= QW_CAL_CLOSE_BIT; i++) {
                if (done & (1u << i)) continue;
                done |= 1u << i;
                break;
            }
            qw_strmap_put(&s->periods, p.id, strlen(p.id), (void *)(uintptr_t)(done + 1), NULL);
        }
    }
}

static int on_credit(void *opaque, const char *rep_id, const uint8_t *pb, size_t len)
{
    sim_t *s = opaque;
    Quotawatch__V1__CreditEntry *m = quotawatch__v1__credit_entry__unpack(NULL, len, pb);
    qw_credit_in_t c;
    char err[QW_ERRSTR_MAX];
    int rc = m && qw_engine_credit_from_pb(m, &c, err, sizeof(err)) == QW_OK ? QW_OK : QW_ERR;
    if (m) quotawatch__v1__credit_entry__free_unpacked(m, NULL);
    if (rc != QW_OK) {
        fprintf(stderr, "simulate: credit for %s: %s\n", rep_id, err);
        s->rejected++;
        return QW_OK;
    }
    if (qw_strmap_get(&s->applied, c.id, strlen(c.id))) {
        s->duplicates++;
        return QW_OK;
    }
    qw_strmap_put(&s->applied, c.id, strlen(c.id), (void *)1, NULL);
    sim_rep_t *r = rep_get(s, rep_id);
    if (!r) return QW_ERR;
    qw_period_t p;
    const qw_quota_t *q = NULL;
    if (qw_engine_credit_period(&s->e, &c, &p) == QW_OK) {
        period_note(s, p.id);
        q = qw_refdata_quota(&s->ref, rep_id, p.id);
    }
    if (qw_engine_apply_credit(&s->e, &r->prof, q, &r->st, &c, s->now) != QW_OK) {
        fprintf(stderr, "simulate: credit %s refused: %s\n", c.id, s->e.errstr);
        s->rejected++;
    } else {
        s->credits++;
    }
    return QW_OK;
}

int qw_sim_run(const qw_sim_opts_t *o)
{
    static sim_t sim; /* holds large structs: off the stack */
    sim_t *s = &sim;
    memset(s, 0, sizeof(*s));
    s->out = o->out ? o->out : stdout;
    s->now = INT64_MIN;
    qw_strmap_init(&s->reps);
    qw_strmap_init(&s->periods);
    qw_strmap_init(&s->applied);
    qw_refdata_init(&s->ref);
    char err[QW_ERRSTR_MAX] = "";
    int rc = 0;
    FILE *f = NULL;
    qw_sim_feed_t *feed = NULL;
    if (qw_ev_load_policy(&s->policy, o->policy, err, sizeof(err)) != QW_OK ||
        (o->roster && *o->roster &&
         qw_refdata_load_roster_csv(&s->ref, o->roster, err, sizeof(err)) != QW_OK) ||
        (o->quotas && *o->quotas &&
         qw_refdata_load_quotas_csv(&s->ref, o->quotas, err, sizeof(err)) != QW_OK)) {
        fprintf(stderr, "simulate: %s\n", err);
        rc = 2;
        goto out;
    }
    int32_t until_day = QW_DATE_NONE;
    if (o->until && *o->until && qw_date_parse(o->until, strlen(o->until), &until_day) != 0) {
        fprintf(stderr, "simulate: --until %s: expected YYYY-MM-DD\n", o->until);
        rc = 2;
        goto out;
    }
    qw_engine_init(&s->e, &s->policy, emit, s);
    size_t it = 0;
    const char *id;
    void *v;
    while (qw_strmap_next(&s->ref.quotas, &it, &id, &v))
        period_note(s, ((qw_quota_t *)v)->period);
    feed = qw_sim_feed_new(&s->policy.rates);
    f = fopen(o->deals, "r");
    if (!feed || !f) {
        fprintf(stderr, "simulate: cannot read %s\n", o->deals);
        rc = 2;
        goto out;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0, bad = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (!n) continue;
        int64_t t;
        if (qw_sim_feed_parse(feed, line, (size_t)n, &t, err, sizeof(err)) != QW_OK) {
            fprintf(stderr, "simulate: %s line %ld: %s\n", o->deals, lineno, err);
            bad++;
            continue;
        }
        /* Event time drives the clock, which never goes back: a late event is applied now. */
        if (t != INT64_MIN && t > s->now) {
            advance(s, t);
            s->now = t;
        }
        if (s->now == INT64_MIN) s->now = 0;
        if (qw_sim_feed_apply(feed, on_credit, s, err, sizeof(err)) < 0) {
            fprintf(stderr, "simulate: %s line %ld: %s\n", o->deals, lineno, err);
            bad++;
        }
    }
    free(line);
    if (until_day != QW_DATE_NONE) {
        int64_t end = qw_tz_day_start_ms(&s->policy.tz, until_day + 1) - 1;
        advance(s, end);
        if (end > s->now) s->now = end;
    }
    fflush(s->out);
    fprintf(stderr,
            "simulate: %ld lines, %ld credits applied, %ld duplicates, %ld refused, %ld unusable "
            "lines, %ld decisions\n",
            lineno, s->credits, s->duplicates, s->rejected, bad, s->decisions);
    if (bad) rc = 3;
out:
    if (f) fclose(f);
    qw_sim_feed_free(feed);
    qw_strmap_free(&s->reps, free);
    qw_strmap_free(&s->periods, NULL);
    qw_strmap_free(&s->applied, NULL);
    qw_refdata_free(&s->ref);
    return rc;
}

int qw_sim_main(int argc, char **argv)
{
    qw_sim_opts_t o;
    memset(&o, 0, sizeof(o));
    const qw_opt_t opts[] = {
        {"policy", "QW_POLICY", QW_OPT_STR, "", "Policy YAML file (empty: built-in defaults)",
         &o.policy, 0},
        {"roster", NULL, QW_OPT_STR, "", "Roster CSV (docs/formats/csv.md)", &o.roster, 0},
        {"quotas", NULL, QW_OPT_STR, "", "Quotas CSV (docs/formats/csv.md)", &o.quotas, 0},
        {"deals", NULL, QW_OPT_STR, NULL,
         "Deal changes, canonical JSON lines (docs/formats/canonical-json.md)", &o.deals, 0},
        {"until", NULL, QW_OPT_STR, "",
         "Advance the clock to the end of this day (YYYY-MM-DD), closing what is due", &o.until, 0},
        {NULL, NULL, 0, NULL, NULL, NULL, 0},
    };
    qw_config_t cfg;
    int rc = qw_config_parse(&cfg, "qw-evaluator simulate",
                             "What-if: run the ledger and the policy engine in memory over files "
                             "and print every decision as a JSON line.",
                             opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK || !o.deals) {
        fprintf(stderr, "qw-evaluator simulate: %s\n",
                rc != QW_OK ? cfg.errstr : "--deals is required");
        return 2;
    }
    o.out = stdout;
    return qw_sim_run(&o);
}
