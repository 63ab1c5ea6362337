/* Policy engine cost (services/evaluator/engine.h), beside baselines in the same run:
 *  (a) qw_engine_apply_credit over NREPS reps x K credits in random rep order, against the same
 *      loop doing only the state lookup + a copy of the credit (no rules);
 *  (b) the calendar job's work: qw_engine_tick team by team at the two pacing checkpoints and at
 *      the close, then qw_engine_fairness_report over all reps (one call);
 *  (c) the Redis blob codec, against a memcpy of the state.
 * Before the timed rounds, two closed months of history (with chronic missers, so the close
 * raises final warnings and review requests with their evidence) are built untimed. Every round
 * restarts from that snapshot; the table shows the median of the rounds and their range.
 *   bench_engine [POLICY] [REPS] [CREDITS_PER_REP] [ROUNDS]
 *   defaults: deploy/policy.example.yaml 100000 3 3 (run from the source root) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "quotawatch/date.h"

#define TEAM_SIZE  10
#define ROUNDS_MAX 15
#define QUOTA      10000000 /* 100,000.00 in the quota currency */

typedef struct {
    double v[ROUNDS_MAX];
} metric_t;

static int nreps = 100000, per_rep = 3, rounds = 3, ncredits;
static qw_policy_t pol;
static qw_engine_t eng;
static qw_rep_profile_t *prof;
static qw_quota_t *quota;
static qw_rep_state_t *st, *snap;
static qw_engine_rep_t *team_reps;
static qw_credit_t *credits;
static int *credit_rep;
static uint32_t *lat;
/* Each call's fastest time over the rounds: the same call does the same work every round, so
 * its minimum is its own cost with preemption by other processes filtered out. */
static uint32_t *best_c, *best_t[3];
static long ndecisions, ntypes[16];
static const char *type_names[16];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread: time lost to other processes on the shared machine is not in it, so
 * work / CPU time is the rate per core the code itself achieves. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_engine: %s: %s\n", what, detail);
    exit(1);
}

