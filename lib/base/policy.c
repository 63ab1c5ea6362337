/* The policy file: YAML (libfyaml, through quotawatch/yaml.h) into a qw_policy_t. A table names
 * every key; a key not in the table is an error, so a typo never silently falls back to a
 * default. Every message is "FILE:LINE:COL: key.path: problem, got VALUE". */
#include "quotawatch/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/money.h"
#include "quotawatch/yaml.h"

void qw_policy_defaults(qw_policy_t *p)
{
    memset(p, 0, sizeof(*p));
    p->period = QW_PERIOD_MONTH;
    memcpy(p->timezone, "UTC", 4);
    qw_tz_utc(&p->tz);
    memcpy(p->rates.base, "USD", 4);
    p->miss_line_bp = 8000;
    p->final_warning_at = 2;
    p->review_at = 3;
    p->ncheckpoints = 2;
    p->checkpoints_bp[0] = 5000;
    p->checkpoints_bp[1] = 7500;
    p->pacing_threshold_bp = 7000;
    p->grace_days = 3;
    p->ramp_periods = 2;
    p->ramp_quota_bp = 5000;
    p->leave_excuse_over_bp = 5000;
    p->leave_protected_excuses = 1;
    p->leave_prorate = 1;
    p->quota_achieved_bp = 10000;
    p->ntiers = 2;
    p->tiers_bp[0] = 12500;
    p->tiers_bp[1] = 15000;
    p->consistent_streak = 3;
    p->reversal_days = 30;
    p->stuffing_last_days = 3;
    p->stuffing_share_bp = 5000;
    p->discount_limit_bp = 3000;
    p->team_checkpoint_bp = 7500;
    p->team_at_risk_share_bp = 5000;
    p->systemic_miss_share_bp = 5000;
    p->adverse_impact_ratio_bp = 8000;
    p->fairness_min_cohort = 5;
    p->team_min_size = 3;
    p->leaderboard = QW_LEADERBOARD_OFF;
    /* Off unless the policy asks: a deployment decides when its people hear from it. */
    p->digest_weekday = -1;
    p->digest_minute = 8 * 60;
}

typedef enum {
    K_MAP,
    K_STR,
    K_PERIOD,
    K_LEADERBOARD,
    K_WEEKLY,
    K_INT,
    K_PCT,
    K_BOOL,
    K_PCTLIST,
    K_RATES
} kind_t;

typedef struct {
    const char *path;
    kind_t kind;
    size_t off;               /* field offset in qw_policy_t */
    size_t size_or_count_off; /* K_STR: buffer size; K_PCTLIST: offset of the count */
    int64_t min, max;         /* K_INT: the value; K_PCT / K_PCTLIST: basis points */
} pkey_t;

