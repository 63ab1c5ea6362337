#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/decision_type.h"
#include "quotawatch/yaml.h"

static const char *const qw_kind_names[] = {"slack", "email", "webhook"};

const char *qw_chan_kind_name(qw_chan_kind_t k)
{
    return k <= QW_CHAN_WEBHOOK ? qw_kind_names[k] : "?";
}

void qw_route_cfg_init(qw_route_cfg_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

void qw_route_cfg_free(qw_route_cfg_t *cfg)
{
    free(cfg->addrs);
    cfg->addrs = NULL;
    cfg->n_addrs = 0;
}

int qw_route_type_match(const char *pattern, const char *type)
{
    size_t pl = strlen(pattern);
    if (strcmp(pattern, "*") == 0) return 1;
    if (pl >= 2 && strcmp(pattern + pl - 2, ".*") == 0)
        return strncmp(type, pattern, pl - 1) == 0; /* "reward." prefix */
    return strcmp(pattern, type) == 0;
}

/* Whether a pattern can match some type of the given family. */
static int pattern_covers_family(const char *pattern, qw_dt_family_t family)
{
    return strcmp(pattern, "*") == 0 || qw_dt_family(pattern) == family;
}

/* A sensitive pattern ("*", "review.*", "integrity.flag", ...). */
static int pattern_covers_sensitive(const char *pattern)
{
    return strcmp(pattern, "*") == 0 || qw_dt_is_sensitive(pattern);
}

int qw_route_priority(const char *type)
{
    /* A bare family name ("review") is not a type: it takes the last level. */
    switch (strchr(type, '.') ? qw_dt_family(type) : QW_DTF_UNKNOWN) {
    case QW_DTF_REVIEW:
        return 0;
    case QW_DTF_INTEGRITY:
    case QW_DTF_WARNING: /* warning and integrity share a level: both need attention first */
        return 1;
    case QW_DTF_SUPPORT:
        return 2;
    case QW_DTF_HEALTH:
        return 3;
    default:
        return 4; /* rewards, weekly digests (info.*) and anything unknown */
    }
}

static int is_shared(qw_aud_t a, qw_chan_kind_t k)
{
    /* Team channels and mailing lists, and the sales-ops Slack channel, are read by many. */
    return a == QW_AUD_TEAM || (a == QW_AUD_SALES_OPS && k == QW_CHAN_SLACK);
}

static int combo_allowed(qw_aud_t a, qw_chan_kind_t k)
{
    switch (a) {
    case QW_AUD_REP:
    case QW_AUD_MANAGER:
    case QW_AUD_TEAM:
    case QW_AUD_SALES_OPS:
        return k == QW_CHAN_SLACK || k == QW_CHAN_EMAIL;
    case QW_AUD_HR:
        return k == QW_CHAN_WEBHOOK || k == QW_CHAN_EMAIL;
    default:
        return 0;
    }
}

static int check_route(const qw_route_t *r, char *errbuf, size_t errlen)
{
    {
        if (!combo_allowed(r->audience, r->kind))
            return qw_err_set(errbuf, errlen, "route '%s': audience %s cannot use channel %s",
                              r->name, qw_aud_name(r->audience), qw_chan_kind_name(r->kind));
        if (r->n_types == 0) return qw_err_set(errbuf, errlen, "route '%s': no types", r->name);
        for (size_t t = 0; t < r->n_types; t++) {
            const char *p = r->types[t];
            if (is_shared(r->audience, r->kind) && pattern_covers_sensitive(p))
                return qw_err_set(errbuf, errlen,
                                  "route '%s' refused: types '%s' would send termination reviews "
                                  "or integrity flags to the shared %s %s channel",
                                  r->name, p, qw_aud_name(r->audience), qw_chan_kind_name(r->kind));
            if (r->audience == QW_AUD_TEAM && !pattern_covers_family(p, QW_DTF_REWARD))
                return qw_err_set(errbuf, errlen,
                                  "route '%s' refused: the team channel carries public recognition "
                                  "(reward.*) only, not '%s'",
                                  r->name, p);
            if (r->audience == QW_AUD_TEAM && strcmp(p, "*") == 0)
                return qw_err_set(errbuf, errlen,
                                  "route '%s' refused: the team channel carries public recognition "
                                  "(reward.*) only, not '*'",
                                  r->name);
        }
    }
    return QW_OK;
}

int qw_route_check(const qw_route_cfg_t *cfg, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_routes; i++)
        if (check_route(&cfg->routes[i], errbuf, errlen) != QW_OK) return QW_ERR;
    return QW_OK;
}

