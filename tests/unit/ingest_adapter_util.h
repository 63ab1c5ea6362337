/* Test helpers for the adapter tests: run an adapter and collect its patches. */
#ifndef QW_TEST_ADAPTER_UTIL_H
#define QW_TEST_ADAPTER_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "quotawatch/date.h"

#define T_MAX_PATCHES 32

typedef struct {
    int n;
    qw_deal_change_t dc[T_MAX_PATCHES];
} t_patches_t;

__attribute__((unused)) static int t_collect(void *opaque, const qw_deal_change_t *dc)
{
    t_patches_t *p = opaque;
    if (p->n >= T_MAX_PATCHES) return QW_ERR;
    p->dc[p->n++] = *dc;
    return QW_OK;
}

/* Parse with the default configuration; returns the adapter's result. */
__attribute__((unused)) static int t_parse(qw_source_t src, const char *json, t_patches_t *out,
                                           qw_adapter_err_t *err)
{
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    out->n = 0;
    return qw_adapter_parse(&cfg, src, json, strlen(json), t_collect, out, err);
}

/* Expect a rejection with the given reason and no patch emitted. */
__attribute__((unused)) static void t_reject(qw_source_t src, const char *json,
                                             qw_adapter_reason_t reason)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(src, json, &p, &err);
    cr_assert_eq(rc, QW_ERR, "accepted: %s", json);
    cr_assert_eq(err.reason, reason, "reason %s (%s), want %s, for %s",
                 qw_adapter_reason_name(err.reason), err.errstr, qw_adapter_reason_name(reason),
                 json);
    cr_assert_eq(p.n, 0, "emitted %d patches before rejecting", p.n);
}

__attribute__((unused)) static int32_t t_date(const char *s)
{
    int32_t d;
    cr_assert_eq(qw_date_parse(s, strlen(s), &d), 0);
    return d;
}

__attribute__((unused)) static char *t_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

/* Every form a connector may give a close date in (docs/formats/crm-sources.md, "Dates"), with
 * the date it must mean (or NULL: refused as bad_date). 2026-11-15 is day 20772. */
typedef struct {
    const char *json; /* the field's JSON value */
    const char *want; /* YYYY-MM-DD, or NULL for a refusal */
} t_date_form_t;

static const t_date_form_t t_date_forms[] = {
    {"\"2026-11-15\"", "2026-11-15"},                   /* ISO date */
    {"\"2026-11-15T08:00:00Z\"", "2026-11-15"},         /* ISO timestamp */
    {"\"2026-11-15T08:00:00.000+0000\"", "2026-11-15"}, /* Salesforce's datetime spelling */
    {"\"2026-11-15T23:30:00-02:00\"", "2026-11-16"},    /* an offset: its UTC date */
    {"20772", "2026-11-15"},                            /* day count (Kafka Connect Date) */
    {"\"20772\"", "2026-11-15"},                        /* day count as text */
    {"1794729600", "2026-11-15"},                       /* epoch seconds */
    {"\"1794729600\"", "2026-11-15"},                   /* epoch seconds as text */
    {"1794729600000", "2026-11-15"},                    /* epoch ms */
    {"\"1794729600000\"", "2026-11-15"},                /* epoch ms as text */
    {"1794729600000.0", "2026-11-15"},                  /* epoch ms as an integral real */
    {"20261115", NULL},                                 /* YYYYMMDD? seconds? neither range */
    {"179472960000", NULL},                             /* between seconds and ms */
    {"1794729600000000", NULL},                         /* microseconds: refused */
    {"100000", NULL},                                   /* just past the day counts */
    {"\"15/11/2026\"", NULL},                           /* day/month order is ambiguous */
    {"true", NULL},
};

/* Run every form through a message template with one %s for the date's JSON value; `date_of`
 * picks the close date out of the parsed patches. */
__attribute__((unused)) static void t_check_date_forms(qw_source_t src, const char *fmt)
{
    for (size_t i = 0; i < sizeof(t_date_forms) / sizeof(t_date_forms[0]); i++) {
        char json[2048];
        snprintf(json, sizeof(json), fmt, t_date_forms[i].json);
        if (!t_date_forms[i].want) {
            t_reject(src, json, QW_AERR_BAD_DATE);
            continue;
        }
        t_patches_t p;
        qw_adapter_err_t err;
        int rc = t_parse(src, json, &p, &err);
        cr_assert_geq(rc, 1, "%s: %s", t_date_forms[i].json, err.errstr);
        int found = 0;
        for (int k = 0; k < p.n; k++) {
            if (!(p.dc[k].present & QW_DC_CLOSE_DATE)) continue;
            found = 1;
            char got[11];
            qw_date_format(p.dc[k].close_date, got);
            cr_assert_str_eq(got, t_date_forms[i].want, "%s read as %s", t_date_forms[i].json, got);
        }
        cr_assert(found, "%s: no close date in the patch", t_date_forms[i].json);
    }
}

#endif
