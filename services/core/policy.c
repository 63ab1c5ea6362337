/* The policy file: YAML (libfyaml) into a qw_policy_t. A table names every key; a key not in the
 * table is an error, so a typo never silently falls back to a default. */
#include "quotawatch/file.h"
#include "quotawatch/policy.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/money.h"

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
}

typedef enum { K_MAP, K_STR, K_PERIOD, K_INT, K_PCT, K_BOOL, K_PCTLIST, K_RATES } kind_t;

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
};
#undef F

typedef struct {
    qw_policy_t *p;
    char *err;
    size_t errlen;
    int have_version;
} ctx_t;

static const pkey_t *find_key(const char *path)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].path, path) == 0) return &keys[i];
    return NULL;
}

/* The scalar text of a node as a NUL-terminated string, or NULL when it is not a scalar. */
static const char *scalar(struct fy_node *n, char *buf, size_t cap)
{
    size_t len;
    const char *s;
    if (!n || !fy_node_is_scalar(n) || !(s = fy_node_get_scalar(n, &len))) return NULL;
    if (len >= cap) len = cap - 1; /* callers check the length separately where it matters */
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

/* "80", "80%", "12.5", "12.25 %": a percentage with up to two decimals, into basis points. */
static int parse_pct(const char *s, int64_t *bp)
{
    int64_t whole = 0, frac = 0;
    int nd = 0, nf = 0;
    const char *q = s;
    while (*q >= '0' && *q <= '9' && nd < 9)
        whole = whole * 10 + (*q++ - '0'), nd++;
    if (nd == 0) return -1;
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') {
            if (nf == 2) {
                if (*q != '0') return -1;
            } else {
                frac = frac * 10 + (*q - '0');
                nf++;
            }
            q++;
        }
    }
    while (nf < 2)
        frac *= 10, nf++;
    while (*q == ' ')
        q++;
    if (*q == '%') q++;
    if (*q != '\0') return -1;
    *bp = whole * 100 + frac;
    return 0;
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

static void fmt_bp(int64_t bp, char *out, size_t cap)
{
    if (bp % 100 == 0)
        snprintf(out, cap, "%lld", (long long)(bp / 100));
    else
        snprintf(out, cap, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

static int pct_error(ctx_t *c, const char *path, const pkey_t *k, const char *got)
{
    char lo[24], hi[24];
    fmt_bp(k->min, lo, sizeof(lo));
    fmt_bp(k->max, hi, sizeof(hi));
    return qw_err_set(c->err, c->errlen,
                      "policy: %s: must be a percentage between %s and %s, got %s", path, lo, hi,
                      got);
}

static int load_rates(ctx_t *c, const char *path, struct fy_node *n)
{
    if (!fy_node_is_mapping(n))
        return qw_err_set(c->err, c->errlen,
                          "policy: %s: must be a mapping of currency code to rate", path);
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &it))) {
        char code[8], val[64];
        if (!scalar(fy_node_pair_key(pair), code, sizeof(code)) || strlen(code) != 3 ||
            qw_money_exponent(code) < 0)
            return qw_err_set(c->err, c->errlen, "policy: %s: keys must be ISO 4217 codes, got %s",
                              path,
                              scalar(fy_node_pair_key(pair), code, sizeof(code)) ? code : "?");
        int64_t rate;
        if (!scalar(fy_node_pair_value(pair), val, sizeof(val)) ||
            qw_money_parse_rate(val, strlen(val), &rate) != 0 || rate <= 0)
            return qw_err_set(c->err, c->errlen,
                              "policy: %s.%s: must be a positive decimal rate, got %s", path, code,
                              scalar(fy_node_pair_value(pair), val, sizeof(val)) ? val : "?");
        if (qw_rates_set(&c->p->rates, code, rate) != 0)
            return qw_err_set(c->err, c->errlen, "policy: %s: too many rates (at most %d)", path,
                              QW_RATES_MAX);
    }
    return QW_OK;
}

