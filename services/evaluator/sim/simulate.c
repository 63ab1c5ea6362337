#include "simulate.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "quotawatch/credit_entry.h"
#include "quotawatch/csv.h"
#include "quotawatch/date.h"
#include "quotawatch/file.h"
#include "quotawatch/policy.h"
#include "quotawatch/strmap.h"
#include "reftable.h"
#include "schedule.h"
#include "simulate_feed.h"

typedef struct sim_rep_s {
    qw_rep_profile_t prof;
    qw_rep_state_t st;
} sim_rep_t;

typedef struct sim_s {
    qw_policy_t policy;
    qw_engine_t e;
    qw_reftable_t ref;
    const qw_sim_opts_t *o; /* its log callback */
    qw_strmap_t reps;       /* rep id -> sim_rep_t* */
    qw_strmap_t periods;    /* period id -> done bits + 1 (as a pointer-sized integer) */
    qw_strmap_t applied;    /* credit ids applied */
    int64_t now;
    int frozen; /* --now: the clock stays at `now` */
    FILE *out;
    int sorted;
    char **lines; /* with --sorted: the decision lines, printed at the end */
    size_t nlines, caplines;
    long decisions, credits, duplicates, rejected;
} sim_t;

/* One message of an input file, kept until all inputs are read and ordered. */
typedef struct sim_msg_s {
    int64_t t; /* latest event time of its patches, INT64_MIN when none */
    long seq;  /* input order: ties keep the order of the command line and the file */
    int input;
    long lineno;
    char *text;
    size_t len;
} sim_msg_t;

json_t *qw_sim_decision_json(const qw_decision_t *d)
{
    char t[25];
    qw_time_format_iso8601(d->time_ms, t);
    json_t *aud = json_array();
    for (int a = 0; a < QW_AUD_DECISION_COUNT; a++)
        if (QW_AUDSET_HAS(d->audience, a))
            json_array_append_new(aud, json_string(qw_aud_name((qw_aud_t)a)));
    /* Both halves of every entry: an amount has its currency as text, a day count its date. */
    json_t *ev = json_object();
    for (int i = 0; i < d->nevidence; i++)
        json_object_set_new(ev, d->evidence[i].key,
                            json_pack("{s:I,s:s}", "value", (json_int_t)d->evidence[i].value,
                                      "text", d->evidence[i].text));
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s,s:s,s:I,s:I,s:I,s:s,s:o,s:s,s:s}", "id", d->id,
        "type", d->type, "rep_id", d->rep_id, "team_id", d->team_id, "period", d->period, "time", t,
        "time_ms", (json_int_t)d->time_ms, "audience", aud, "policy_version", d->policy_version,
        "quota_version", d->quota_version, "attainment_bp", (json_int_t)d->attainment_bp,
        "credited_minor", (json_int_t)d->credited_minor, "quota_minor", (json_int_t)d->quota_minor,
        "currency", d->currency, "evidence", ev, "summary", d->summary, "withdraws", d->withdraws);
}

static void emit(void *opaque, const qw_decision_t *d)
{
    sim_t *s = opaque;
    json_t *o = qw_sim_decision_json(d);
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    s->decisions++;
    if (!txt) return;
    if (s->sorted && s->nlines == s->caplines) {
        size_t ncap = s->caplines ? s->caplines * 2 : 64;
        char **nl = realloc(s->lines, ncap * sizeof(*nl));
        if (nl) s->lines = nl, s->caplines = ncap;
    }
    if (s->sorted && s->nlines < s->caplines) {
        s->lines[s->nlines++] = txt;
        return;
    }
    fputs(txt, s->out);
    fputc('\n', s->out);
    free(txt);
}

