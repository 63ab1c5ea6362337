#include "route.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const qw_aud_names[QW_AUD_COUNT] = {"rep", "manager",   "team",
                                                       "hr",  "sales_ops", "webhook"};
static const char *const qw_kind_names[] = {"slack", "email", "webhook"};

const char *qw_aud_name(qw_aud_t a)
{
    return a < QW_AUD_COUNT ? qw_aud_names[a] : "?";
}

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

/* Whether a pattern can match some type of the given family ("review", "integrity"). */
static int pattern_covers_family(const char *pattern, const char *family)
{
    size_t fl = strlen(family);
    if (strcmp(pattern, "*") == 0) return 1;
    return strncmp(pattern, family, fl) == 0 && (pattern[fl] == '.' || pattern[fl] == '\0');
}

int qw_route_priority(const char *type)
{
    static const char *const order[] = {"review", "integrity", "warning", "support", "health"};
    for (int i = 0; i < 5; i++) {
        size_t l = strlen(order[i]);
        if (strncmp(type, order[i], l) == 0 && type[l] == '.') {
            /* warning and integrity share a level: both need attention before support */
            return i == 0 ? 0 : i == 1 || i == 2 ? 1 : i == 3 ? 2 : 3;
        }
    }
    return 4; /* rewards and anything unknown */
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

int qw_route_check(const qw_route_cfg_t *cfg, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const qw_route_t *r = &cfg->routes[i];
        if (!combo_allowed(r->audience, r->kind))
            return qw_err_set(errbuf, errlen, "route '%s': audience %s cannot use channel %s",
                              r->name, qw_aud_name(r->audience), qw_chan_kind_name(r->kind));
        if (r->n_types == 0) return qw_err_set(errbuf, errlen, "route '%s': no types", r->name);
        for (size_t t = 0; t < r->n_types; t++) {
            const char *p = r->types[t];
            if (is_shared(r->audience, r->kind) &&
                (pattern_covers_family(p, "review") || pattern_covers_family(p, "integrity")))
                return qw_err_set(errbuf, errlen,
                                  "route '%s' refused: types '%s' would send termination reviews "
                                  "or integrity flags to the shared %s %s channel",
                                  r->name, p, qw_aud_name(r->audience), qw_chan_kind_name(r->kind));
            if (r->audience == QW_AUD_TEAM && !pattern_covers_family(p, "reward"))
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

/* ---- YAML ---- */

static int scalar(struct fy_node *n, char *dst, size_t dstlen, const char *what, char *errbuf,
                  size_t errlen)
{
    size_t len;
    const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    if (!s) return qw_err_set(errbuf, errlen, "%s: expected a scalar", what);
    if (qw_strlcpy_checked(dst, dstlen, s, len))
        return qw_err_set(errbuf, errlen, "%s: value too long", what);
    return QW_OK;
}

static int opt_scalar(struct fy_node *map, const char *key, char *dst, size_t dstlen,
                      const char *what, char *errbuf, size_t errlen)
{
    struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
    if (!n) return QW_OK;
    char w[256];
    snprintf(w, sizeof(w), "%.180s.%.60s", what, key);
    return scalar(n, dst, dstlen, w, errbuf, errlen);
}

static int parse_route(qw_route_t *r, struct fy_node *n, size_t idx, char *errbuf, size_t errlen)
{
    char what[96], buf[64];
    snprintf(what, sizeof(what), "routes[%zu]", idx);
    if (!fy_node_is_mapping(n)) return qw_err_set(errbuf, errlen, "%s: expected a mapping", what);
    snprintf(r->name, sizeof(r->name), "#%zu", idx);
    if (opt_scalar(n, "name", r->name, sizeof(r->name), what, errbuf, errlen)) return QW_ERR;
    buf[0] = '\0';
    if (opt_scalar(n, "audience", buf, sizeof(buf), what, errbuf, errlen)) return QW_ERR;
    int a = -1;
    for (int k = 0; k < QW_AUD_WEBHOOK; k++)
        if (strcmp(buf, qw_aud_names[k]) == 0) a = k;
    if (a < 0)
        return qw_err_set(errbuf, errlen,
                          "route '%s': audience '%s' is not one of rep, manager, "
                          "team, hr, sales_ops",
                          r->name, buf);
    r->audience = (qw_aud_t)a;
    buf[0] = '\0';
    if (opt_scalar(n, "channel", buf, sizeof(buf), what, errbuf, errlen)) return QW_ERR;
    int k = -1;
    for (int j = 0; j < 3; j++)
        if (strcmp(buf, qw_kind_names[j]) == 0) k = j;
    if (k < 0)
        return qw_err_set(errbuf, errlen,
                          "route '%s': channel '%s' is not one of slack, email, "
                          "webhook",
                          r->name, buf);
    r->kind = (qw_chan_kind_t)k;
    struct fy_node *types = fy_node_mapping_lookup_by_string(n, "types", FY_NT);
    if (!types || !fy_node_is_sequence(types))
        return qw_err_set(errbuf, errlen, "route '%s': types must be a list", r->name);
    void *it = NULL;
    struct fy_node *t;
    while ((t = fy_node_sequence_iterate(types, &it))) {
        if (r->n_types >= QW_ROUTE_MAX_TYPES)
            return qw_err_set(errbuf, errlen, "route '%s': too many types", r->name);
        if (scalar(t, r->types[r->n_types], sizeof(r->types[0]), r->name, errbuf, errlen))
            return QW_ERR;
        r->n_types++;
    }
    return QW_OK;
}

static int add_addrs(qw_route_cfg_t *cfg, struct fy_node *map, const char *kind, char *errbuf,
                     size_t errlen)
{
    if (!map) return QW_OK;
    if (!fy_node_is_mapping(map))
        return qw_err_set(errbuf, errlen, "addresses.%ss: expected a mapping of id to address",
                          kind);
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        if (cfg->n_addrs >= QW_ROUTE_MAX_ADDRS)
            return qw_err_set(errbuf, errlen, "more than %d static addresses", QW_ROUTE_MAX_ADDRS);
        qw_route_addr_t *a = &cfg->addrs[cfg->n_addrs];
        memset(a, 0, sizeof(*a));
        snprintf(a->kind, sizeof(a->kind), "%s", kind);
        char what[160];
        snprintf(what, sizeof(what), "addresses.%ss", kind);
        if (scalar(fy_node_pair_key(p), a->id, sizeof(a->id), what, errbuf, errlen)) return QW_ERR;
        struct fy_node *v = fy_node_pair_value(p);
        if (!v || !fy_node_is_mapping(v))
            return qw_err_set(errbuf, errlen, "%s.%s: expected a mapping", what, a->id);
        snprintf(what, sizeof(what), "addresses.%ss.%s", kind, a->id);
        if (opt_scalar(v, "slack_webhook", a->slack, sizeof(a->slack), what, errbuf, errlen) ||
            opt_scalar(v, "email", a->email, sizeof(a->email), what, errbuf, errlen))
            return QW_ERR;
        cfg->n_addrs++;
    }
    return QW_OK;
}

static int load_doc(qw_route_cfg_t *cfg, struct fy_document *doc, char *errbuf, size_t errlen)
{
    struct fy_node *root = fy_document_root(doc);
    if (!root || !fy_node_is_mapping(root))
        return qw_err_set(errbuf, errlen, "routing file: expected a mapping at the top");
    struct fy_node *routes = fy_node_mapping_lookup_by_string(root, "routes", FY_NT);
    if (routes) {
        if (!fy_node_is_sequence(routes))
            return qw_err_set(errbuf, errlen, "routes: expected a list");
        void *it = NULL;
        struct fy_node *n;
        while ((n = fy_node_sequence_iterate(routes, &it))) {
            if (cfg->n_routes >= QW_ROUTE_MAX)
                return qw_err_set(errbuf, errlen, "more than %d routes", QW_ROUTE_MAX);
            qw_route_t *r = &cfg->routes[cfg->n_routes];
            memset(r, 0, sizeof(*r));
            if (parse_route(r, n, cfg->n_routes, errbuf, errlen)) return QW_ERR;
            cfg->n_routes++;
        }
    }
    struct fy_node *addrs = fy_node_mapping_lookup_by_string(root, "addresses", FY_NT);
    if (addrs) {
        if (!fy_node_is_mapping(addrs))
            return qw_err_set(errbuf, errlen, "addresses: expected a mapping");
        free(cfg->addrs);
        cfg->addrs = calloc(QW_ROUTE_MAX_ADDRS, sizeof(*cfg->addrs));
        if (!cfg->addrs) return qw_err_set(errbuf, errlen, "out of memory");
        if (add_addrs(cfg, fy_node_mapping_lookup_by_string(addrs, "teams", FY_NT), "team", errbuf,
                      errlen) ||
            add_addrs(cfg, fy_node_mapping_lookup_by_string(addrs, "managers", FY_NT), "manager",
                      errbuf, errlen) ||
            add_addrs(cfg, fy_node_mapping_lookup_by_string(addrs, "reps", FY_NT), "rep", errbuf,
                      errlen))
            return QW_ERR;
        struct fy_node *hr = fy_node_mapping_lookup_by_string(addrs, "hr", FY_NT);
        if (hr && (opt_scalar(hr, "webhook", cfg->hr_webhook, sizeof(cfg->hr_webhook),
                              "addresses.hr", errbuf, errlen) ||
                   opt_scalar(hr, "email", cfg->hr_email, sizeof(cfg->hr_email), "addresses.hr",
                              errbuf, errlen)))
            return QW_ERR;
        struct fy_node *so = fy_node_mapping_lookup_by_string(addrs, "sales_ops", FY_NT);
        if (so &&
            (opt_scalar(so, "slack_webhook", cfg->sales_ops_slack, sizeof(cfg->sales_ops_slack),
                        "addresses.sales_ops", errbuf, errlen) ||
             opt_scalar(so, "email", cfg->sales_ops_email, sizeof(cfg->sales_ops_email),
                        "addresses.sales_ops", errbuf, errlen)))
            return QW_ERR;
    }
    return qw_route_check(cfg, errbuf, errlen);
}

static int load_common(qw_route_cfg_t *cfg, struct fy_document *doc, const char *what, char *errbuf,
                       size_t errlen)
{
    if (!doc) return qw_err_set(errbuf, errlen, "%s: not valid YAML", what);
    int rc = load_doc(cfg, doc, errbuf, errlen);
    fy_document_destroy(doc);
    return rc;
}

/* libfyaml prints its own parse diagnostics to stderr unless told to keep quiet. */
static const struct fy_parse_cfg qw_fy_cfg = {.flags = FYPCF_QUIET};

int qw_route_load_string(qw_route_cfg_t *cfg, const char *yaml, size_t len, char *errbuf,
                         size_t errlen)
{
    return load_common(cfg, fy_document_build_from_string(&qw_fy_cfg, yaml, len), "routing", errbuf,
                       errlen);
}

int qw_route_load_file(qw_route_cfg_t *cfg, const char *path, char *errbuf, size_t errlen)
{
    return load_common(cfg, fy_document_build_from_file(&qw_fy_cfg, path), path, errbuf, errlen);
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
        if (strcmp(d->audience[i], qw_aud_names[a]) == 0) return 1;
    return 0;
}

static const char *pick(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : "";
}

/* A person's Slack address: their own DM webhook, else (with a bot token) their user id. */
static const char *slack_dm(const qw_route_cfg_t *cfg, const qw_route_addr_t *s,
                            const Quotawatch__V1__RepProfile *who, char *buf, size_t buflen)
{
    if (s && s->slack[0]) return s->slack;
    if (!cfg->slack_api || !who || !who->slack_user_id || !who->slack_user_id[0]) return "";
    snprintf(buf, buflen, QW_ROUTE_SLACK_USER "%s", who->slack_user_id);
    return buf;
}

/* The address of (audience, kind) for this decision, or "" when none is known. buf holds a
 * built address (a Slack user id). */
static const char *address_of(const qw_route_cfg_t *cfg, const Quotawatch__V1__Decision *d,
                              const Quotawatch__V1__RepProfile *rep,
                              const Quotawatch__V1__RepProfile *mgr, qw_aud_t a, qw_chan_kind_t k,
                              char *buf, size_t buflen)
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
    snprintf(ch, sizeof(ch), "%s.%s", qw_aud_names[a], qw_kind_names[k]);
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
                        const Quotawatch__V1__RepProfile *rep,
                        const Quotawatch__V1__RepProfile *manager, qw_target_t *out, size_t max)
{
    size_t n = 0;
    char buf[QW_ROUTE_ADDR_MAX];
    int sensitive = strncmp(d->type, "review.", 7) == 0 || strncmp(d->type, "integrity.", 10) == 0;
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