static int load_pctlist(ctx_t *c, const char *path, const pkey_t *k, struct fy_node *n)
{
    int max = k->off == offsetof(qw_policy_t, checkpoints_bp) ? QW_POLICY_CHECKPOINTS_MAX
                                                              : QW_POLICY_TIERS_MAX;
    if (!fy_node_is_sequence(n))
        return qw_err_set(c->err, c->errlen, "policy: %s: must be a list of percentages", path);
    int32_t *arr = (int32_t *)((char *)c->p + k->off);
    int *count = (int *)((char *)c->p + k->size_or_count_off);
    int i = 0;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it))) {
        char val[64], ipath[192];
        int64_t bp;
        snprintf(ipath, sizeof(ipath), "%s[%d]", path, i);
        if (i >= max)
            return qw_err_set(c->err, c->errlen, "policy: %s: at most %d entries", path, max);
        if (!scalar(item, val, sizeof(val)) || parse_pct(val, &bp) != 0 || bp < k->min ||
            bp > k->max)
            return pct_error(c, ipath, k, scalar(item, val, sizeof(val)) ? val : "a non-scalar");
        if (i > 0 && bp <= arr[i - 1])
            return qw_err_set(c->err, c->errlen, "policy: %s: must be in ascending order", path);
        arr[i++] = (int32_t)bp;
    }
    *count = i;
    return QW_OK;
}

static int load_leaf(ctx_t *c, const char *path, const pkey_t *k, struct fy_node *n)
{
    char val[256];
    void *field = (char *)c->p + k->off;
    if (k->kind == K_RATES) return load_rates(c, path, n);
    if (k->kind == K_PCTLIST) return load_pctlist(c, path, k, n);
    size_t len = 0;
    if (!n || !fy_node_is_scalar(n) || !fy_node_get_scalar(n, &len))
        return qw_err_set(c->err, c->errlen, "policy: %s: must be a single value", path);
    if (len >= sizeof(val))
        return qw_err_set(c->err, c->errlen, "policy: %s: value too long", path);
    scalar(n, val, sizeof(val));
    int64_t v;
    switch (k->kind) {
    case K_STR:
        if (len == 0 || len >= k->size_or_count_off)
            return qw_err_set(c->err, c->errlen,
                              "policy: %s: must be a non-empty string of at most %zu characters",
                              path, k->size_or_count_off - 1);
        memcpy(field, val, len + 1);
        if (strcmp(path, "version") == 0) c->have_version = 1;
        if (strcmp(path, "currency.base") == 0 && qw_money_exponent(val) < 0)
            return qw_err_set(c->err, c->errlen, "policy: %s: not an ISO 4217 currency: %s", path,
                              val);
        return QW_OK;
    case K_PERIOD:
        if (strcmp(val, "month") == 0)
            c->p->period = QW_PERIOD_MONTH;
        else if (strcmp(val, "quarter") == 0)
            c->p->period = QW_PERIOD_QUARTER;
        else
            return qw_err_set(c->err, c->errlen, "policy: %s: must be month or quarter, got %s",
                              path, val);
        return QW_OK;
    case K_INT:
        if (parse_int(val, &v) != 0 || v < k->min || v > k->max)
            return qw_err_set(c->err, c->errlen,
                              "policy: %s: must be a whole number between %lld and %lld, got %s",
                              path, (long long)k->min, (long long)k->max, val);
        *(int *)field = (int)v;
        return QW_OK;
    case K_PCT:
        if (parse_pct(val, &v) != 0 || v < k->min || v > k->max) return pct_error(c, path, k, val);
        *(int32_t *)field = (int32_t)v;
        return QW_OK;
    case K_BOOL:
        if (strcmp(val, "true") == 0)
            *(int *)field = 1;
        else if (strcmp(val, "false") == 0)
            *(int *)field = 0;
        else
            return qw_err_set(c->err, c->errlen, "policy: %s: must be true or false, got %s", path,
                              val);
        return QW_OK;
    default:
        return qw_err_set(c->err, c->errlen, "policy: %s: internal error", path);
    }
}

static int walk(ctx_t *c, struct fy_node *map, const char *prefix)
{
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it))) {
        char key[64], path[160];
        if (!scalar(fy_node_pair_key(pair), key, sizeof(key)))
            return qw_err_set(c->err, c->errlen, "policy: %s%skeys must be plain names", prefix,
                              *prefix ? ": " : "");
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
        const pkey_t *k = find_key(path);
        if (!k) return qw_err_set(c->err, c->errlen, "policy: %s: unknown key", path);
        struct fy_node *v = fy_node_pair_value(pair);
        if (k->kind == K_MAP) {
            if (!fy_node_is_mapping(v))
                return qw_err_set(c->err, c->errlen, "policy: %s: must be a mapping", path);
            if (walk(c, v, path) != QW_OK) return QW_ERR;
        } else if (load_leaf(c, path, k, v) != QW_OK) {
            return QW_ERR;
        }
    }
    return QW_OK;
}