/* ---- YAML ---- */

/* Parsing state: the document (for positions in messages) and the caller's error buffer. */
typedef struct {
    const qw_yaml_t *y;
    char *err;
    size_t errlen;
} rload_t;

static qw_yaml_pos_t pos_or(struct fy_node *n, qw_yaml_pos_t fallback)
{
    qw_yaml_pos_t p = qw_yaml_first_pos(n);
    return p.line ? p : fallback;
}

/* A typo'd key ("adresses", "type") must stop start-up, not silently route nothing. */
static int known_keys(rload_t *L, struct fy_node *map, const char *path, const char *const *allowed)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        char k[64], sub[256];
        const char *ks = qw_yaml_scalar(fy_node_pair_key(p), k, sizeof(k), NULL);
        int ok = 0;
        for (size_t i = 0; ks && allowed[i]; i++)
            ok |= strcmp(ks, allowed[i]) == 0;
        if (!ok) {
            snprintf(sub, sizeof(sub), "%s%s%.60s", path, *path ? "." : "", ks ? ks : "?");
            return qw_yaml_err(L->err, L->errlen, L->y, qw_yaml_pos(fy_node_pair_key(p)), sub,
                               "unknown key");
        }
    }
    return QW_OK;
}

static int scalar(rload_t *L, struct fy_node *n, qw_yaml_pos_t at, char *dst, size_t dstlen,
                  const char *what)
{
    size_t len;
    if (!n || !fy_node_is_scalar(n))
        return qw_yaml_err(L->err, L->errlen, L->y, pos_or(n, at), what,
                           "expected a single value, got a list or mapping");
    if (!qw_yaml_scalar(n, dst, dstlen, &len) || memchr(dst, '\0', len))
        return qw_yaml_err(L->err, L->errlen, L->y, pos_or(n, at), what,
                           "value too long (%zu bytes, at most %zu)", len, dstlen - 1);
    return QW_OK;
}

/* key's value in map when present (dst untouched otherwise). */
static int opt_scalar(rload_t *L, struct fy_node *map, const char *key, char *dst, size_t dstlen,
                      const char *what)
{
    struct fy_node_pair *pair = NULL;
    void *it = NULL;
    struct fy_node_pair *p;
    while (!pair && (p = fy_node_mapping_iterate(map, &it))) {
        size_t kl;
        const char *ks = fy_node_get_scalar(fy_node_pair_key(p), &kl);
        if (ks && kl == strlen(key) && memcmp(ks, key, kl) == 0) pair = p;
    }
    if (!pair) return QW_OK;
    char w[256];
    snprintf(w, sizeof(w), "%.180s.%.60s", what, key);
    return scalar(L, fy_node_pair_value(pair), qw_yaml_pos(fy_node_pair_key(pair)), dst, dstlen, w);
}