#define F(f) offsetof(qw_policy_t, f)
static const pkey_t keys[] = {
    {"version", K_STR, F(version), sizeof(((qw_policy_t *)0)->version), 0, 0},
    {"period", K_PERIOD, F(period), 0, 0, 0},
    {"timezone", K_STR, F(timezone), QW_TZ_NAME_MAX, 0, 0},
    {"currency", K_MAP, 0, 0, 0, 0},
    {"currency.base", K_STR, F(rates.base), 4, 0, 0},
    {"currency.rates", K_RATES, 0, 0, 0, 0},
    {"miss_line", K_PCT, F(miss_line_bp), 0, 1, 10000},
    {"misses", K_MAP, 0, 0, 0, 0},
    {"misses.final_warning_at", K_INT, F(final_warning_at), 0, 1, 11},
    {"misses.review_at", K_INT, F(review_at), 0, 1, 11},
    {"pacing", K_MAP, 0, 0, 0, 0},
    {"pacing.checkpoints", K_PCTLIST, F(checkpoints_bp), F(ncheckpoints), 1, 9999},
    {"pacing.threshold", K_PCT, F(pacing_threshold_bp), 0, 0, 10000},
    {"grace_days", K_INT, F(grace_days), 0, 0, 60},
    {"ramp", K_MAP, 0, 0, 0, 0},
    {"ramp.periods", K_INT, F(ramp_periods), 0, 0, 11},
    {"ramp.quota", K_PCT, F(ramp_quota_bp), 0, 1, 10000},
    {"leave", K_MAP, 0, 0, 0, 0},
    {"leave.excuse_over", K_PCT, F(leave_excuse_over_bp), 0, 0, 10000},
    {"leave.protected_always_excuses", K_BOOL, F(leave_protected_excuses), 0, 0, 0},
    {"leave.prorate", K_BOOL, F(leave_prorate), 0, 0, 0},
    {"rewards", K_MAP, 0, 0, 0, 0},
    {"rewards.quota_achieved", K_PCT, F(quota_achieved_bp), 0, 1, 100000},
    {"rewards.accelerators", K_PCTLIST, F(tiers_bp), F(ntiers), 1, 100000},
    {"rewards.consistent_performer_streak", K_INT, F(consistent_streak), 0, 1, 11},
    {"integrity", K_MAP, 0, 0, 0, 0},
    {"integrity.reversal_days", K_INT, F(reversal_days), 0, 0, 366},
    {"integrity.stuffing_last_days", K_INT, F(stuffing_last_days), 0, 1, 28},
    {"integrity.stuffing_share", K_PCT, F(stuffing_share_bp), 0, 0, 10000},
    {"integrity.discount_limit", K_PCT, F(discount_limit_bp), 0, 0, 10000},
    {"team_health", K_MAP, 0, 0, 0, 0},
    {"team_health.checkpoint", K_PCT, F(team_checkpoint_bp), 0, 1, 9999},
    {"team_health.at_risk_share", K_PCT, F(team_at_risk_share_bp), 0, 0, 10000},
    {"team_health.min_team_size", K_INT, F(team_min_size), 0, 1, 100000},
    {"team_health.systemic_miss_share", K_PCT, F(systemic_miss_share_bp), 0, 0, 10000},
    {"fairness", K_MAP, 0, 0, 0, 0},
    {"fairness.impact_ratio", K_PCT, F(adverse_impact_ratio_bp), 0, 1, 10000},
    {"fairness.min_cohort_size", K_INT, F(fairness_min_cohort), 0, 1, 100000},
    {"standings", K_MAP, 0, 0, 0, 0},
    {"standings.leaderboard", K_LEADERBOARD, F(leaderboard), 0, 0, 0},
    {"digests", K_MAP, 0, 0, 0, 0},
    {"digests.weekly_at", K_WEEKLY, F(digest_weekday), 0, 0, 0},
};
#undef F

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

typedef struct {
    qw_policy_t *p;
    const qw_yaml_t *y;
    char *err;
    size_t errlen;
    int have_version;
    qw_yaml_pos_t kpos[NKEYS]; /* where each key was given, for the cross-key checks */
} ctx_t;

static const pkey_t *find_key(const char *path)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].path, path) == 0) return &keys[i];
    return NULL;
}

/* How a value is shown in a message: an empty value must still be visible. */
static const char *shown(const char *v)
{
    return v && *v ? v : "nothing";
}

/* "80", "80%", "12.5", "12.25 %": a percentage with up to two decimals, into basis points.
 * *sign tells whether a '%' was written. A bare number with more decimals is read as far as
 * needed to suggest the percentage it would be as a fraction: *frac_e6 = value x 10^6. */