/* Count decisions by type; the service would pack each into a protobuf here (not engine cost). */
static void count_emit(void *opaque, const qw_decision_t *d)
{
    (void)opaque;
    ndecisions++;
    for (int i = 0; i < 16; i++) {
        if (!type_names[i]) {
            type_names[i] = strdup(d->type);
            ntypes[i] = 1;
            return;
        }
        if (!strcmp(type_names[i], d->type)) {
            ntypes[i]++;
            return;
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts lat[0..n) and stores p50, p99 and max into the round's metrics. */
static void percentiles(int n, int r, metric_t *p50, metric_t *p99, metric_t *max)
{
    qsort(lat, (size_t)n, sizeof(uint32_t), cmp_u32);
    p50->v[r] = lat[n / 2];
    p99->v[r] = lat[(int)(n * 0.99)];
    if (max) max->v[r] = lat[n - 1];
}

static void keep_best(uint32_t *best, int n)
{
    for (int i = 0; i < n; i++)
        best[i] = lat[i] < best[i] ? lat[i] : best[i];
}

/* p99, p99.9 and max of an array of per-call minimums (sorted in place). */
static void best_line(const char *what, uint32_t *best, int n)
{
    qsort(best, (size_t)n, sizeof(uint32_t), cmp_u32);
    printf("    %-40s p99 %.1f us, p99.9 %.1f us, max %.1f us\n", what, best[(int)(n * 0.99)] / 1e3,
           best[(int)(n * 0.999)] / 1e3, best[n - 1] / 1e3);
}

static double median(const metric_t *m)
{
    double s[ROUNDS_MAX];
    memcpy(s, m->v, sizeof(double) * (size_t)rounds);
    qsort(s, (size_t)rounds, sizeof(double), cmp_dbl);
    return s[rounds / 2];
}

static double lo(const metric_t *m)
{
    double x = m->v[0];
    for (int r = 1; r < rounds; r++)
        x = m->v[r] < x ? m->v[r] : x;
    return x;
}

static double hi(const metric_t *m)
{
    double x = m->v[0];
    for (int r = 1; r < rounds; r++)
        x = m->v[r] > x ? m->v[r] : x;
    return x;
}

static void loadavg(char *out, size_t cap)
{
    FILE *f = fopen("/proc/loadavg", "r");
    out[0] = 0;
    if (f) {
        if (fgets(out, (int)cap, f)) out[strcspn(out, " ")] = 0; /* the 1-minute figure */
        fclose(f);
    }
}

static int32_t day(const char *ymd)
{
    int32_t d;
    if (qw_date_parse(ymd, strlen(ymd), &d)) die("date", ymd);
    return d;
}

/* Per rep, the share of quota it usually reaches: 15% chronic missers, 20% erratic, the rest
 * solid. Fixed per rep so that streaks form over the months. */
static int32_t skill_bp(int i)
{
    uint32_t h = (uint32_t)i * 2654435761u;
    uint32_t k = (h >> 8) % 100;
    if (k < 15) return 3000 + (int32_t)(h >> 16) % 3000;
    if (k < 35) return 5000 + (int32_t)(h >> 16) % 8000;
    return 9000 + (int32_t)(h >> 16) % 7000;
}

static void set_period(const char *period)
{
    for (int i = 0; i < nreps; i++) {
        snprintf(quota[i].period, sizeof(quota[i].period), "%s", period);
        snprintf(quota[i].version, sizeof(quota[i].version), "q-%s-v1", period);
    }
}

static void make_credit(qw_credit_t *c, int rep, int seq, int64_t amount, const char *date)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->deal_id, sizeof(c->deal_id), "salesforce:006%09d", rep * 8 + seq);
    snprintf(c->id, sizeof(c->id), "%s:%d:%s", c->deal_id, seq + 1, prof[rep].rep_id);
    c->kind = amount >= 0 ? QW_CREDIT_KIND_CREDIT : QW_CREDIT_KIND_CLAWBACK;
    c->amount_minor = amount;
    memcpy(c->currency, quota[rep].currency, 4);
    c->close_date = day(date);
    c->close_time_ms = QW_TIME_NONE;
    c->won_date = QW_DATE_NONE;
    c->event_time_ms = (int64_t)c->close_date * 86400000LL + 36000000;
}

static int64_t instant(const char *period, int what /* 0, 1: checkpoint index; 2: close */)
{
    qw_period_t p;
    if (qw_period_parse(period, &p)) die("period", period);
    if (what == 2) return qw_period_close_ms(&p, &pol.tz, pol.grace_days);
    return qw_period_checkpoint_ms(&p, &pol.tz, pol.checkpoints_bp[what]);
}

/* qw_engine_tick for every team at `at`; returns the total ns, per-call latencies in lat. */
static uint64_t tick_all(const char *period, int64_t at)
{
    uint64_t t0 = now_ns();
    for (int t = 0, k = 0; t < nreps; t += TEAM_SIZE, k++) {
        int n = nreps - t < TEAM_SIZE ? nreps - t : TEAM_SIZE;
        uint64_t a = now_ns();
        if (qw_engine_tick(&eng, team_reps + t, n, period, at) != QW_OK)
            die("qw_engine_tick", eng.errstr);
        lat[k] = (uint32_t)(now_ns() - a);
    }
    return now_ns() - t0;
}

static void setup(void)
{
    for (int i = 0; i < nreps; i++) {
        qw_rep_profile_t *p = &prof[i];
        memset(p, 0, sizeof(*p));
        snprintf(p->rep_id, sizeof(p->rep_id), "rep-%06d", i);
        snprintf(p->name, sizeof(p->name), "Rep %06d", i);
        snprintf(p->team_id, sizeof(p->team_id), "team-%05d", i / TEAM_SIZE);
        snprintf(p->manager_id, sizeof(p->manager_id), "mgr-%05d", i / TEAM_SIZE);
        snprintf(p->cohort, sizeof(p->cohort), "cohort-%d", i % 4);
        p->hire_date = i % 50 == 7 ? day("2026-10-05") : day("2020-01-15"); /* 2% ramping */
        if (i % 40 == 3) { /* 2.5% with a week of leave in November */
            p->nleave = 1;
            p->leave[0] = (qw_leave_range_t){day("2026-11-09"), day("2026-11-15"), 0};
        }
        p->active = 1;
        memset(&quota[i], 0, sizeof(quota[i]));
        snprintf(quota[i].rep_id, sizeof(quota[i].rep_id), "%s", p->rep_id);
        quota[i].amount_minor = QUOTA;
        memcpy(quota[i].currency, i % 5 == 0 ? "USD" : "EUR", 4); /* some need conversion */
        qw_rep_state_init(&st[i], p->rep_id);
        team_reps[i] = (qw_engine_rep_t){p, &quota[i], &st[i]};
    }
    /* History: two months (chronic missers reach November's close with two misses, so it
     * raises their review requests with the full evidence), one credit per rep per month, each
     * fully ticked and closed. */
    static const char *hist[] = {"2026-09", "2026-10"};
    for (int h = 0; h < 2; h++) {
        char date[16];
        snprintf(date, sizeof(date), "%s-12", hist[h]);
        set_period(hist[h]);
        for (int i = 0; i < nreps; i++) {
            qw_credit_t c;
            int64_t amount = (int64_t)QUOTA * (skill_bp(i) + (int32_t)rnd(1500)) / 10000;
            make_credit(&c, i, h, amount, date);
            if (qw_engine_apply_credit(&eng, &prof[i], &quota[i], &st[i], &c, c.event_time_ms) !=
                QW_OK)
                die("history credit", eng.errstr);
        }
        for (int w = 0; w < 3; w++)
            tick_all(hist[h], instant(hist[h], w));
    }
    /* November's credits: per rep, sums around its skill, 4% clawbacks of its previous credit
     * (within the reversal window: an integrity flag), 2% over the discount limit. Delivered
     * in K waves (every rep's k-th credit before any (k+1)-th, so a clawback follows its
     * credit), each wave in a fresh random rep order: state access is scattered, as it is for
     * an evaluator owning many reps. */
    set_period("2026-11");
    qw_credit_t *gen = calloc((size_t)ncredits, sizeof(*gen));
    int *perm = malloc(sizeof(int) * (size_t)nreps);
    if (!gen || !perm) die("setup", "out of memory");
    for (int i = 0; i < nreps; i++) {
        for (int k = 0; k < per_rep; k++) {
            qw_credit_t *c = &gen[i * per_rep + k];
            char date[16];
            snprintf(date, sizeof(date), "2026-11-%02d", 1 + k * 18 / per_rep + (int)rnd(2));
            int64_t amount = (int64_t)QUOTA * (skill_bp(i) + (int32_t)rnd(2000)) / 10000 / per_rep;
            make_credit(c, i, 3 + k, amount, date);
            if (k > 0 && rnd(100) < 4) {
                const qw_credit_t *prev = &gen[i * per_rep + k - 1];
                c->kind = QW_CREDIT_KIND_CLAWBACK;
                c->amount_minor = -prev->amount_minor;
                c->won_date = prev->close_date;
                memcpy(c->deal_id, prev->deal_id, sizeof(c->deal_id));
                snprintf(c->id, sizeof(c->id), "%s:%d:%s", c->deal_id, 90 + k, prof[i].rep_id);
            } else if (rnd(100) < 2) {
                c->discount_bp = 4000;
            }
        }
    }
    for (int i = 0; i < nreps; i++)
        perm[i] = i;
    for (int k = 0, n = 0; k < per_rep; k++) {
        for (int i = nreps - 1; i > 0; i--) {
            int j = (int)rnd((uint32_t)i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int i = 0; i < nreps; i++, n++) {
            credits[n] = gen[perm[i] * per_rep + k];
            credit_rep[n] = perm[i];
        }
    }
    free(perm);
    free(gen);
    memcpy(snap, st, sizeof(*st) * (size_t)nreps);
}

int main(int argc, char **argv)
{
    const char *policy = argc > 1 ? argv[1] : "deploy/policy.example.yaml";
    if (argc > 2) nreps = atoi(argv[2]);
    if (argc > 3) per_rep = atoi(argv[3]);
    if (argc > 4) rounds = atoi(argv[4]);
    if (nreps < TEAM_SIZE || per_rep < 1 || per_rep > 4 || rounds < 1 || rounds > ROUNDS_MAX)
        die("usage", "bench_engine [POLICY] [REPS>=10] [CREDITS_PER_REP 1..4] [ROUNDS 1..15]");
    char err[QW_ERRSTR_MAX];
    if (qw_policy_load_file(&pol, policy, NULL, err, sizeof(err)) != QW_OK) die(policy, err);
    qw_engine_init(&eng, &pol, count_emit, NULL);
    ncredits = nreps * per_rep;
    prof = calloc((size_t)nreps, sizeof(*prof));
    quota = calloc((size_t)nreps, sizeof(*quota));
    st = calloc((size_t)nreps, sizeof(*st));
    snap = calloc((size_t)nreps, sizeof(*snap));
    team_reps = calloc((size_t)nreps, sizeof(*team_reps));
    credits = calloc((size_t)ncredits, sizeof(*credits));
    credit_rep = calloc((size_t)ncredits, sizeof(*credit_rep));
    lat = calloc((size_t)(ncredits > nreps ? ncredits : nreps), sizeof(*lat));
    best_c = malloc(sizeof(uint32_t) * (size_t)ncredits);
    for (int w = 0; w < 3; w++)
        best_t[w] = malloc(sizeof(uint32_t) * (size_t)nreps);
    if (!best_c || !best_t[0] || !best_t[1] || !best_t[2]) die("setup", "out of memory");
    memset(best_c, 0xff, sizeof(uint32_t) * (size_t)ncredits);
    for (int w = 0; w < 3; w++)
        memset(best_t[w], 0xff, sizeof(uint32_t) * (size_t)nreps);
    if (!prof || !quota || !st || !snap || !team_reps || !credits || !credit_rep || !lat)
        die("setup", "out of memory");
    char load0[32], load1[32];
    loadavg(load0, sizeof(load0));
    uint64_t s0 = now_ns();
    setup();
    printf("bench_engine: %d reps in teams of %d, %d credits each (%d), policy %s (%s), %d "
           "rounds; setup (2 closed months of history) %.1f s\n",
           nreps, TEAM_SIZE, per_rep, ncredits, pol.version, pol.timezone, rounds,
           (now_ns() - s0) / 1e9);
    printf("sizes: qw_rep_state_t %zu B, qw_credit_t %zu B, qw_decision_t %zu B\n",
           sizeof(qw_rep_state_t), sizeof(qw_credit_t), sizeof(qw_decision_t));

    metric_t b_rate, b_p50, b_p99, c_rate, c_p50, c_p99, c_max;
    metric_t w_tot[3], w_p50[3], w_p99[3], w_max[3], f_ms;
    metric_t m_rate, m_p50, m_p99, e_rate, e_p50, e_p99, d_rate, d_p50, d_p99;
    metric_t b_cpu, c_cpu, m_cpu, e_cpu, d_cpu, w_cpu[3], f_cpu, c_quiet, c_loud;
    uint8_t *emitted = calloc((size_t)ncredits, 1);
    uint32_t *split = malloc(sizeof(uint32_t) * (size_t)ncredits);
    if (!emitted || !split) die("setup", "out of memory");
    long dec_credit = 0, dec_tick[3] = {0}, dec_fair = 0, rejected = 0;
    size_t blob_bytes = 0, blob_max = 0;
    uint8_t *arena = NULL;
    size_t *off = calloc((size_t)nreps + 1, sizeof(size_t));
    static qw_rep_state_t scratch;
    static qw_credit_t ctmp;
    long types0[16];
    static const char *phase[3] = {"checkpoint 50%", "checkpoint 75%", "close"};
    if (!off) die("setup", "out of memory");

    for (int r = 0; r < rounds; r++) {
        memcpy(st, snap, sizeof(*st) * (size_t)nreps);
        ndecisions = 0;
        memset(ntypes, 0, sizeof(ntypes));

        /* (a) baseline: find the rep's state, copy the credit in, touch both. */
        uint64_t t0 = now_ns(), u0 = cpu_ns();
        for (int k = 0; k < ncredits; k++) {
            uint64_t a = now_ns();
            qw_rep_state_t *s = &st[credit_rep[k]];
            memcpy(&ctmp, &credits[k], sizeof(ctmp));
            __asm__ volatile("" : : "r"(s->nperiods), "r"(&ctmp) : "memory");
            lat[k] = (uint32_t)(now_ns() - a);
        }
        uint64_t tot = now_ns() - t0;
        b_cpu.v[r] = ncredits / ((cpu_ns() - u0) / 1e9);
        b_rate.v[r] = ncredits / (tot / 1e9);
        percentiles(ncredits, r, &b_p50, &b_p99, NULL);

        /* (a) the event-driven rules, one credit at a time. */
        int64_t now = 0;
        qw_time_parse_iso8601("2026-11-20T12:00:00Z", 20, &now);
        long rej = 0;
        t0 = now_ns(), u0 = cpu_ns();
        for (int k = 0; k < ncredits; k++) {
            long d0 = ndecisions;
            uint64_t a = now_ns();
            int i = credit_rep[k];
            if (qw_engine_apply_credit(&eng, &prof[i], &quota[i], &st[i], &credits[k], now) !=
                QW_OK)
                rej++;
            lat[k] = (uint32_t)(now_ns() - a);
            emitted[k] = ndecisions != d0;
        }
        tot = now_ns() - t0;
        c_cpu.v[r] = ncredits / ((cpu_ns() - u0) / 1e9);
        c_rate.v[r] = ncredits / (tot / 1e9);
        /* Where the time goes: credits that emitted a decision (each fills a 12 KB
         * qw_decision_t) against those that only updated the state. */
        for (int pass = 0; pass < 2; pass++) {
            int m = 0;
            for (int k = 0; k < ncredits; k++)
                if (emitted[k] == pass) split[m++] = lat[k];
            qsort(split, (size_t)m, sizeof(uint32_t), cmp_u32);
            (pass ? &c_loud : &c_quiet)->v[r] = m ? split[m / 2] : 0;
        }
        keep_best(best_c, ncredits);
        percentiles(ncredits, r, &c_p50, &c_p99, &c_max);
        if (r == 0) dec_credit = ndecisions, rejected = rej;

        /* (b) the calendar job: both checkpoints and the close, team by team. */
        for (int w = 0; w < 3; w++) {
            long d0 = ndecisions;
            uint64_t u1 = cpu_ns();
            tot = tick_all("2026-11", instant("2026-11", w));
            w_cpu[w].v[r] = (cpu_ns() - u1) / 1e6;
            int nteams = (nreps + TEAM_SIZE - 1) / TEAM_SIZE;
            w_tot[w].v[r] = tot / 1e6;
            keep_best(best_t[w], nteams);
            percentiles(nteams, r, &w_p50[w], &w_p99[w], &w_max[w]);
            if (r == 0) dec_tick[w] = ndecisions - d0;
        }
        long d0 = ndecisions;
        t0 = now_ns(), u0 = cpu_ns();
        if (qw_engine_fairness_report(&eng, team_reps, nreps, "2026-11", instant("2026-11", 2),
                                      NULL) != QW_OK)
            die("qw_engine_fairness_report", eng.errstr);
        f_ms.v[r] = (now_ns() - t0) / 1e6;
        f_cpu.v[r] = (cpu_ns() - u0) / 1e6;
        if (r == 0) {
            dec_fair = ndecisions - d0;
            memcpy(types0, ntypes, sizeof(types0));
        }

        /* (c) codec, beside a copy of the state. */
        if (!arena) {
            uint8_t b[QW_REP_STATE_BLOB_MAX];
            for (int i = 0; i < nreps; i++) {
                size_t l = qw_rep_state_encode(&st[i], b, sizeof(b));
                if (!l) die("encode", st[i].rep_id);
                blob_bytes += l;
                blob_max = l > blob_max ? l : blob_max;
            }
            arena = malloc(blob_bytes + QW_REP_STATE_BLOB_MAX);
            if (!arena) die("setup", "out of memory");
            memset(arena, 0, blob_bytes + QW_REP_STATE_BLOB_MAX); /* no page faults timed */
        }
        t0 = now_ns(), u0 = cpu_ns();
        for (int i = 0; i < nreps; i++) {
            uint64_t a = now_ns();
            memcpy(&scratch, &st[i], sizeof(scratch));
            __asm__ volatile("" : : "r"(&scratch) : "memory");
            lat[i] = (uint32_t)(now_ns() - a);
        }
        tot = now_ns() - t0;
        m_rate.v[r] = nreps / (tot / 1e9);
        m_cpu.v[r] = nreps / ((cpu_ns() - u0) / 1e9);
        percentiles(nreps, r, &m_p50, &m_p99, NULL);
        t0 = now_ns(), u0 = cpu_ns();
        for (int i = 0; i < nreps; i++) {
            uint64_t a = now_ns();
            size_t l = qw_rep_state_encode(&st[i], arena + off[i], QW_REP_STATE_BLOB_MAX);
            lat[i] = (uint32_t)(now_ns() - a);
            off[i + 1] = off[i] + l;
        }
        tot = now_ns() - t0;
        e_rate.v[r] = nreps / (tot / 1e9);
        e_cpu.v[r] = nreps / ((cpu_ns() - u0) / 1e9);
        percentiles(nreps, r, &e_p50, &e_p99, NULL);
        t0 = now_ns(), u0 = cpu_ns();
        for (int i = 0; i < nreps; i++) {
            uint64_t a = now_ns();
            if (qw_rep_state_decode(&scratch, arena + off[i], off[i + 1] - off[i], err,
                                    sizeof(err)) != QW_OK)
                die("decode", err);
            lat[i] = (uint32_t)(now_ns() - a);
        }
        tot = now_ns() - t0;
        d_rate.v[r] = nreps / (tot / 1e9);
        d_cpu.v[r] = nreps / ((cpu_ns() - u0) / 1e9);
        percentiles(nreps, r, &d_p50, &d_p99, NULL);
        if (memcmp(&scratch, &st[nreps - 1], sizeof(scratch)) != 0)
            die("decode", "the last state does not round-trip");
    }
    loadavg(load1, sizeof(load1));

    printf("load average (1 min): %s at start, %s at end; figures: median of %d rounds "
           "[min-max]\n\n",
           load0, load1, rounds);
    printf("%-42s %10s %20s %9s %9s %9s\n", "operation", "per core", "wall [min-max]", "p50", "p99",
           "max");
#define RATE(m) median(&m) / 1e6, lo(&m) / 1e6, hi(&m) / 1e6
    printf("%-42s %6.2f M/s %5.2f M/s [%.2f-%.2f] %6.0f ns %6.0f ns\n",
           "(a) baseline: state lookup + credit copy", median(&b_cpu) / 1e6, RATE(b_rate),
           median(&b_p50), median(&b_p99));
    printf("%-42s %6.2f M/s %5.2f M/s [%.2f-%.2f] %6.0f ns %6.0f ns %6.0f us\n",
           "(a) qw_engine_apply_credit", median(&c_cpu) / 1e6, RATE(c_rate), median(&c_p50),
           median(&c_p99), median(&c_max) / 1e3);
    printf("%-42s %44s %6.0f ns\n", "    credits that emitted no decision", "", median(&c_quiet));
    printf("%-42s %44s %6.0f ns\n", "    credits that emitted a decision", "", median(&c_loud));
    for (int w = 0; w < 3; w++) {
        char name[64];
        snprintf(name, sizeof(name), "(b) tick %s, %d teams", phase[w],
                 (nreps + TEAM_SIZE - 1) / TEAM_SIZE);
        printf("%-42s %7.0f ms %6.0f ms [%.0f-%.0f] %6.1f us %6.1f us %6.0f us  per rep %.0f ns "
               "cpu\n",
               name, median(&w_cpu[w]), median(&w_tot[w]), lo(&w_tot[w]), hi(&w_tot[w]),
               median(&w_p50[w]) / 1e3, median(&w_p99[w]) / 1e3, median(&w_max[w]) / 1e3,
               median(&w_cpu[w]) * 1e6 / nreps);
    }
    printf("%-42s %7.0f ms %6.0f ms [%.0f-%.0f]   one call over all %d reps\n",
           "(b) qw_engine_fairness_report", median(&f_cpu), median(&f_ms), lo(&f_ms), hi(&f_ms),
           nreps);
    printf("%-42s %6.2f M/s %5.2f M/s [%.2f-%.2f] %6.0f ns %6.0f ns\n",
           "(c) baseline: memcpy of a state", median(&m_cpu) / 1e6, RATE(m_rate), median(&m_p50),
           median(&m_p99));
    printf("%-42s %6.2f M/s %5.2f M/s [%.2f-%.2f] %6.0f ns %6.0f ns\n", "(c) qw_rep_state_encode",
           median(&e_cpu) / 1e6, RATE(e_rate), median(&e_p50), median(&e_p99));
    printf("%-42s %6.2f M/s %5.2f M/s [%.2f-%.2f] %6.0f ns %6.0f ns\n", "(c) qw_rep_state_decode",
           median(&d_cpu) / 1e6, RATE(d_rate), median(&d_p50), median(&d_p99));
    printf("\nfastest of the %d rounds per call (preemption filtered out):\n", rounds);
    best_line("qw_engine_apply_credit:", best_c, ncredits);
    for (int w = 0; w < 3; w++) {
        char name[64];
        snprintf(name, sizeof(name), "tick %s, per team:", phase[w]);
        best_line(name, best_t[w], (nreps + TEAM_SIZE - 1) / TEAM_SIZE);
    }
    printf("\nblob: mean %zu B, largest %zu B (3 periods per rep after the close)\n",
           blob_bytes / (size_t)nreps, blob_max);
    printf("decisions per round: %ld from credits (%ld credits rejected), %ld / %ld / %ld from "
           "the ticks, %ld from fairness\n",
           dec_credit, rejected, dec_tick[0], dec_tick[1], dec_tick[2], dec_fair);
    for (int i = 0; i < 16 && type_names[i]; i++)
        printf("  %-32s %ld\n", type_names[i], types0[i]);
    printf("latencies are per call between two clock_gettime reads (their ~20-40 ns included); "
           "rates are over the whole loop\n");
    for (int i = 0; i < 16 && type_names[i]; i++)
        free((void *)type_names[i]);
    for (int w = 0; w < 3; w++)
        free(best_t[w]);
    free(best_c);
    free(split);
    free(emitted);
    free(arena);
    free(off);
    free(lat);
    free(credit_rep);
    free(credits);
    free(team_reps);
    free(snap);
    free(st);
    free(quota);
    free(prof);
    return 0;
}