/* Rules that tie keys together. */
static int check(ctx_t *c)
{
    qw_policy_t *p = c->p;
    if (!c->have_version)
        return qw_err_set(c->err, c->errlen, "policy: version: required (recorded in decisions)");
    if (p->final_warning_at >= p->review_at)
        return qw_err_set(c->err, c->errlen,
                          "policy: misses.review_at: must be greater than "
                          "misses.final_warning_at (%d), got %d",
                          p->final_warning_at, p->review_at);
    if (p->ncheckpoints == 0)
        return qw_err_set(c->err, c->errlen, "policy: pacing.checkpoints: must not be empty");
    int found = 0;
    for (int i = 0; i < p->ncheckpoints; i++)
        found |= p->checkpoints_bp[i] == p->team_checkpoint_bp;
    if (!found)
        return qw_err_set(c->err, c->errlen,
                          "policy: team_health.checkpoint: must be one of pacing.checkpoints");
    if (p->ntiers > 0 && p->tiers_bp[0] <= p->quota_achieved_bp)
        return qw_err_set(c->err, c->errlen,
                          "policy: rewards.accelerators: tiers must be above "
                          "rewards.quota_achieved");
    if (p->miss_line_bp > p->quota_achieved_bp)
        return qw_err_set(c->err, c->errlen,
                          "policy: miss_line: must not be above rewards.quota_achieved");
    return QW_OK;
}

static int load_doc(qw_policy_t *p, struct fy_document *fyd, struct fy_diag *diag,
                    const char *zoneinfo_dir, char *errbuf, size_t errlen)
{
    if (!fyd) {
        void *it = NULL;
        struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
        if (de)
            return qw_err_set(errbuf, errlen, "policy: invalid YAML at line %d column %d: %s",
                              de->line + 1, de->column + 1, de->msg);
        return qw_err_set(errbuf, errlen, "policy: invalid YAML");
    }
    struct fy_node *root = fy_document_root(fyd);
    if (!root || !fy_node_is_mapping(root))
        return qw_err_set(errbuf, errlen, "policy: the document must be a mapping of keys");
    qw_policy_defaults(p);
    ctx_t c = {p, errbuf, errlen, 0};
    if (walk(&c, root, "") != QW_OK || check(&c) != QW_OK) return QW_ERR;
    char tzerr[QW_ERRSTR_MAX];
    if (qw_tz_load(&p->tz, p->timezone, zoneinfo_dir, tzerr, sizeof(tzerr)) != 0)
        return qw_err_set(errbuf, errlen, "policy: timezone: %s", tzerr);
    return QW_OK;
}

static void no_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag, (void)user, (void)buf, (void)len;
}

static struct fy_diag *make_diag(void)
{
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = no_output;
    dc.colorize = false;
    return fy_diag_create(&dc);
}

int qw_policy_load_string(qw_policy_t *p, const char *yaml, size_t len, const char *zoneinfo_dir,
                          char *errbuf, size_t errlen)
{
    struct fy_diag *diag = make_diag();
    struct fy_parse_cfg cfg = {0};
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
    cfg.diag = diag;
    struct fy_document *fyd = fy_document_build_from_string(&cfg, yaml, len);
    int rc = load_doc(p, fyd, diag, zoneinfo_dir, errbuf, errlen);
    fy_document_destroy(fyd);
    if (diag) fy_diag_unref(diag);
    return rc;
}

int qw_policy_load_file(qw_policy_t *p, const char *path, const char *zoneinfo_dir, char *errbuf,
                        size_t errlen)
{
    char e[QW_ERRSTR_MAX];
    size_t n;
    char *buf = qw_file_read(path, 1024 * 1024, &n, e, sizeof(e)); /* a policy is a few KB */
    if (!buf) return qw_err_set(errbuf, errlen, "policy: %s", e);
    int rc = qw_policy_load_string(p, buf, n, zoneinfo_dir, errbuf, errlen);
    free(buf);
    return rc;
}