static int parse_pct(const char *s, int64_t *bp, int *sign, int64_t *frac_e6)
{
    int64_t whole = 0, frac = 0, e6 = 0;
    int nd = 0, nf = 0, nf6 = 0, over = 0;
    const char *q = s;
    while (*q >= '0' && *q <= '9' && nd < 9)
        whole = whole * 10 + (*q++ - '0'), nd++;
    if (nd == 0) return -1;
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') {
            if (nf6 < 6) e6 = e6 * 10 + (*q - '0'), nf6++;
            if (nf == 2) {
                if (*q != '0') over = 1;
            } else {
                frac = frac * 10 + (*q - '0');
                nf++;
            }
            q++;
        }
    }
    while (nf < 2)
        frac *= 10, nf++;
    while (nf6 < 6)
        e6 *= 10, nf6++;
    while (*q == ' ')
        q++;
    *sign = *q == '%';
    if (*q == '%') q++;
    if (*q != '\0') return -1;
    *frac_e6 = whole <= 1 ? whole * 1000000 + e6 : INT64_MAX;
    *bp = whole * 100 + frac;
    return over ? -2 : 0;
}

static int parse_int(const char *s, int64_t *v)
{
    char *end;
    if (!*s || ((*s < '0' || *s > '9') && *s != '-')) return -1;
    long long x = strtoll(s, &end, 10);
    if (*end != '\0' || x < -1000000000LL || x > 1000000000LL) return -1;
    *v = x;
    return 0;
}

/* Basis points as a percentage number: 8000 -> "80", 1250 -> "12.5", 1225 -> "12.25". */
static void fmt_bp(int64_t bp, char *out, size_t cap)
{
    if (bp % 100 == 0)
        snprintf(out, cap, "%lld", (long long)(bp / 100));
    else if (bp % 10 == 0)
        snprintf(out, cap, "%lld.%lld", (long long)(bp / 100), (long long)(bp % 100 / 10));
    else
        snprintf(out, cap, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

/* A whole percentage in words ("eighty"), so the hint cannot be misread; digits otherwise. */
static void pct_words(int64_t bp, char *out, size_t cap)
{
    static const char *const ones[] = {"zero",    "one",     "two",       "three",    "four",
                                       "five",    "six",     "seven",     "eight",    "nine",
                                       "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                       "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
    static const char *const tens[] = {"",      "",      "twenty",  "thirty", "forty",
                                       "fifty", "sixty", "seventy", "eighty", "ninety"};
    int64_t n = bp / 100;
    if (bp % 100 != 0 || n > 100) {
        char num[32];
        fmt_bp(bp, num, sizeof(num));
        snprintf(out, cap, "%s percent", num);
    } else if (n == 100)
        snprintf(out, cap, "one hundred percent");
    else if (n < 20)
        snprintf(out, cap, "%s percent", ones[n]);
    else if (n % 10 == 0)
        snprintf(out, cap, "%s percent", tens[n / 10]);
    else
        snprintf(out, cap, "%s-%s percent", tens[n / 10], ones[n % 10]);
}

static int pct_error(ctx_t *c, qw_yaml_pos_t at, const char *path, const pkey_t *k, const char *got)
{
    char lo[24], hi[24];
    fmt_bp(k->min, lo, sizeof(lo));
    fmt_bp(k->max, hi, sizeof(hi));
    return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                       "must be a percentage between %s%% and %s%%, got %s", lo, hi, shown(got));
}

/* One percentage value: the forms in docs/policy.md. A bare number in (0, 1] is refused: 0.8
 * is far more likely a fraction meaning 80% than the 0.8% it would be read as. */
static int pct_value(ctx_t *c, qw_yaml_pos_t at, const char *path, const pkey_t *k, const char *val,
                     int64_t *bp)
{
    int sign = 0;
    int64_t e6 = 0;
    int rc = val ? parse_pct(val, bp, &sign, &e6) : -1;
    if (rc != -1 && !sign && e6 > 0 && e6 <= 1000000) {
        char num[32], words[64];
        int64_t h = (e6 + 50) / 100; /* hundredths of a percent */
        fmt_bp(h, num, sizeof(num));
        pct_words(h, words, sizeof(words));
        return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                           "%s is ambiguous: write %s%% for %s (or %s%% if you mean it)", val, num,
                           words, val);
    }
    if (rc != 0 || *bp < k->min || *bp > k->max) return pct_error(c, at, path, k, val);
    return QW_OK;
}

static int load_rates(ctx_t *c, qw_yaml_pos_t at, const char *path, struct fy_node *n)
{
    if (!fy_node_is_mapping(n))
        return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                           "must be a mapping of currency code to rate");
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &it))) {
        char code[8], val[64], sub[192];
        struct fy_node *kn = fy_node_pair_key(pair), *vn = fy_node_pair_value(pair);
        const char *cs = qw_yaml_scalar(kn, code, sizeof(code), NULL);
        if (!cs || strlen(code) != 3 || qw_money_exponent(code) < 0) {
            char kt[64];
            return qw_yaml_err(c->err, c->errlen, c->y, qw_yaml_pos(kn), path,
                               "keys must be ISO 4217 codes, got %s",
                               shown(qw_yaml_scalar(kn, kt, sizeof(kt), NULL)));
        }
        snprintf(sub, sizeof(sub), "%s.%s", path, code);
        qw_yaml_pos_t vp = qw_yaml_pos(vn);
        if (!vp.line) vp = qw_yaml_pos(kn);
        int64_t rate;
        int have = qw_yaml_scalar(vn, val, sizeof(val), NULL) != NULL;
        if (!have || qw_money_parse_rate(val, strlen(val), &rate) != 0 || rate <= 0)
            /* val holds nothing when the scalar did not fit (found by fuzz_policy). */
            return qw_yaml_err(c->err, c->errlen, c->y, vp, sub,
                               "must be a positive decimal rate, got %s",
                               have                    ? shown(val)
                               : fy_node_is_scalar(vn) ? "a value too long to be a rate"
                                                       : "a list or mapping");
        if (qw_rates_set(&c->p->rates, code, rate) != 0)
            return qw_yaml_err(c->err, c->errlen, c->y, vp, path, "too many rates (at most %d)",
                               QW_RATES_MAX);
    }
    return QW_OK;
}

