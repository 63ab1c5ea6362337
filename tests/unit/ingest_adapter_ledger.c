/* The adapters' output is the ledger's input: every patch from the valid fixtures must be
 * accepted by qw_ledger_apply, and the won deals in them must produce credits. */
#include "ingest_adapter_util.h"
#include "ledger.h"
#include "quotawatch/rates.h"

#define MAX_DEALS 32

typedef struct {
    qw_ledger_cfg_t cfg;
    qw_deal_state_t *st[MAX_DEALS];
    int ndeals;
    int applied, credits;
} feed_t;

static int feed(void *opaque, const qw_deal_change_t *dc)
{
    feed_t *f = opaque;
    qw_deal_state_t *st = NULL;
    for (int i = 0; i < f->ndeals; i++)
        if (strcmp(f->st[i]->deal_id, dc->deal_id) == 0) st = f->st[i];
    if (!st) {
        cr_assert_lt(f->ndeals, MAX_DEALS);
        st = f->st[f->ndeals++] = calloc(1, sizeof(*st));
        cr_assert_eq(qw_deal_state_init(st, dc->deal_id), QW_OK);
    }
    static qw_ledger_out_t out;
    char eb[QW_ERRSTR_MAX] = "";
    int rc = qw_ledger_apply(&f->cfg, st, dc, &out, eb, sizeof(eb));
    if (dc->flags & QW_DCF_GAP) { /* refused on purpose: the resync request goes to the DLQ */
        cr_assert(rc == QW_ERR && out.err == QW_LEDGER_E_GAP, "gap %s accepted", dc->deal_id);
        return QW_OK;
    }
    cr_assert_eq(rc, QW_OK, "ledger refused %s v%lld: %s (%s)", dc->deal_id, (long long)dc->version,
                 eb, qw_ledger_err_name(out.err));
    f->applied++;
    f->credits += out.n;
    return QW_OK;
}

static void run_source(qw_source_t src, feed_t *f)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/valid.jsonl", QW_FIXTURES, qw_source_name(src));
    size_t len;
    char *buf = t_slurp(path, &len);
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    for (char *p = buf, *e = buf + len; p < e;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl) nl = e;
        qw_adapter_err_t err;
        cr_assert_geq(qw_adapter_parse(&cfg, src, p, (size_t)(nl - p), feed, f, &err), 0, "%s",
                      err.errstr);
        p = nl + 1;
    }
    free(buf);
}

static void setup(feed_t *f, qw_rates_t *r)
{
    memset(f, 0, sizeof(*f));
    memset(r, 0, sizeof(*r));
    memcpy(r->base, "USD", 4);
    cr_assert_eq(qw_rates_set(r, "EUR", 1080000000LL), 0);
    cr_assert_eq(qw_rates_set(r, "JPY", 6700000LL), 0);
    cr_assert_eq(qw_rates_set(r, "KWD", 3250000000LL), 0);
    f->cfg.rates = r;
}

static void teardown(feed_t *f)
{
    for (int i = 0; i < f->ndeals; i++)
        free(f->st[i]);
}

Test(adapter_ledger, every_fixture_patch_is_accepted_and_wins_credit)
{
    for (int s = 0; s < QW_SRC_COUNT; s++) {
        feed_t f;
        qw_rates_t r;
        setup(&f, &r);
        run_source((qw_source_t)s, &f);
        cr_assert_gt(f.applied, 0, "%s: no patch", qw_source_name((qw_source_t)s));
        cr_assert_gt(f.credits, 0, "%s: the won deals of the fixtures credited nothing",
                     qw_source_name((qw_source_t)s));
        teardown(&f);
    }
}
