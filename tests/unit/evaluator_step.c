/* Building one batch step (step.c, engine/engine_decode.c): decoding a credits record,
 * de-duplication, and the applied credits grouped by rep for the exact id sets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine_decode.h"
#include "quotawatch/v1/credit_entry.pb-c.h"
#include "step.h"

static size_t pack(Quotawatch__V1__CreditEntry *m, uint8_t *buf)
{
    return quotawatch__v1__credit_entry__pack(m, buf);
}

static Quotawatch__V1__CreditEntry credit(const char *id, const char *rep)
{
    Quotawatch__V1__CreditEntry m = QUOTAWATCH__V1__CREDIT_ENTRY__INIT;
    m.id = (char *)id;
    m.deal_id = "deal";
    m.rep_id = (char *)rep;
    m.kind = QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_CREDIT;
    m.amount_minor = 500;
    m.currency = "USD";
    m.close_date = "2026-11-30";
    m.won_date = "2026-11-02";
    return m;
}

Test(evaluator_step, decodes_a_credit_and_its_rep)
{
    Quotawatch__V1__CreditEntry m = credit("deal:1:ana", "ana");
    uint8_t buf[512];
    size_t n = pack(&m, buf);
    qw_credit_t c;
    char rep[QW_ID_MAX], err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_engine_credit_decode(buf, n, &c, rep, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(c.id, "deal:1:ana");
    cr_assert_str_eq(rep, "ana");
    cr_assert_eq(c.amount_minor, 500);
}

Test(evaluator_step, refuses_what_is_not_a_credit)
{
    qw_credit_t c;
    char rep[QW_ID_MAX], err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_engine_credit_decode(NULL, 0, &c, rep, err, sizeof(err)), QW_ERR);
    cr_assert_str_eq(err, "not a CreditEntry");
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    cr_assert_eq(qw_engine_credit_decode(junk, sizeof(junk), &c, rep, err, sizeof(err)), QW_ERR);
    cr_assert_str_eq(err, "not a CreditEntry");
}

Test(evaluator_step, refuses_a_bad_rep_id)
{
    Quotawatch__V1__CreditEntry m = credit("deal:1:x", "bad rep\n");
    uint8_t buf[512];
    size_t n = pack(&m, buf);
    qw_credit_t c;
    char rep[QW_ID_MAX], err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_engine_credit_decode(buf, n, &c, rep, err, sizeof(err)), QW_ERR);
    cr_assert_neq(err[0], '\0', "the reason is named");
}

Test(evaluator_step, duplicates_come_from_the_window_the_batch_or_old_ids)
{
    qw_idwin_t win;
    qw_strmap_t seen, old;
    static char present;
    cr_assert_eq(qw_idwin_init(&win, 8), 0);
    qw_strmap_init(&seen);
    qw_strmap_init(&old);
    qw_idwin_add(&win, "a", 1);
    qw_strmap_put(&seen, "b", 1, &present, NULL);
    qw_strmap_put(&old, "c", 1, &present, NULL);
    cr_assert(qw_step_is_dup(&win, &seen, &old, "a"));
    cr_assert(qw_step_is_dup(&win, &seen, &old, "b"));
    cr_assert(qw_step_is_dup(&win, &seen, &old, "c"));
    cr_assert_not(qw_step_is_dup(&win, &seen, &old, "d"));
    cr_assert_not(qw_step_is_dup(&win, &seen, NULL, "c"));
    qw_idwin_free(&win);
    qw_strmap_free(&seen, NULL);
    qw_strmap_free(&old, NULL);
}

Test(evaluator_step, groups_applied_credits_by_rep_in_order)
{
    /* messages 0..5: reps 1, 0, -, 1, 2, 0 */
    const int xrep[] = {1, 0, -1, 1, 2, 0};
    int xstart[4], xfill[3], xorder[6];
    qw_step_group(xrep, 6, 3, xstart, xfill, xorder);
    cr_assert_eq(xstart[0], 0);
    cr_assert_eq(xstart[1], 2);
    cr_assert_eq(xstart[2], 4);
    cr_assert_eq(xstart[3], 5);
    const int want[] = {1, 5, 0, 3, 4};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(xorder[i], want[i], "position %d", i);
}

Test(evaluator_step, a_rep_without_applied_credits_is_an_empty_group)
{
    const int xrep[] = {2, -1, 2};
    int xstart[4], xfill[3], xorder[3];
    qw_step_group(xrep, 3, 3, xstart, xfill, xorder);
    cr_assert_eq(xstart[1] - xstart[0], 0);
    cr_assert_eq(xstart[2] - xstart[1], 0);
    cr_assert_eq(xstart[3] - xstart[2], 2);
    cr_assert_eq(xorder[0], 0);
    cr_assert_eq(xorder[1], 2);
}