static int load_pctlist(ctx_t *c, qw_yaml_pos_t at, const char *path, const pkey_t *k,
                        struct fy_node *n)
{
    int max = k->off == offsetof(qw_policy_t, checkpoints_bp) ? QW_POLICY_CHECKPOINTS_MAX
                                                              : QW_POLICY_TIERS_MAX;
    if (!fy_node_is_sequence(n))
        return qw_yaml_err(c->err, c->errlen, c->y, at, path, "must be a list of percentages");
    int32_t *arr = (int32_t *)((char *)c->p + k->off);
    int *count = (int *)((char *)c->p + k->size_or_count_off);
    int i = 0;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it))) {
        char val[64], ipath[192];
        int64_t bp;
        snprintf(ipath, sizeof(ipath), "%s[%d]", path, i);
        qw_yaml_pos_t ip = qw_yaml_pos(item);
        if (!ip.line) ip = at;
        if (i >= max)
            return qw_yaml_err(c->err, c->errlen, c->y, ip, path, "at most %d entries", max);
        if (!fy_node_is_scalar(item)) return pct_error(c, ip, ipath, k, "a list or mapping");
        if (!qw_yaml_scalar(item, val, sizeof(val), NULL)) return pct_error(c, ip, ipath, k, "?");
        if (pct_value(c, ip, ipath, k, val, &bp) != QW_OK) return QW_ERR;
        if (i > 0 && bp <= arr[i - 1]) {
            char prev[24];
            fmt_bp(arr[i - 1], prev, sizeof(prev));
            return qw_yaml_err(c->err, c->errlen, c->y, ip, ipath,
                               "must be in ascending order, got %s after %s%%", val, prev);
        }
        arr[i++] = (int32_t)bp;
    }
    *count = i;
    return QW_OK;
}