static int parse_route(rload_t *L, qw_route_t *r, struct fy_node *n, size_t idx)
{
    static const char *const keys[] = {"name", "audience", "channel", "types", NULL};
    char what[96], buf[64];
    snprintf(what, sizeof(what), "routes[%zu]", idx);
    qw_yaml_pos_t at = qw_yaml_first_pos(n);
    if (!fy_node_is_mapping(n))
        return qw_yaml_err(L->err, L->errlen, L->y, at, what,
                           "expected a mapping (name, audience, channel, types)");
    if (known_keys(L, n, what, keys)) return QW_ERR;
    r->line = at.line, r->col = at.col;
    snprintf(r->name, sizeof(r->name), "#%zu", idx);
    if (opt_scalar(L, n, "name", r->name, sizeof(r->name), what)) return QW_ERR;
    buf[0] = '\0';
    if (opt_scalar(L, n, "audience", buf, sizeof(buf), what)) return QW_ERR;
    struct fy_node *an = fy_node_mapping_lookup_by_string(n, "audience", FY_NT);
    qw_aud_t a;
    char fw[128];
    snprintf(fw, sizeof(fw), "%s.audience", what);
    if (qw_aud_parse(buf, QW_AUD_DECISION_COUNT, &a) != QW_OK)
        return qw_yaml_err(L->err, L->errlen, L->y, pos_or(an, at), fw,
                           "route '%s': audience '%s' is not one of rep, manager, "
                           "team, hr, sales_ops",
                           r->name, buf);
    r->audience = a;
    buf[0] = '\0';
    if (opt_scalar(L, n, "channel", buf, sizeof(buf), what)) return QW_ERR;
    struct fy_node *cn = fy_node_mapping_lookup_by_string(n, "channel", FY_NT);
    int k = -1;
    for (int j = 0; j < 3; j++)
        if (strcmp(buf, qw_kind_names[j]) == 0) k = j;
    snprintf(fw, sizeof(fw), "%s.channel", what);
    if (k < 0)
        return qw_yaml_err(L->err, L->errlen, L->y, pos_or(cn, at), fw,
                           "route '%s': channel '%s' is not one of slack, email, "
                           "webhook",
                           r->name, buf);
    r->kind = (qw_chan_kind_t)k;
    struct fy_node *types = fy_node_mapping_lookup_by_string(n, "types", FY_NT);
    snprintf(fw, sizeof(fw), "%s.types", what);
    if (!types || !fy_node_is_sequence(types))
        return qw_yaml_err(L->err, L->errlen, L->y, pos_or(types, at), fw,
                           "route '%s': types must be a list", r->name);
    void *it = NULL;
    struct fy_node *t;
    while ((t = fy_node_sequence_iterate(types, &it))) {
        char tw[128];
        snprintf(tw, sizeof(tw), "%s.types[%zu]", what, r->n_types);
        if (r->n_types >= QW_ROUTE_MAX_TYPES)
            return qw_yaml_err(L->err, L->errlen, L->y, pos_or(t, at), tw,
                               "route '%s': too many types (at most %d)", r->name,
                               QW_ROUTE_MAX_TYPES);
        if (scalar(L, t, at, r->types[r->n_types], sizeof(r->types[0]), tw)) return QW_ERR;
        r->n_types++;
    }
    return QW_OK;
}

static int add_addrs(rload_t *L, qw_route_cfg_t *cfg, struct fy_node *map, const char *kind)
{
    static const char *const keys[] = {"slack_webhook", "email", NULL};
    char what[160];
    snprintf(what, sizeof(what), "addresses.%ss", kind);
    if (!map) return QW_OK;
    if (!fy_node_is_mapping(map))
        return qw_yaml_err(L->err, L->errlen, L->y, qw_yaml_first_pos(map), what,
                           "expected a mapping of id to address");
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        qw_yaml_pos_t kp = qw_yaml_pos(fy_node_pair_key(p));
        if (cfg->n_addrs >= QW_ROUTE_MAX_ADDRS)
            return qw_yaml_err(L->err, L->errlen, L->y, kp, what, "more than %d static addresses",
                               QW_ROUTE_MAX_ADDRS);
        qw_route_addr_t *a = &cfg->addrs[cfg->n_addrs];
        memset(a, 0, sizeof(*a));
        snprintf(a->kind, sizeof(a->kind), "%s", kind);
        if (scalar(L, fy_node_pair_key(p), kp, a->id, sizeof(a->id), what)) return QW_ERR;
        struct fy_node *v = fy_node_pair_value(p);
        char sub[256];
        snprintf(sub, sizeof(sub), "addresses.%ss.%.100s", kind, a->id);
        if (!v || !fy_node_is_mapping(v))
            return qw_yaml_err(L->err, L->errlen, L->y, pos_or(v, kp), sub,
                               "expected a mapping (slack_webhook, email)");
        if (known_keys(L, v, sub, keys) ||
            opt_scalar(L, v, "slack_webhook", a->slack, sizeof(a->slack), sub) ||
            opt_scalar(L, v, "email", a->email, sizeof(a->email), sub))
            return QW_ERR;
        cfg->n_addrs++;
    }
    return QW_OK;
}

