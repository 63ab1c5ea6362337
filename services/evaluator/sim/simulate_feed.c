#include "simulate_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "quotawatch/credit_entry.h"
#include "ledger.h"
#include "quotawatch/strmap.h"

struct qw_sim_feed_s {
    qw_adapter_cfg_t acfg;
    qw_ledger_cfg_t lcfg;
    qw_strmap_t deals; /* deal id -> qw_deal_state_t* */
    qw_deal_change_t *patches;
    int n, cap;
    qw_ledger_out_t out;
    uint8_t buf[8192];
};

qw_sim_feed_t *qw_sim_feed_new(const qw_rates_t *rates)
{
    qw_sim_feed_t *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    qw_adapter_cfg_init(&f->acfg);
    f->lcfg.rates = rates;
    qw_strmap_init(&f->deals);
    return f;
}

void qw_sim_feed_free(qw_sim_feed_t *f)
{
    if (!f) return;
    qw_strmap_free(&f->deals, free);
    free(f->patches);
    free(f);
}

static int collect(void *opaque, const qw_deal_change_t *dc)
{
    qw_sim_feed_t *f = opaque;
    if (f->n == f->cap) {
        int ncap = f->cap ? f->cap * 2 : 8;
        qw_deal_change_t *np = realloc(f->patches, (size_t)ncap * sizeof(*np));
        if (!np) return QW_ERR;
        f->patches = np;
        f->cap = ncap;
    }
    f->patches[f->n++] = *dc;
    return QW_OK;
}

int qw_sim_feed_source_ok(const char *name)
{
    qw_source_t src;
    return qw_source_parse(name, &src);
}

int qw_sim_feed_stage_map(qw_sim_feed_t *f, const char *text, size_t len, char *errbuf,
                          size_t errlen)
{
    return qw_stage_map_load(&f->acfg, text, len, errbuf, errlen);
}

int qw_sim_feed_parse(qw_sim_feed_t *f, const char *source, const char *line, size_t len,
                      int64_t *event_ms, char *errbuf, size_t errlen)
{
    f->n = 0;
    qw_source_t src;
    if (qw_source_parse(source, &src) != QW_OK)
        return qw_err_set(errbuf, errlen, "unknown source %s", source);
    qw_adapter_err_t err;
    memset(&err, 0, sizeof(err));
    if (qw_adapter_parse(&f->acfg, src, line, len, collect, f, &err) < 0) {
        if (err.index >= 0)
            return qw_err_set(errbuf, errlen, "%s: event %d: %s",
                              qw_adapter_reason_name(err.reason), err.index, err.errstr);
        return qw_err_set(errbuf, errlen, "%s: %s", qw_adapter_reason_name(err.reason), err.errstr);
    }
    /* 0 is "no event time" in a patch (qw-ingest convert leaves it out too). */
    *event_ms = INT64_MIN;
    for (int i = 0; i < f->n; i++)
        if (f->patches[i].event_time_ms && f->patches[i].event_time_ms > *event_ms)
            *event_ms = f->patches[i].event_time_ms;
    return QW_OK;
}

int qw_sim_feed_apply(qw_sim_feed_t *f, qw_sim_credit_fn fn, void *opaque, char *errbuf,
                      size_t errlen)
{
    int total = 0;
    for (int i = 0; i < f->n; i++) {
        const qw_deal_change_t *p = &f->patches[i];
        qw_deal_state_t *st = qw_strmap_get(&f->deals, p->deal_id, strlen(p->deal_id));
        if (!st) {
            st = malloc(sizeof(*st));
            if (!st || qw_deal_state_init(st, p->deal_id) != QW_OK) {
                free(st);
                return qw_err_set(errbuf, errlen, "deal %s: cannot start a state", p->deal_id);
            }
            qw_strmap_put(&f->deals, p->deal_id, strlen(p->deal_id), st, NULL);
        }
        char why[QW_ERRSTR_MAX];
        if (qw_ledger_apply(&f->lcfg, st, p, &f->out, why, sizeof(why)) != QW_OK) {
            /* Name the value refused, not only the reason: the ledger's text is generic. */
            if (p->present & QW_DC_AMOUNT)
                return qw_err_set(
                    errbuf, errlen, "deal %s version %lld, %lld minor units of %s: %s", p->deal_id,
                    (long long)p->version, (long long)p->amount_minor, p->currency, why);
            return qw_err_set(errbuf, errlen, "deal %s version %lld: %s", p->deal_id,
                              (long long)p->version, why);
        }
        for (int k = 0; k < f->out.n; k++) {
            size_t n = qw_credit_entry_pack(&f->out.e[k], f->buf, sizeof(f->buf));
            if (!n) return qw_err_set(errbuf, errlen, "credit entry too large");
            if (fn(opaque, f->out.e[k].rep_id, f->buf, n) != QW_OK)
                return qw_err_set(errbuf, errlen, "credit refused");
            total++;
        }
    }
    f->n = 0;
    return total;
}