static int load_leaf(ctx_t *c, qw_yaml_pos_t kp, const char *path, const pkey_t *k,
                     struct fy_node *n)
{
    char val[256];
    void *field = (char *)c->p + k->off;
    qw_yaml_pos_t at = qw_yaml_pos(n);
    if (!at.line) at = kp; /* collections and empty values: point at the key */
    if (k->kind == K_RATES) return load_rates(c, at, path, n);
    if (k->kind == K_PCTLIST) return load_pctlist(c, at, path, k, n);
    size_t len = 0;
    if (!n || !fy_node_is_scalar(n))
        return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                           "must be a single value, got a list or mapping");
    if (!qw_yaml_scalar(n, val, sizeof(val), &len))
        return qw_yaml_err(c->err, c->errlen, c->y, at, path, "value too long (%zu bytes)", len);
    int64_t v;
    switch (k->kind) {
    case K_STR:
        if (len == 0 || len >= k->size_or_count_off || memchr(val, '\0', len))
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "must be a non-empty string of at most %zu characters, got %s",
                               k->size_or_count_off - 1, shown(val));
        memcpy(field, val, len + 1);
        if (strcmp(path, "version") == 0) c->have_version = 1;
        if (strcmp(path, "currency.base") == 0 && qw_money_exponent(val) < 0)
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "not an ISO 4217 currency, got %s", val);
        return QW_OK;
    case K_PERIOD:
        if (strcmp(val, "month") == 0)
            c->p->period = QW_PERIOD_MONTH;
        else if (strcmp(val, "quarter") == 0)
            c->p->period = QW_PERIOD_QUARTER;
        else
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "must be month or quarter, got %s", shown(val));
        return QW_OK;
    case K_LEADERBOARD:
        if (qw_policy_leaderboard_parse(val, &c->p->leaderboard) != QW_OK)
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "must be off, rank or attainment, got %s", shown(val));
        return QW_OK;
    case K_WEEKLY:
        if (qw_policy_weekly_parse(val, &c->p->digest_weekday, &c->p->digest_minute) != QW_OK)
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "must be off or a weekday and a 24-hour time such as \"mon "
                               "08:00\", got %s",
                               shown(val));
        return QW_OK;
    case K_INT:
        if (parse_int(val, &v) != 0 || v < k->min || v > k->max)
            return qw_yaml_err(c->err, c->errlen, c->y, at, path,
                               "must be a whole number between %lld and %lld, got %s",
                               (long long)k->min, (long long)k->max, shown(val));
        *(int *)field = (int)v;
        return QW_OK;
    case K_PCT:
        if (pct_value(c, at, path, k, val, &v) != QW_OK) return QW_ERR;
        *(int32_t *)field = (int32_t)v;
        return QW_OK;
    case K_BOOL:
        if (strcmp(val, "true") == 0)
            *(int *)field = 1;
        else if (strcmp(val, "false") == 0)
            *(int *)field = 0;
        else
            return qw_yaml_err(c->err, c->errlen, c->y, at, path, "must be true or false, got %s",
                               shown(val));
        return QW_OK;
    default:
        return qw_yaml_err(c->err, c->errlen, c->y, at, path, "internal error");
    }
}

static int walk(ctx_t *c, struct fy_node *map, const char *prefix)
{
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it))) {
        char key[64], path[160];
        struct fy_node *kn = fy_node_pair_key(pair);
        qw_yaml_pos_t kp = qw_yaml_pos(kn);
        size_t klen;
        if (!qw_yaml_scalar(kn, key, sizeof(key), &klen) || memchr(key, '\0', klen))
            return qw_yaml_err(c->err, c->errlen, c->y, kp, prefix,
                               "keys must be plain names (at most %zu characters)",
                               sizeof(key) - 1);
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
        const pkey_t *k = find_key(path);
        if (!k) return qw_yaml_err(c->err, c->errlen, c->y, kp, path, "unknown key");
        c->kpos[k - keys] = kp;
        struct fy_node *v = fy_node_pair_value(pair);
        if (k->kind == K_MAP) {
            if (!v || !fy_node_is_mapping(v)) {
                char val[64];
                return qw_yaml_err(c->err, c->errlen, c->y, kp, path, "must be a mapping, got %s",
                                   v && fy_node_is_sequence(v)
                                       ? "a list"
                                       : shown(qw_yaml_scalar(v, val, sizeof(val), NULL)));
            }
            if (walk(c, v, path) != QW_OK) return QW_ERR;
        } else if (load_leaf(c, kp, path, k, v) != QW_OK) {
            return QW_ERR;
        }
    }
    return QW_OK;
}