static int pair_map(rload_t *L, struct fy_node *parent, const char *key, const char *what,
                    const char *const *keys, struct fy_node **out)
{
    *out = fy_node_mapping_lookup_by_string(parent, key, FY_NT);
    if (!*out) return QW_OK;
    if (!fy_node_is_mapping(*out))
        return qw_yaml_err(L->err, L->errlen, L->y, qw_yaml_first_pos(*out), what,
                           "expected a mapping");
    return known_keys(L, *out, what, keys);
}

static int load_doc(qw_route_cfg_t *cfg, const qw_yaml_t *y, char *errbuf, size_t errlen)
{
    static const char *const root_keys[] = {"routes", "addresses", NULL};
    static const char *const addr_keys[] = {"teams", "managers", "reps", "hr", "sales_ops", NULL};
    static const char *const hr_keys[] = {"webhook", "email", NULL};
    static const char *const so_keys[] = {"slack_webhook", "email", NULL};
    rload_t L = {y, errbuf, errlen};
    struct fy_node *root = qw_yaml_root(y);
    if (known_keys(&L, root, "", root_keys)) return QW_ERR;
    struct fy_node *routes = fy_node_mapping_lookup_by_string(root, "routes", FY_NT);
    if (routes) {
        if (!fy_node_is_sequence(routes))
            return qw_yaml_err(errbuf, errlen, y, qw_yaml_first_pos(routes), "routes",
                               "expected a list");
        void *it = NULL;
        struct fy_node *n;
        while ((n = fy_node_sequence_iterate(routes, &it))) {
            if (cfg->n_routes >= QW_ROUTE_MAX)
                return qw_yaml_err(errbuf, errlen, y, qw_yaml_first_pos(n), "routes",
                                   "more than %d routes", QW_ROUTE_MAX);
            qw_route_t *r = &cfg->routes[cfg->n_routes];
            memset(r, 0, sizeof(*r));
            if (parse_route(&L, r, n, cfg->n_routes)) return QW_ERR;
            cfg->n_routes++;
        }
    }
    struct fy_node *addrs, *hr, *so;
    if (pair_map(&L, root, "addresses", "addresses", addr_keys, &addrs)) return QW_ERR;
    if (addrs) {
        free(cfg->addrs);
        cfg->addrs = calloc(QW_ROUTE_MAX_ADDRS, sizeof(*cfg->addrs));
        if (!cfg->addrs) return qw_err_set(errbuf, errlen, "out of memory");
        if (add_addrs(&L, cfg, fy_node_mapping_lookup_by_string(addrs, "teams", FY_NT), "team") ||
            add_addrs(&L, cfg, fy_node_mapping_lookup_by_string(addrs, "managers", FY_NT),
                      "manager") ||
            add_addrs(&L, cfg, fy_node_mapping_lookup_by_string(addrs, "reps", FY_NT), "rep"))
            return QW_ERR;
        if (pair_map(&L, addrs, "hr", "addresses.hr", hr_keys, &hr) ||
            (hr &&
             (opt_scalar(&L, hr, "webhook", cfg->hr_webhook, sizeof(cfg->hr_webhook),
                         "addresses.hr") ||
              opt_scalar(&L, hr, "email", cfg->hr_email, sizeof(cfg->hr_email), "addresses.hr"))))
            return QW_ERR;
        if (pair_map(&L, addrs, "sales_ops", "addresses.sales_ops", so_keys, &so) ||
            (so && (opt_scalar(&L, so, "slack_webhook", cfg->sales_ops_slack,
                               sizeof(cfg->sales_ops_slack), "addresses.sales_ops") ||
                    opt_scalar(&L, so, "email", cfg->sales_ops_email, sizeof(cfg->sales_ops_email),
                               "addresses.sales_ops"))))
            return QW_ERR;
    }
    /* The privacy rules, with the position of the route they refuse. */
    for (size_t i = 0; i < cfg->n_routes; i++) {
        char why[QW_ERRSTR_MAX], what[32];
        if (check_route(&cfg->routes[i], why, sizeof(why)) != QW_OK) {
            snprintf(what, sizeof(what), "routes[%zu]", i);
            return qw_yaml_err(errbuf, errlen, y,
                               (qw_yaml_pos_t){cfg->routes[i].line, cfg->routes[i].col}, what, "%s",
                               why);
        }
    }
    return QW_OK;
}

