/* A retry job read back from Redis (qw_dlv_job_parse): numbers strict and in range, strings
 * refused rather than cut, the decision bytes required (issue 10, finding 11). */
#include <criterion/criterion.h>
#include <string.h>

#include "delivery.h"

static int parse(qw_dlv_job_t *j, const char *kind, const char *aud, const char *prio,
                 const char *addr)
{
    const char *f[] = {"kind", "aud", "prio", "addr", "att", "dec"};
    const char *v[] = {kind, aud, prio, addr, "2", "\x0a\x01x"};
    size_t fl[6], vl[6];
    for (int i = 0; i < 6; i++)
        fl[i] = strlen(f[i]), vl[i] = strlen(v[i]);
    memset(j, 0, sizeof(*j));
    return qw_dlv_job_parse(j, f, fl, v, vl, 6);
}

Test(notifier_delivery_job, a_good_job_parses)
{
    qw_dlv_job_t j;
    cr_assert_eq(parse(&j, "1", "1", "3", "mgr@example.com"), QW_OK);
    cr_assert_eq(j.kind, QW_CHAN_EMAIL);
    cr_assert_eq(j.audience, QW_AUD_MANAGER);
    cr_assert_eq(j.prio, 3);
    cr_assert_eq(j.attempts, 2);
    cr_assert_str_eq(j.address, "mgr@example.com");
    cr_assert_eq(j.dec_len, 3);
    qw_dlv_job_free(&j);
}

/* Before: atoi() took any bytes, so "7" became a channel kind past the enum and "-1" a
 * priority that indexes queue arrays below zero. Kept from fuzz_retry_job's seeds. */
Test(notifier_delivery_job, out_of_range_or_malformed_is_refused)
{
    qw_dlv_job_t j;
    cr_assert_eq(parse(&j, "7", "1", "1", "a"), QW_ERR, "kind past the enum");
    cr_assert_null(j.dec, "a refusal allocates nothing");
    cr_assert_eq(parse(&j, "1", "9", "1", "a"), QW_ERR, "audience past the enum");
    cr_assert_eq(parse(&j, "1", "1", "-1", "a"), QW_ERR, "negative priority");
    cr_assert_eq(parse(&j, "1", "1", "5", "a"), QW_ERR, "priority past the levels");
    cr_assert_eq(parse(&j, "1x", "1", "1", "a"), QW_ERR, "not a number");
    char addr[QW_ROUTE_ADDR_MAX + 8];
    memset(addr, 'a', sizeof(addr) - 1);
    addr[sizeof(addr) - 1] = '\0';
    cr_assert_eq(parse(&j, "1", "1", "1", addr), QW_ERR, "too long an address is refused, not cut");
    const char *f[] = {"kind"};
    const char *v[] = {"1"};
    size_t fl[] = {4}, vl[] = {1};
    cr_assert_eq(qw_dlv_job_parse(&j, f, fl, v, vl, 1), QW_ERR, "no decision bytes");
}