/* Where a key was written (unknown when it took its default). */
static qw_yaml_pos_t at_key(const ctx_t *c, const char *path)
{
    const pkey_t *k = find_key(path);
    return k ? c->kpos[k - keys] : (qw_yaml_pos_t){0, 0};
}

/* Rules that tie keys together. */
static int check(ctx_t *c)
{
    qw_policy_t *p = c->p;
    char a[24], b[24];
    if (!c->have_version)
        return qw_yaml_err(c->err, c->errlen, c->y, (qw_yaml_pos_t){0, 0}, "version",
                           "required (recorded in decisions)");
    if (p->final_warning_at >= p->review_at)
        return qw_yaml_err(c->err, c->errlen, c->y, at_key(c, "misses.review_at"),
                           "misses.review_at",
                           "must be greater than misses.final_warning_at (%d), got %d",
                           p->final_warning_at, p->review_at);
    if (p->ncheckpoints == 0)
        return qw_yaml_err(c->err, c->errlen, c->y, at_key(c, "pacing.checkpoints"),
                           "pacing.checkpoints", "must not be empty");
    int found = 0;
    for (int i = 0; i < p->ncheckpoints; i++)
        found |= p->checkpoints_bp[i] == p->team_checkpoint_bp;
    if (!found) {
        fmt_bp(p->team_checkpoint_bp, a, sizeof(a));
        return qw_yaml_err(c->err, c->errlen, c->y, at_key(c, "team_health.checkpoint"),
                           "team_health.checkpoint", "must be one of pacing.checkpoints, got %s%%",
                           a);
    }
    if (p->ntiers > 0 && p->tiers_bp[0] <= p->quota_achieved_bp) {
        fmt_bp(p->tiers_bp[0], a, sizeof(a));
        fmt_bp(p->quota_achieved_bp, b, sizeof(b));
        char hint[96] = "";
        if ((int64_t)p->tiers_bp[0] * 100 > p->quota_achieved_bp && p->tiers_bp[0] < 1000) {
            char h[24]; /* 1.25 read as 1.25% was probably meant as 125% */
            fmt_bp((int64_t)p->tiers_bp[0] * 100, h, sizeof(h));
            snprintf(hint, sizeof(hint), " (write %s%% for a %sx tier)", h, a);
        }
        return qw_yaml_err(
            c->err, c->errlen, c->y, at_key(c, "rewards.accelerators"), "rewards.accelerators",
            "tiers must be above rewards.quota_achieved (%s%%), got %s%%%s", b, a, hint);
    }
    if (p->miss_line_bp > p->quota_achieved_bp) {
        fmt_bp(p->miss_line_bp, a, sizeof(a));
        fmt_bp(p->quota_achieved_bp, b, sizeof(b));
        return qw_yaml_err(c->err, c->errlen, c->y, at_key(c, "miss_line"), "miss_line",
                           "must not be above rewards.quota_achieved (%s%%), got %s%%", b, a);
    }
    return QW_OK;
}

static int load_doc(qw_policy_t *p, const qw_yaml_t *y, const char *zoneinfo_dir, char *errbuf,
                    size_t errlen)
{
    ctx_t c;
    qw_policy_defaults(p);
    memset(&c, 0, sizeof(c));
    c.p = p, c.y = y, c.err = errbuf, c.errlen = errlen;
    if (walk(&c, qw_yaml_root(y), "") != QW_OK || check(&c) != QW_OK) return QW_ERR;
    char tzerr[QW_ERRSTR_MAX];
    if (qw_tz_load(&p->tz, p->timezone, zoneinfo_dir, tzerr, sizeof(tzerr)) != 0)
        return qw_yaml_err(errbuf, errlen, y, at_key(&c, "timezone"), "timezone", "%s", tzerr);
    return QW_OK;
}