static int load_parsed(qw_route_cfg_t *cfg, qw_yaml_t *y, int rc, char *errbuf, size_t errlen)
{
    if (rc != QW_OK) return QW_ERR;
    rc = load_doc(cfg, y, errbuf, errlen);
    qw_yaml_free(y);
    return rc;
}

int qw_route_load_string(qw_route_cfg_t *cfg, const char *yaml, size_t len, char *errbuf,
                         size_t errlen)
{
    qw_yaml_t y;
    return load_parsed(cfg, &y, qw_yaml_parse(&y, "routing", yaml, len, errbuf, errlen), errbuf,
                       errlen);
}

int qw_route_load_file(qw_route_cfg_t *cfg, const char *path, char *errbuf, size_t errlen)
{
    qw_yaml_t y; /* a routing file with every static address is well under 4 MiB */
    return load_parsed(cfg, &y, qw_yaml_parse_file(&y, path, 4 * 1024 * 1024, errbuf, errlen),
                       errbuf, errlen);
}

/* ---- resolution ---- */

static const qw_route_addr_t *find_addr(const qw_route_cfg_t *cfg, const char *kind, const char *id)
{
    if (!id || !*id) return NULL;
    for (size_t i = 0; i < cfg->n_addrs; i++)
        if (strcmp(cfg->addrs[i].kind, kind) == 0 && strcmp(cfg->addrs[i].id, id) == 0)
            return &cfg->addrs[i];
    return NULL;
}

static int in_audience(const Quotawatch__V1__Decision *d, qw_aud_t a)
{
    for (size_t i = 0; i < d->n_audience; i++)
        if (strcmp(d->audience[i], qw_aud_name(a)) == 0) return 1;
    return 0;
}

static const char *pick(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : "";
}

/* A person's Slack address: their own DM webhook, else (with a bot token) their user id. */
static const char *slack_dm(const qw_route_cfg_t *cfg, const qw_route_addr_t *s,
                            const qw_rep_profile_t *who, char *buf, size_t buflen)
{
    if (s && s->slack[0]) return s->slack;
    if (!cfg->slack_api || !who || !who->slack_user_id[0]) return "";
    snprintf(buf, buflen, QW_ROUTE_SLACK_USER "%s", who->slack_user_id);
    return buf;
}

/* The address of (audience, kind) for this decision, or "" when none is known. buf holds a
 * built address (a Slack user id). */
