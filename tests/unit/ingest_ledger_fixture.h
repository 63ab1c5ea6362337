/* Shared helpers of the ledger tests: a rate table and patch builders. */
#ifndef QW_INGEST_LEDGER_FIXTURE_H
#define QW_INGEST_LEDGER_FIXTURE_H

#include <string.h>

#include "ledger.h"
#include "quotawatch/date.h"
#include "quotawatch/money.h"

static qw_rates_t fx_rates;
static qw_ledger_cfg_t fx_cfg;

static inline void fx_setup(void)
{
    memset(&fx_rates, 0, sizeof(fx_rates));
    memcpy(fx_rates.base, "USD", 4);
    qw_rates_set(&fx_rates, "EUR", 1100000000); /* 1 EUR = 1.10 USD */
    qw_rates_set(&fx_rates, "JPY", 6700000);    /* 1 JPY = 0.0067 USD */
    fx_cfg.rates = &fx_rates;
}

static inline qw_deal_change_t fx_patch(const char *deal, int64_t version)
{
    qw_deal_change_t p;
    memset(&p, 0, sizeof(p));
    strcpy(p.source, "canonical");
    strcpy(p.deal_id, deal);
    p.version = version;
    p.event_time_ms = 1700000000000LL + version;
    return p;
}

static inline void fx_status(qw_deal_change_t *p, qw_deal_status_t s)
{
    p->present |= QW_DC_STATUS;
    p->status = s;
}

static inline void fx_amount(qw_deal_change_t *p, int64_t minor, const char *cur)
{
    p->present |= QW_DC_AMOUNT | QW_DC_CURRENCY;
    p->amount_minor = minor;
    strcpy(p->currency, cur);
}

static inline void fx_owner(qw_deal_change_t *p, const char *rep)
{
    p->present |= QW_DC_OWNER;
    strcpy(p->owner_id, rep);
}

static inline void fx_close(qw_deal_change_t *p, int y, int m, int d)
{
    p->present |= QW_DC_CLOSE_DATE;
    p->close_date = qw_date_from_ymd(y, m, d);
}

static inline void fx_split(qw_deal_change_t *p, const char *rep, int32_t bp)
{
    p->present |= QW_DC_SPLITS;
    strcpy(p->splits[p->nsplits].rep_id, rep);
    p->splits[p->nsplits].basis_points = bp;
    p->nsplits++;
}

/* A complete patch: status, amount (USD unless given), owner and close date. */
static inline qw_deal_change_t fx_full(const char *deal, int64_t version, qw_deal_status_t s,
                                       int64_t minor, const char *rep, int y, int m, int d)
{
    qw_deal_change_t p = fx_patch(deal, version);
    fx_status(&p, s);
    fx_amount(&p, minor, "USD");
    fx_owner(&p, rep);
    fx_close(&p, y, m, d);
    return p;
}

/* Find the entry of rep (and close date, or any when QW_DATE_NONE) in an output. */
static inline const qw_credit_t *fx_find(const qw_ledger_out_t *o, const char *rep, int32_t date)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->e[i].rep_id, rep) == 0 &&
            (date == QW_DATE_NONE || o->e[i].close_date == date))
            return &o->e[i];
    return NULL;
}

#endif