static sim_rep_t *rep_get(sim_t *s, const char *rep_id)
{
    sim_rep_t *r = qw_strmap_get(&s->reps, rep_id, strlen(rep_id));
    if (r) return r;
    r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    const qw_rep_profile_t *p = qw_reftable_profile(&s->ref, rep_id);
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

static void sim_warn(void *opaque, const char *event, const char *msg);

/* Every rep with a state and every evaluated person of the roster (with or without credits),
 * with their quota for `period`; NULL when out of memory. The caller frees the array. */
static qw_engine_rep_t *all_reps(sim_t *s, const char *period, int *n)
{
    size_t it = 0;
    const char *id;
    void *v;
    while (qw_strmap_next(&s->ref.roster, &it, &id, &v))
        if (qw_roster_evaluated(v)) rep_get(s, id);
    qw_engine_rep_t *set = calloc(s->reps.n + 1, sizeof(*set));
    *n = 0;
    if (!set) return NULL;
    it = 0;
    while (qw_strmap_next(&s->reps, &it, &id, &v)) {
        sim_rep_t *r = v;
        set[(*n)++] = (qw_engine_rep_t){&r->prof, qw_reftable_quota(&s->ref, id, period), &r->st};
    }
    return set;
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
        int k;
        qw_engine_rep_t *team = all_reps(s, p.id, &k);
        if (!team) return;
        void *dv = qw_strmap_get(&s->periods, p.id, strlen(p.id));
        unsigned done = (unsigned)((uintptr_t)dv - 1);
        unsigned due = qw_schedule_due(&s->policy, &p, s->now) & ~done;
        qw_schedule_tick_all(&s->e, team, k, p.id, due, s->now, sim_warn, s);
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
    qw_credit_t c;
    char err[QW_ERRSTR_MAX];
    int rc = m && qw_credit_entry_from_pb(m, &c, err, sizeof(err)) == QW_OK ? QW_OK : QW_ERR;
    if (m) quotawatch__v1__credit_entry__free_unpacked(m, NULL);
    if (rc != QW_OK) {
        fprintf(stderr, "simulate: refused a credit for %s: %s\n", rep_id,
                m ? err : "not a CreditEntry");
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
        q = qw_reftable_quota(&s->ref, rep_id, p.id);
    }
    if (qw_engine_apply_credit(&s->e, &r->prof, q, &r->st, &c, s->now) != QW_OK) {
        /* Name what was refused: the amount and currency as well as the engine's reason. */
        fprintf(stderr, "simulate: refused credit %s (rep %s, %lld minor units of %s): %s\n", c.id,
                rep_id, (long long)c.amount_minor, c.currency, s->e.errstr);
        s->rejected++;
    } else {
        s->credits++;
    }
    return QW_OK;
}

static void sim_warn(void *opaque, const char *event, const char *msg)
{
    const sim_t *s = opaque;
    if (s->o->log) s->o->log(s->o->log_opaque, 0, event, msg);
}

typedef struct csv_ctx_s {
    const char *name;
    const sim_t *s;
} csv_ctx_t;

/* Every bad CSV row goes to the log (an operator fixes them all at once), as the service's. */
static void csv_error(void *opaque, const char *msg)
{
    const csv_ctx_t *c = opaque;
    const sim_t *s = c->s;
    char line[QW_ERRSTR_MAX + 16];
    snprintf(line, sizeof(line), "%s: %s", c->name, msg);
    if (s->o->log) s->o->log(s->o->log_opaque, 1, "refdata.csv_invalid", line);
}

static int put_profile_cb(void *o, const qw_rep_profile_t *p)
{
    return qw_reftable_put_profile(o, p);
}

static int put_quota_cb(void *o, const qw_quota_t *q)
{
    return qw_reftable_put_quota(o, q);
}

/* The roster, then the quotas (checked against the policy as the service checks them). */
static int load_csv(sim_t *s, char *err, size_t errlen)
{
    const qw_sim_opts_t *o = s->o;
    csv_ctx_t rctx = {"roster", s}, qctx = {"quotas", s};
    qw_csv_opts_t ro = {.max_errors = 20, .on_error = csv_error, .error_opaque = &rctx};
    qw_csv_opts_t qo = {
        .policy = &s->policy, .max_errors = 20, .on_error = csv_error, .error_opaque = &qctx};
    if (o->roster && *o->roster &&
        qw_csv_roster_load(o->roster, &ro, put_profile_cb, &s->ref, err, errlen) != QW_OK)
        return QW_ERR;
    if (o->quotas && *o->quotas &&
        qw_csv_quota_load(o->quotas, &qo, put_quota_cb, &s->ref, err, errlen) != QW_OK)
        return QW_ERR;
    return QW_OK;
}

int qw_sim_input_parse(const char *spec, char *src, size_t srclen, const char **path)
{
    const char *colon = spec ? strchr(spec, ':') : NULL;
    snprintf(src, srclen, "canonical");
    if (spec && colon && (size_t)(colon - spec) < srclen) {
        char name[16];
        size_t n = (size_t)(colon - spec);
        if (n < sizeof(name)) {
            memcpy(name, spec, n);
            name[n] = '\0';
            /* Only a known source is a prefix: "./a:b.jsonl" stays a file name. */
            if (qw_sim_feed_source_ok(name) == QW_OK) {
                snprintf(src, srclen, "%s", name);
                spec = colon + 1;
            }
        }
    }
    *path = spec;
    return spec && *spec ? QW_OK : QW_ERR;
}

static int msg_cmp(const void *a, const void *b)
{
    const sim_msg_t *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The id of a printed decision line: it starts with {"id":"...". */
static size_t line_id(const char *l, const char **id)
{
    const char *p = strstr(l, "\"id\":\"");
    *id = p ? p + 6 : l;
    const char *e = strchr(*id, '"');
    return e ? (size_t)(e - *id) : strlen(*id);
}

static int line_cmp(const void *a, const void *b)
{
    const char *x, *y;
    size_t nx = line_id(*(char *const *)a, &x), ny = line_id(*(char *const *)b, &y);
    int c = memcmp(x, y, nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

/* Read every input, parse each line once for its event time, and order them all by event time
 * (ties: command-line order, then line order). Unusable lines are reported and counted. */
static int read_inputs(int nin, char src[][16], const char **paths, qw_sim_feed_t *feed,
                       sim_msg_t **msgs, size_t *nmsgs, long *lines, long *bad)
{
    size_t cap = 0;
    char err[QW_ERRSTR_MAX];
    for (int i = 0; i < nin; i++) {
        FILE *f = fopen(paths[i], "r");
        if (!f) {
            fprintf(stderr, "simulate: cannot read %s\n", paths[i]);
            return QW_ERR;
        }
        char *line = NULL;
        size_t lcap = 0;
        ssize_t n;
        long lineno = 0;
        while ((n = getline(&line, &lcap, f)) > 0) {
            lineno++;
            (*lines)++;
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            if (!n) continue;
            int64_t t;
            if (qw_sim_feed_parse(feed, src[i], line, (size_t)n, &t, err, sizeof(err)) != QW_OK) {
                fprintf(stderr, "simulate: %s:%s line %ld: %s\n", src[i], paths[i], lineno, err);
                (*bad)++;
                continue;
            }
            if (*nmsgs == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                sim_msg_t *nm = realloc(*msgs, ncap * sizeof(*nm));
                if (!nm) break;
                *msgs = nm;
                cap = ncap;
            }
            sim_msg_t *m = &(*msgs)[*nmsgs];
            m->text = malloc((size_t)n);
            if (!m->text) break;
            memcpy(m->text, line, (size_t)n);
            m->len = (size_t)n;
            m->t = t;
            m->seq = (long)*nmsgs;
            m->input = i;
            m->lineno = lineno;
            (*nmsgs)++;
        }
        free(line);
        fclose(f);
    }
    qsort(*msgs, *nmsgs, sizeof(**msgs), msg_cmp);
    return QW_OK;
}

/* --now: the periods the service's calendar job examines (the current one and three before). */
static void note_service_periods(sim_t *s)
{
    qw_period_t p;
    qw_period_of_date(s->policy.period, qw_tz_local_date(&s->policy.tz, s->now), &p);
    for (int i = 0; i <= 3; i++) {
        period_note(s, p.id);
        qw_period_t prev;
        qw_period_prev(&p, &prev);
        p = prev;
    }
}

static int parse_now(const char *v, int64_t *ms)
{
    size_t n = strlen(v);
    int digits = n > 0;
    for (size_t i = 0; i < n; i++)
        digits &= v[i] >= '0' && v[i] <= '9';
    if (digits && n <= 15) return *ms = strtoll(v, NULL, 10), 0;
    return qw_time_parse_iso8601(v, n, ms);
}

/* The inputs and clock options of one run, checked. */
typedef struct sim_in_s {
    char src[QW_SIM_INPUTS_MAX + 1][16];
    const char *paths[QW_SIM_INPUTS_MAX + 1];
    int nin;
    int32_t until_day;
    int64_t now_ms;
} sim_in_t;

/* The options: inputs, policy and CSV files, --until / --now. QW_SIM_EXIT_OK or _CONFIG (said
 * on stderr). */
static int sim_options(sim_t *s, const qw_sim_opts_t *o, sim_in_t *in)
{
    char err[QW_ERRSTR_MAX] = "";
    in->nin = 0;
    if (o->deals && *o->deals &&
        qw_sim_input_parse(o->deals, in->src[in->nin], sizeof(in->src[0]), &in->paths[in->nin]) ==
            QW_OK)
        in->nin++;
    for (int i = 0; i < o->ninputs && i < QW_SIM_INPUTS_MAX; i++) {
        if (qw_sim_input_parse(o->inputs[i], in->src[in->nin], sizeof(in->src[0]),
                               &in->paths[in->nin]) != QW_OK) {
            fprintf(stderr, "simulate: --deals %s: expected [SOURCE:]FILE\n", o->inputs[i]);
            return QW_SIM_EXIT_CONFIG;
        }
        in->nin++;
    }
    if (!in->nin) {
        fprintf(stderr, "simulate: no --deals input\n");
        return QW_SIM_EXIT_CONFIG;
    }
    int loaded = qw_policy_load_or_default(&s->policy, o->policy, err, sizeof(err)) == QW_OK;
    if (!loaded || load_csv(s, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "simulate: %s\n", err);
        return QW_SIM_EXIT_CONFIG;
    }
    in->until_day = QW_DATE_NONE;
    if (o->until && *o->until && qw_date_parse(o->until, strlen(o->until), &in->until_day) != 0) {
        fprintf(stderr, "simulate: --until %s: expected YYYY-MM-DD\n", o->until);
        return QW_SIM_EXIT_CONFIG;
    }
    in->now_ms = 0;
    if (o->now && *o->now) {
        if (parse_now(o->now, &in->now_ms) != 0 || in->now_ms < 0) {
            fprintf(stderr, "simulate: --now %s: expected RFC 3339 or epoch ms\n", o->now);
            return QW_SIM_EXIT_CONFIG;
        }
        if (in->until_day != QW_DATE_NONE) {
            fprintf(stderr, "simulate: --now and --until exclude each other\n");
            return QW_SIM_EXIT_CONFIG;
        }
        s->frozen = 1;
    }
    return QW_SIM_EXIT_OK;
}

/* The CRM feed with the policy's rates and the optional stage map; NULL on error (said). */
static qw_sim_feed_t *sim_feed_open(sim_t *s, const qw_sim_opts_t *o)
{
    char err[QW_ERRSTR_MAX] = "";
    qw_sim_feed_t *feed = qw_sim_feed_new(&s->policy.rates);
    if (!feed || !o->stage_map || !*o->stage_map) return feed;
    size_t len;
    char *text = qw_file_read(o->stage_map, 4 * 1024 * 1024, &len, err, sizeof(err));
    int mrc = text ? qw_sim_feed_stage_map(feed, text, len, err, sizeof(err)) : QW_ERR;
    free(text);
    if (mrc != QW_OK) {
        fprintf(stderr, "simulate: --stage-map %s: %s\n", o->stage_map, err);
        qw_sim_feed_free(feed);
        return NULL;
    }
    return feed;
}

/* Every message in event-time order through the ledger and the engine; returns the lines the
 * ledger refused. */
static long sim_apply_all(sim_t *s, qw_sim_feed_t *feed, const sim_in_t *in, const sim_msg_t *msgs,
                          size_t nmsgs)
{
    char err[QW_ERRSTR_MAX] = "";
    long refused_lines = 0;
    size_t it = 0;
    const char *id;
    void *v;
    if (s->frozen) {
        /* As the service with --fake-now: every credit is applied at `now`; the calendar job's
         * steps due at `now` run once all of it is in (they wait for complete data,
         * docs/completeness.md), after the feed below. */
        s->now = in->now_ms;
    } else {
        while (qw_strmap_next(&s->ref.quotas, &it, &id, &v))
            period_note(s, ((qw_quota_t *)v)->period);
    }
    for (size_t i = 0; i < nmsgs; i++) {
        const sim_msg_t *m = &msgs[i];
        int64_t t;
        /* Parsed again (pure, deterministic): only one message's patches are held at a time. */
        if (qw_sim_feed_parse(feed, in->src[m->input], m->text, m->len, &t, err, sizeof(err)) !=
            QW_OK)
            continue;
        /* Event time drives the clock, which never goes back. */
        if (!s->frozen && t != INT64_MIN && t > s->now) {
            advance(s, t);
            s->now = t;
        }
        if (s->now == INT64_MIN) s->now = 0;
        long before = s->rejected;
        if (qw_sim_feed_apply(feed, on_credit, s, err, sizeof(err)) < 0) {
            fprintf(stderr, "simulate: %s:%s line %ld: refused: %s\n", in->src[m->input],
                    in->paths[m->input], m->lineno, err);
            refused_lines++;
        } else if (s->rejected > before) {
            fprintf(stderr, "simulate: (the refused credit came from %s:%s line %ld)\n",
                    in->src[m->input], in->paths[m->input], m->lineno);
        }
    }
    return refused_lines;
}

static const qw_rep_profile_t *sim_roster(void *opaque, const char *rep_id)
{
    return qw_reftable_profile(opaque, rep_id);
}

/* The weekly digests the service would write when it runs at the end of the run: only the
 * latest week due by then (the service never sends missed weeks), over every rep. */
static void sim_digests(sim_t *s)
{
    int64_t at = qw_schedule_digest_at(&s->policy, s->now);
    if (at == INT64_MIN || s->now == INT64_MIN) return;
    char week[QW_WEEK_ID_MAX];
    qw_schedule_week_id(&s->policy.tz, at, week);
    qw_period_t per;
    qw_period_of_date(s->policy.period, qw_tz_local_date(&s->policy.tz, at), &per);
    int k;
    qw_engine_rep_t *set = all_reps(s, per.id, &k);
    qw_digest_numbers_t *scratch = calloc((size_t)k + 1, sizeof(*scratch));
    if (set && scratch) {
        if (qw_engine_digests(&s->e, set, k, at, week, sim_roster, &s->ref, scratch, s->now) !=
            QW_OK)
            sim_warn(s, "calendar.digest_failed", s->e.errstr);
    }
    free(scratch);
    free(set);
}

/* The steps due after the last event (--now, --until), then the weekly digest of the latest
 * week, then the sorted output. */
static void sim_finish(sim_t *s, const sim_in_t *in)
{
    if (s->frozen) {
        note_service_periods(s);
        advance(s, in->now_ms);
    }
    if (in->until_day != QW_DATE_NONE) {
        int64_t end = qw_tz_day_start_ms(&s->policy.tz, in->until_day + 1) - 1;
        advance(s, end);
        if (end > s->now) s->now = end;
    }
    sim_digests(s);
    if (s->sorted) {
        qsort(s->lines, s->nlines, sizeof(*s->lines), line_cmp);
        for (size_t i = 0; i < s->nlines; i++) {
            fputs(s->lines[i], s->out);
            fputc('\n', s->out);
        }
    }
    fflush(s->out);
}

int qw_sim_run(const qw_sim_opts_t *o)
{
    static sim_t sim; /* holds large structs: off the stack */
    static sim_in_t in;
    sim_t *s = &sim;
    memset(s, 0, sizeof(*s));
    s->out = o->out ? o->out : stdout;
    s->sorted = o->sorted;
    s->now = INT64_MIN;
    qw_strmap_init(&s->reps);
    qw_strmap_init(&s->periods);
    qw_strmap_init(&s->applied);
    qw_reftable_init(&s->ref);
    s->o = o;
    qw_sim_feed_t *feed = NULL;
    sim_msg_t *msgs = NULL;
    size_t nmsgs = 0;
    long lines = 0, bad = 0, refused_lines = 0;
    int rc = sim_options(s, o, &in);
    if (rc != QW_SIM_EXIT_OK) goto out;
    qw_engine_init(&s->e, &s->policy, emit, s);
    feed = sim_feed_open(s, o);
    if (!feed ||
        read_inputs(in.nin, in.src, in.paths, feed, &msgs, &nmsgs, &lines, &bad) != QW_OK) {
        rc = QW_SIM_EXIT_CONFIG;
        goto out;
    }
    refused_lines = sim_apply_all(s, feed, &in, msgs, nmsgs);
    sim_finish(s, &in);
    fprintf(stderr,
            "simulate: %ld lines, %ld credits applied, %ld duplicates, %ld credits refused, %ld "
            "lines refused by the ledger, %ld unusable lines, %ld decisions\n",
            lines, s->credits, s->duplicates, s->rejected, refused_lines, bad, s->decisions);
    if (bad) rc = QW_SIM_EXIT_UNUSABLE;
    if (s->rejected || refused_lines) rc = QW_SIM_EXIT_REFUSED;
out:
    for (size_t i = 0; i < nmsgs; i++)
        free(msgs[i].text);
    free(msgs);
    for (size_t i = 0; i < s->nlines; i++)
        free(s->lines[i]);
    free(s->lines);
    qw_sim_feed_free(feed);
    qw_strmap_free(&s->reps, free);
    qw_strmap_free(&s->periods, NULL);
    qw_strmap_free(&s->applied, NULL);
    qw_reftable_free(&s->ref);
    return rc;
}