static const char *address_of(const qw_route_cfg_t *cfg, const Quotawatch__V1__Decision *d,
                              const qw_rep_profile_t *rep, const qw_rep_profile_t *mgr, qw_aud_t a,
                              qw_chan_kind_t k, char *buf, size_t buflen)
{
    const qw_route_addr_t *s;
    switch (a) {
    case QW_AUD_REP:
        s = find_addr(cfg, "rep", d->rep_id);
        if (k == QW_CHAN_EMAIL) return pick(rep ? rep->email : NULL, s ? s->email : NULL);
        return slack_dm(cfg, s, rep, buf, buflen);
    case QW_AUD_MANAGER:
        s = find_addr(cfg, "manager", rep ? rep->manager_id : NULL);
        if (k == QW_CHAN_EMAIL) return pick(mgr ? mgr->email : NULL, s ? s->email : NULL);
        return slack_dm(cfg, s, mgr, buf, buflen);
    case QW_AUD_TEAM:
        s = find_addr(cfg, "team", pick(d->team_id, rep ? rep->team_id : NULL));
        return s ? (k == QW_CHAN_EMAIL ? s->email : s->slack) : "";
    case QW_AUD_HR:
        return k == QW_CHAN_EMAIL ? cfg->hr_email : cfg->hr_webhook;
    case QW_AUD_SALES_OPS:
        return k == QW_CHAN_EMAIL ? cfg->sales_ops_email : cfg->sales_ops_slack;
    case QW_AUD_WEBHOOK:
        return cfg->webhook_url;
    default:
        return "";
    }
}

static size_t add_target(qw_target_t *out, size_t n, size_t max, qw_aud_t a, qw_chan_kind_t k,
                         const char *addr, int replacement)
{
    char ch[QW_ROUTE_CHANNEL_MAX];
    snprintf(ch, sizeof(ch), "%s.%s", qw_aud_name(a), qw_kind_names[k]);
    if (a == QW_AUD_WEBHOOK) snprintf(ch, sizeof(ch), "webhook");
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].channel, ch) == 0) return n; /* once per channel */
    if (n >= max) return n;
    qw_target_t *t = &out[n];
    memset(t, 0, sizeof(*t));
    t->kind = k;
    t->audience = a;
    snprintf(t->channel, sizeof(t->channel), "%s", ch);
    snprintf(t->address, sizeof(t->address), "%s", addr);
    t->shared = is_shared(a, k);
    t->private_replacement = replacement;
    return n + 1;
}

size_t qw_route_resolve(const qw_route_cfg_t *cfg, const Quotawatch__V1__Decision *d,
                        const qw_rep_profile_t *rep, const qw_rep_profile_t *manager,
                        qw_target_t *out, size_t max)
{
    size_t n = 0;
    char buf[QW_ROUTE_ADDR_MAX];
    int sensitive = qw_dt_is_sensitive(d->type);
    int opted_out = rep && rep->recognition_opt_out;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const qw_route_t *r = &cfg->routes[i];
        int match = 0;
        for (size_t t = 0; t < r->n_types && !match; t++)
            match = qw_route_type_match(r->types[t], d->type);
        if (!match || !in_audience(d, r->audience)) continue;
        if (is_shared(r->audience, r->kind) && sensitive) continue; /* defence in depth */
        if (r->audience == QW_AUD_TEAM && opted_out) {
            /* Public recognition becomes private: the rep's Slack DM, else their e-mail. */
            const char *dm =
                address_of(cfg, d, rep, manager, QW_AUD_REP, QW_CHAN_SLACK, buf, sizeof(buf));
            if (*dm)
                n = add_target(out, n, max, QW_AUD_REP, QW_CHAN_SLACK, dm, 1);
            else
                n = add_target(
                    out, n, max, QW_AUD_REP, QW_CHAN_EMAIL,
                    address_of(cfg, d, rep, manager, QW_AUD_REP, QW_CHAN_EMAIL, buf, sizeof(buf)),
                    1);
            continue;
        }
        n = add_target(out, n, max, r->audience, r->kind,
                       address_of(cfg, d, rep, manager, r->audience, r->kind, buf, sizeof(buf)), 0);
    }
    if (cfg->webhook_url[0])
        n = add_target(out, n, max, QW_AUD_WEBHOOK, QW_CHAN_WEBHOOK, cfg->webhook_url, 0);
    return n;
}
