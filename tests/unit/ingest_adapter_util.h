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

#endif
