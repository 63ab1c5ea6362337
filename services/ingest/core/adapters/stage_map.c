/* Which stage means won or lost, per source and pipeline, and the per-source defaults.
 * Format (docs/formats/crm-sources.md), one rule per line, '#' starts a comment:
 *   <source> <pipeline|*> <stage>=<open|won|lost>     (the stage may contain spaces)
 *   currency <source> <CODE|none>                      (currency of amounts sent without one) */
#include "adapter.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/money.h"

static int add_rule(qw_adapter_cfg_t *cfg, qw_source_t src, const char *pipe, size_t plen,
                    const char *stage, size_t slen, qw_deal_status_t st)
{
    if (cfg->nrules >= QW_STAGE_MAP_MAX) return QW_ERR;
    qw_stage_rule_t *r = &cfg->rules[cfg->nrules];
    if (qw_strlcpy_checked(r->pipeline, sizeof(r->pipeline), pipe, plen) != QW_OK ||
        qw_strlcpy_checked(r->stage, sizeof(r->stage), stage, slen) != QW_OK)
        return QW_ERR;
    r->source = (uint8_t)src;
    r->status = (uint8_t)st;
    cfg->nrules++;
    return QW_OK;
}

void qw_adapter_cfg_init(qw_adapter_cfg_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* Salesforce's standard picklist values (IsWon/IsClosed win when the event has them). */
    add_rule(cfg, QW_SRC_SALESFORCE, "*", 1, "Closed Won", 10, QW_DEAL_WON);
    add_rule(cfg, QW_SRC_SALESFORCE, "*", 1, "Closed Lost", 11, QW_DEAL_LOST);
    /* HubSpot's default pipeline stage ids. */
    add_rule(cfg, QW_SRC_HUBSPOT, "default", 7, "closedwon", 9, QW_DEAL_WON);
    add_rule(cfg, QW_SRC_HUBSPOT, "default", 7, "closedlost", 10, QW_DEAL_LOST);
    /* Pipedrive carries status itself; stage rules are only for overrides. */
    for (int i = 0; i < QW_SRC_COUNT; i++)
        snprintf(cfg->default_currency[i], 4, "%s", i == QW_SRC_CANONICAL ? "" : "USD");
}

static const char *trim(const char *s, const char *e, size_t *len)
{
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *len = (size_t)(e - s);
    return s;
}

/* Next whitespace-separated token of [*p, e). */
static const char *token(const char **p, const char *e, size_t *len)
{
    const char *s = *p;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    const char *t = s;
    while (t < e && *t != ' ' && *t != '\t')
        t++;
    *len = (size_t)(t - s);
    *p = t;
    return s;
}

static int parse_line(qw_adapter_cfg_t *cfg, const char *s, const char *e, char *errbuf,
                      size_t errlen, int lineno)
{
    size_t l1, l2, l3;
    const char *p = s;
    const char *t1 = token(&p, e, &l1);
    char name[16];
    if (qw_strlcpy_checked(name, sizeof(name), t1, l1) != QW_OK)
        return qw_err_set(errbuf, errlen, "line %d: unknown source", lineno);
    qw_source_t src;
    if (strcmp(name, "currency") == 0) {
        const char *t2 = token(&p, e, &l2);
        const char *t3 = token(&p, e, &l3);
        size_t rest;
        trim(p, e, &rest);
        char sname[16], code[8];
        if (rest || qw_strlcpy_checked(sname, sizeof(sname), t2, l2) != QW_OK ||
            qw_source_parse(sname, &src) != QW_OK ||
            qw_strlcpy_checked(code, sizeof(code), t3, l3) != QW_OK)
            return qw_err_set(errbuf, errlen, "line %d: expected \"currency <source> <CODE>\"",
                              lineno);
        if (strcmp(code, "none") == 0) {
            cfg->default_currency[src][0] = '\0';
            return QW_OK;
        }
        if (qw_money_exponent(code) < 0)
            return qw_err_set(errbuf, errlen, "line %d: unknown currency %s", lineno, code);
        memcpy(cfg->default_currency[src], code, 4);
        return QW_OK;
    }
    if (qw_source_parse(name, &src) != QW_OK)
        return qw_err_set(errbuf, errlen, "line %d: unknown source \"%s\"", lineno, name);
    const char *pipe = token(&p, e, &l2);
    const char *eq = NULL;
    for (const char *q = e; q > p; q--)
        if (q[-1] == '=') {
            eq = q - 1;
            break;
        }
    if (!l2 || !eq)
        return qw_err_set(errbuf, errlen,
                          "line %d: expected \"<source> <pipeline|*> <stage>=<status>\"", lineno);
    size_t slen, vlen;
    const char *stage = trim(p, eq, &slen);
    const char *val = trim(eq + 1, e, &vlen);
    qw_deal_status_t st;
    if (vlen == 4 && memcmp(val, "open", 4) == 0)
        st = QW_DEAL_OPEN;
    else if (vlen == 3 && memcmp(val, "won", 3) == 0)
        st = QW_DEAL_WON;
    else if (vlen == 4 && memcmp(val, "lost", 4) == 0)
        st = QW_DEAL_LOST;
    else
        return qw_err_set(errbuf, errlen, "line %d: status must be open, won or lost", lineno);
    if (!slen) return qw_err_set(errbuf, errlen, "line %d: empty stage", lineno);
    if (add_rule(cfg, src, pipe, l2, stage, slen, st) != QW_OK)
        return qw_err_set(errbuf, errlen, "line %d: too many rules or name too long", lineno);
    return QW_OK;
}

int qw_stage_map_load(qw_adapter_cfg_t *cfg, const char *text, size_t len, char *errbuf,
                      size_t errlen)
{
    const char *p = text, *end = text + len;
    for (int lineno = 1; p < end; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *hash = memchr(p, '#', (size_t)(e - p));
        size_t l;
        const char *s = trim(p, hash ? hash : e, &l);
        if (l && parse_line(cfg, s, s + l, errbuf, errlen, lineno) != QW_OK) return QW_ERR;
        p = nl ? nl + 1 : end;
    }
    return QW_OK;
}

qw_deal_status_t qw_stage_map_lookup(const qw_adapter_cfg_t *cfg, qw_source_t src,
                                     const char *pipeline, const char *stage)
{
    int any = -1, wild = -1;
    for (int i = cfg->nrules - 1; i >= 0; i--) {
        const qw_stage_rule_t *r = &cfg->rules[i];
        if (r->source != src || strcmp(r->stage, stage) != 0) continue;
        if (pipeline && strcmp(r->pipeline, pipeline) == 0) return (qw_deal_status_t)r->status;
        if (wild < 0 && strcmp(r->pipeline, "*") == 0) wild = i;
        if (any < 0) any = i;
    }
    if (wild >= 0) return (qw_deal_status_t)cfg->rules[wild].status;
    /* Pipeline unknown (a HubSpot stage event): stage ids are unique across pipelines. */
    if (!pipeline && any >= 0) return (qw_deal_status_t)cfg->rules[any].status;
    return QW_DEAL_UNSPECIFIED;
}