int qw_policy_load_named(qw_policy_t *p, const char *name, const char *yaml, size_t len,
                         const char *zoneinfo_dir, char *errbuf, size_t errlen)
{
    qw_yaml_t y;
    if (qw_yaml_parse(&y, name, yaml, len, errbuf, errlen) != QW_OK) return QW_ERR;
    int rc = load_doc(p, &y, zoneinfo_dir, errbuf, errlen);
    qw_yaml_free(&y);
    return rc;
}

int qw_policy_load_or_default(qw_policy_t *p, const char *path, char *errbuf, size_t errlen)
{
    if (path && *path) return qw_policy_load_file(p, path, NULL, errbuf, errlen);
    qw_policy_defaults(p);
    snprintf(p->version, sizeof(p->version), "builtin-default");
    return QW_OK;
}

int qw_policy_load_string(qw_policy_t *p, const char *yaml, size_t len, const char *zoneinfo_dir,
                          char *errbuf, size_t errlen)
{
    return qw_policy_load_named(p, "policy", yaml, len, zoneinfo_dir, errbuf, errlen);
}

int qw_policy_load_file(qw_policy_t *p, const char *path, const char *zoneinfo_dir, char *errbuf,
                        size_t errlen)
{
    qw_yaml_t y;
    /* a policy is a few KB */
    if (qw_yaml_parse_file(&y, path, 1024 * 1024, errbuf, errlen) != QW_OK) return QW_ERR;
    int rc = load_doc(p, &y, zoneinfo_dir, errbuf, errlen);
    qw_yaml_free(&y);
    return rc;
}

const char *qw_policy_leaderboard_name(qw_leaderboard_t l)
{
    switch (l) {
    case QW_LEADERBOARD_OFF:
        return "off";
    case QW_LEADERBOARD_RANK:
        return "rank";
    case QW_LEADERBOARD_ATTAINMENT:
        return "attainment";
    }
    return "off";
}

int qw_policy_leaderboard_parse(const char *s, qw_leaderboard_t *out)
{
    static const qw_leaderboard_t all[] = {QW_LEADERBOARD_OFF, QW_LEADERBOARD_RANK,
                                           QW_LEADERBOARD_ATTAINMENT};
    for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(s, qw_policy_leaderboard_name(all[i])) == 0) return *out = all[i], QW_OK;
    return QW_ERR;
}

static const char *const weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int qw_policy_weekly_parse(const char *s, int *weekday, int *minute)
{
    if (!s) return QW_ERR;
    if (strcmp(s, "off") == 0) return *weekday = -1, QW_OK;
    /* Exactly "ddd HH:MM": three letters, one space, two-digit hours and minutes. */
    if (strlen(s) != 9 || s[3] != ' ' || s[6] != ':') return QW_ERR;
    int wd = -1;
    for (int i = 0; i < 7; i++)
        if (memcmp(s, weekdays[i], 3) == 0) wd = i;
    const char *t = s + 4;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (t[i] < '0' || t[i] > '9')) return QW_ERR;
    int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (wd < 0 || h > 23 || m > 59) return QW_ERR;
    *weekday = wd;
    *minute = h * 60 + m;
    return QW_OK;
}

void qw_policy_weekly_format(int weekday, int minute, char *out, size_t cap)
{
    if (weekday < 0 || weekday > 6 || minute < 0 || minute >= 24 * 60)
        snprintf(out, cap, "off");
    else
        snprintf(out, cap, "%s %02d:%02d", weekdays[weekday], minute / 60, minute % 60);
}
