/* The deal ledger's merge and credit emission, scenario by scenario. */
#include <criterion/criterion.h>

#include "ingest_ledger_fixture.h"

static qw_deal_state_t st;
static qw_ledger_out_t out, out2;
static char err[QW_ERRSTR_MAX];

static void setup(void)
{
    fx_setup();
    qw_deal_state_init(&st, "crm:D1");
}

TestSuite(ingest_ledger_apply, .init = setup);

static void apply_ok(const qw_deal_change_t *p, qw_ledger_out_t *o)
{
    int rc = qw_ledger_apply(&fx_cfg, &st, p, o, err, sizeof(err));
    cr_assert_eq(rc, QW_OK, "apply v%lld: %s", (long long)p->version, err);
}

static int64_t standing_of(const char *rep)
{
    for (int i = 0; i < st.nstanding; i++)
        if (strcmp(st.standing[i].rep_id, rep) == 0) return st.standing[i].base_minor;
    return 0;
}

Test(ingest_ledger_apply, won_credits_owner)
{
    qw_deal_change_t p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000000, "rep-a", 2026, 3, 15);
    p.present |= QW_DC_DISCOUNT;
    p.discount_bp = 1500;
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    const qw_credit_t *c = &out.e[0];
    cr_assert_str_eq(c->id, "crm:D1:1:rep-a");
    cr_assert_str_eq(c->deal_id, "crm:D1");
    cr_assert_eq(c->deal_version, 1);
    cr_assert_str_eq(c->rep_id, "rep-a");
    cr_assert_eq(c->kind, QW_CREDIT_KIND_CREDIT);
    cr_assert_eq(c->reason, QW_REASON_WON);
    cr_assert_eq(c->amount_minor, 1000000);
    cr_assert_str_eq(c->currency, "USD");
    cr_assert_eq(c->original_minor, 1000000);
    cr_assert_eq(c->close_date, qw_date_from_ymd(2026, 3, 15));
    cr_assert_eq(c->won_date, QW_DATE_NONE);
    cr_assert_eq(c->event_time_ms, p.event_time_ms);
    cr_assert_eq(c->discount_bp, 1500);
}

Test(ingest_ledger_apply, open_deal_credits_nothing)
{
    qw_deal_change_t p = fx_full("crm:D1", 1, QW_DEAL_OPEN, 1000000, "rep-a", 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 0);
    cr_assert_eq(st.nstanding, 0);
}

Test(ingest_ledger_apply, converts_to_base_currency)
{
    qw_deal_change_t p = fx_patch("crm:D1", 1);
    fx_status(&p, QW_DEAL_WON);
    fx_amount(&p, 1000050, "EUR"); /* 10000.50 EUR at 1.10 = 11000.55 USD */
    fx_owner(&p, "rep-a");
    fx_close(&p, 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].amount_minor, 1100055);
    cr_assert_str_eq(out.e[0].currency, "USD");
    cr_assert_eq(out.e[0].original_minor, 1000050);
    cr_assert_str_eq(out.e[0].original_currency, "EUR");

    qw_deal_state_init(&st, "crm:D1");
    p = fx_patch("crm:D1", 1);
    fx_status(&p, QW_DEAL_WON);
    fx_amount(&p, 123457, "JPY"); /* 123457 JPY * 0.0067 = 827.1619 USD -> 82716 cents */
    fx_owner(&p, "rep-a");
    fx_close(&p, 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.e[0].amount_minor, 82716);
}

Test(ingest_ledger_apply, unknown_currency_is_an_error)
{
    qw_deal_change_t p = fx_patch("crm:D1", 1);
    fx_status(&p, QW_DEAL_WON);
    fx_amount(&p, 1000, "GBP"); /* valid ISO code, not in the rate table */
    fx_owner(&p, "rep-a");
    fx_close(&p, 2026, 3, 15);
    int rc = qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err));
    cr_assert_eq(rc, QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_UNKNOWN_CURRENCY);
    cr_assert_str_eq(qw_ledger_err_name(out.err), "unknown_currency");
    cr_assert_eq(out.n, 0);
    cr_assert_eq(st.field_version[0], 0, "state untouched on error");
    cr_assert_eq(st.status, QW_DEAL_UNSPECIFIED);

    strcpy(p.currency, "XYZ");
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_UNKNOWN_CURRENCY);
}

Test(ingest_ledger_apply, bad_splits_are_errors)
{
    qw_deal_change_t p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    fx_split(&p, "rep-a", 6000);
    fx_split(&p, "rep-b", 3000);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_SPLITS);
    p.splits[1].basis_points = 4000;
    strcpy(p.splits[1].rep_id, "rep-a");
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_SPLITS);
    strcpy(p.splits[1].rep_id, "rep-b");
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 2);
}

/* Defence in depth: a patch that bypassed the adapters still cannot write an id with CR/LF. */
Test(ingest_ledger_apply, ids_breaking_the_id_rule_are_errors)
{
    qw_deal_change_t p =
        fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep\r\nX-Injected: yes", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_PATCH);
    cr_assert_eq(out.n, 0);
    p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    fx_split(&p, "rep-a", 5000);
    fx_split(&p, "rep-\x85", 5000);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_SPLITS);
}

Test(ingest_ledger_apply, duplicate_version_reemits_identically)
{
    qw_deal_change_t p = fx_full("crm:D1", 7, QW_DEAL_WON, 500000, "rep-a", 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.replay, 0);
    apply_ok(&p, &out2);
    cr_assert_eq(out2.replay, 1);
    cr_assert_eq(out2.n, 1);
    cr_assert(memcmp(&out.e[0], &out2.e[0], sizeof(qw_credit_t)) == 0, "byte-identical");
    cr_assert_eq(standing_of("rep-a"), 500000, "credited once");
}

Test(ingest_ledger_apply, stale_version_does_not_double)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 100000, "rep-a", 2026, 3, 15);
    qw_deal_change_t v2 = fx_full("crm:D1", 2, QW_DEAL_WON, 150000, "rep-a", 2026, 3, 15);
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].amount_minor, 150000);
    /* v1 is older than every field: a no-op, not another credit of 100000. */
    apply_ok(&v1, &out);
    cr_assert_eq(out.n, 0);
    cr_assert_eq(standing_of("rep-a"), 150000);
    cr_assert_eq(st.amount_minor, 150000);
}

static int64_t sum_rep(const qw_ledger_out_t *o, const char *rep)
{
    int64_t s = 0;
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->e[i].rep_id, rep) == 0) s += o->e[i].amount_minor;
    return s;
}

Test(ingest_ledger_apply, out_of_order_same_totals)
{
    qw_deal_change_t v[3] = {
        fx_full("crm:D1", 1, QW_DEAL_OPEN, 100000, "rep-a", 2026, 3, 15),
        fx_full("crm:D1", 2, QW_DEAL_WON, 120000, "rep-a", 2026, 3, 20),
        fx_full("crm:D1", 3, QW_DEAL_WON, 90000, "rep-b", 2026, 4, 2),
    };
    int64_t in_a = 0, in_b = 0, oo_a = 0, oo_b = 0;
    for (int i = 0; i < 3; i++) {
        apply_ok(&v[i], &out);
        in_a += sum_rep(&out, "rep-a");
        in_b += sum_rep(&out, "rep-b");
    }
    qw_deal_state_init(&st, "crm:D1");
    int order[3] = {2, 0, 1};
    for (int i = 0; i < 3; i++) {
        apply_ok(&v[order[i]], &out);
        oo_a += sum_rep(&out, "rep-a");
        oo_b += sum_rep(&out, "rep-b");
    }
    cr_assert_eq(in_a, 0);
    cr_assert_eq(in_b, 90000);
    cr_assert_eq(oo_a, in_a);
    cr_assert_eq(oo_b, in_b);
}

Test(ingest_ledger_apply, aborted_transaction_replay_reemits_v1)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 100000, "rep-a", 2026, 3, 15);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_amount(&v2, 130000, "USD");
    apply_ok(&v1, &out);
    cr_assert_eq(out.n, 1);
    apply_ok(&v2, &out2);
    cr_assert_eq(out2.n, 1);
    cr_assert_eq(out2.e[0].amount_minor, 30000);
    cr_assert_eq(out2.e[0].kind, QW_CREDIT_KIND_ADJUSTMENT);
    cr_assert_eq(out2.e[0].reason, QW_REASON_AMOUNT_CHANGED);
    /* v1's transaction aborted after v2 landed: its redelivery must give its credit again,
     * not be dropped as stale. */
    static qw_ledger_out_t again;
    apply_ok(&v1, &again);
    cr_assert_eq(again.replay, 1);
    cr_assert_eq(again.n, 1);
    cr_assert(memcmp(&again.e[0], &out.e[0], sizeof(qw_credit_t)) == 0);
    cr_assert_eq(standing_of("rep-a"), 130000, "state unchanged by the replay");
    cr_assert_eq(st.amount_minor, 130000);
}

static void won_then(qw_deal_status_t now, qw_credit_reason_t reason)
{
    qw_deal_state_init(&st, "crm:D1");
    qw_deal_change_t v1 = fx_full("crm:D1", 10, QW_DEAL_WON, 250000, "rep-a", 2026, 3, 15);
    apply_ok(&v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 11);
    fx_status(&v2, now);
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 1);
    const qw_credit_t *c = &out.e[0];
    cr_assert_str_eq(c->id, "crm:D1:11:rep-a");
    cr_assert_eq(c->kind, QW_CREDIT_KIND_CLAWBACK);
    cr_assert_eq(c->reason, reason, "reason %s", qw_credit_reason_name(c->reason));
    cr_assert_eq(c->amount_minor, -250000);
    cr_assert_eq(c->original_minor, -250000);
    cr_assert_eq(c->won_date, qw_date_from_ymd(2026, 3, 15));
    cr_assert_eq(c->close_date, qw_date_from_ymd(2026, 3, 15));
    cr_assert_eq(st.nstanding, 0);
}

Test(ingest_ledger_apply, reopened_lost_deleted_claw_back)
{
    won_then(QW_DEAL_OPEN, QW_REASON_REOPENED);
    won_then(QW_DEAL_LOST, QW_REASON_LOST);
    won_then(QW_DEAL_DELETED, QW_REASON_DELETED);
    cr_assert_str_eq(qw_credit_reason_name(QW_REASON_REOPENED), "reopened");
}

Test(ingest_ledger_apply, owner_change_moves_credit)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 80000, "rep-a", 2026, 3, 15);
    apply_ok(&v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_owner(&v2, "rep-b");
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 2);
    const qw_credit_t *a = fx_find(&out, "rep-a", QW_DATE_NONE);
    const qw_credit_t *b = fx_find(&out, "rep-b", QW_DATE_NONE);
    cr_assert(a && b);
    cr_assert_eq(a->amount_minor, -80000);
    cr_assert_eq(b->amount_minor, 80000);
    cr_assert_eq(a->kind, QW_CREDIT_KIND_ADJUSTMENT);
    cr_assert_eq(a->reason, QW_REASON_OWNER_CHANGED);
    cr_assert_eq(b->reason, QW_REASON_OWNER_CHANGED);
    cr_assert_eq(a->won_date, qw_date_from_ymd(2026, 3, 15));
    cr_assert_eq(b->won_date, QW_DATE_NONE);
    cr_assert_str_eq(a->id, "crm:D1:2:rep-a");
    cr_assert_str_eq(b->id, "crm:D1:2:rep-b");
}

Test(ingest_ledger_apply, close_date_move_across_month)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 80000, "rep-a", 2026, 3, 31);
    apply_ok(&v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_close(&v2, 2026, 4, 1);
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 2);
    const qw_credit_t *o = fx_find(&out, "rep-a", qw_date_from_ymd(2026, 3, 31));
    const qw_credit_t *n = fx_find(&out, "rep-a", qw_date_from_ymd(2026, 4, 1));
    cr_assert(o && n);
    cr_assert_eq(o->amount_minor, -80000);
    cr_assert_eq(n->amount_minor, 80000);
    cr_assert_eq(o->reason, QW_REASON_CLOSE_DATE_MOVED);
    cr_assert_eq(n->reason, QW_REASON_CLOSE_DATE_MOVED);
    cr_assert_str_eq(o->id, "crm:D1:2:rep-a:2026-03-31");
    cr_assert_str_eq(n->id, "crm:D1:2:rep-a:2026-04-01");
}

Test(ingest_ledger_apply, amount_change_emits_delta)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 80000, "rep-a", 2026, 3, 31);
    apply_ok(&v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_amount(&v2, 50000, "USD");
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].amount_minor, -30000);
    cr_assert_eq(out.e[0].original_minor, -30000);
    cr_assert_eq(out.e[0].reason, QW_REASON_AMOUNT_CHANGED);
    cr_assert_eq(out.e[0].won_date, qw_date_from_ymd(2026, 3, 31),
                 "a reduction names its won date");
    cr_assert_eq(standing_of("rep-a"), 50000);
    /* The same amount again under a new version: nothing moves. */
    qw_deal_change_t v3 = fx_patch("crm:D1", 3);
    fx_amount(&v3, 50000, "USD");
    apply_ok(&v3, &out);
    cr_assert_eq(out.n, 0);
}

Test(ingest_ledger_apply, splits_sum_exactly)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 100001, "rep-a", 2026, 3, 15);
    fx_split(&v1, "rep-b", 4000);
    fx_split(&v1, "rep-a", 6000);
    apply_ok(&v1, &out);
    cr_assert_eq(out.n, 2);
    const qw_credit_t *a = fx_find(&out, "rep-a", QW_DATE_NONE);
    const qw_credit_t *b = fx_find(&out, "rep-b", QW_DATE_NONE);
    cr_assert_eq(a->amount_minor + b->amount_minor, 100001);
    cr_assert_eq(a->amount_minor, 60001, "the remainder goes to the largest share");
    cr_assert_eq(b->amount_minor, 40000);

    /* Three equal-ish shares of an odd amount in a converted currency. */
    qw_deal_state_init(&st, "crm:D1");
    qw_deal_change_t v = fx_patch("crm:D1", 1);
    fx_status(&v, QW_DEAL_WON);
    fx_amount(&v, 1000001, "EUR");
    fx_close(&v, 2026, 3, 15);
    fx_split(&v, "r1", 3333);
    fx_split(&v, "r2", 3334);
    fx_split(&v, "r3", 3333);
    apply_ok(&v, &out);
    int64_t base = 0, orig = 0;
    for (int i = 0; i < out.n; i++) {
        base += out.e[i].amount_minor;
        orig += out.e[i].original_minor;
    }
    cr_assert_eq(orig, 1000001);
    cr_assert_eq(base, 1100001); /* 10000.01 EUR * 1.1 = 11000.011 -> 1100001 cents */
}

Test(ingest_ledger_apply, split_change_moves_shares)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 100000, "rep-a", 2026, 3, 15);
    fx_split(&v1, "rep-a", 6000);
    fx_split(&v1, "rep-b", 4000);
    apply_ok(&v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_split(&v2, "rep-a", 5000);
    fx_split(&v2, "rep-c", 5000);
    apply_ok(&v2, &out);
    cr_assert_eq(out.n, 3);
    cr_assert_eq(fx_find(&out, "rep-a", QW_DATE_NONE)->amount_minor, -10000);
    cr_assert_eq(fx_find(&out, "rep-b", QW_DATE_NONE)->amount_minor, -40000);
    cr_assert_eq(fx_find(&out, "rep-c", QW_DATE_NONE)->amount_minor, 50000);
    for (int i = 0; i < out.n; i++)
        cr_assert_eq(out.e[i].reason, QW_REASON_SPLIT_CHANGED);
}

Test(ingest_ledger_apply, per_field_patches_out_of_order_do_not_undo)
{
    /* HubSpot: one property per event. v5 sets amount, v6 sets it again, v4 (late) sets the
     * amount and v7 sets the stage... each field keeps its newest value. */
    qw_deal_change_t base = fx_full("crm:D1", 1, QW_DEAL_WON, 10000, "rep-a", 2026, 3, 15);
    apply_ok(&base, &out);
    qw_deal_change_t amt6 = fx_patch("crm:D1", 6);
    fx_amount(&amt6, 60000, "USD");
    qw_deal_change_t close5 = fx_patch("crm:D1", 5);
    fx_close(&close5, 2026, 3, 20);
    qw_deal_change_t amt4 = fx_patch("crm:D1", 4);
    fx_amount(&amt4, 40000, "USD");
    qw_deal_change_t own3 = fx_patch("crm:D1", 3);
    fx_owner(&own3, "rep-b");

    apply_ok(&amt6, &out);
    apply_ok(&close5, &out);
    apply_ok(&amt4, &out); /* older than the amount: kept out */
    cr_assert_eq(out.n, 0);
    apply_ok(&own3, &out); /* older than other fields, but the owner field is older still */
    cr_assert_eq(st.amount_minor, 60000);
    cr_assert_eq(st.close_date, qw_date_from_ymd(2026, 3, 20));
    cr_assert_str_eq(st.owner_id, "rep-b");
    cr_assert_eq(standing_of("rep-b"), 60000);
    cr_assert_eq(standing_of("rep-a"), 0);
}

Test(ingest_ledger_apply, same_version_sibling_patches_both_apply)
{
    /* Two property events with the same timestamp: both fields apply, ids do not collide. */
    qw_deal_change_t base = fx_full("crm:D1", 1, QW_DEAL_WON, 10000, "rep-a", 2026, 3, 15);
    apply_ok(&base, &out);
    qw_deal_change_t a = fx_patch("crm:D1", 9);
    fx_amount(&a, 20000, "USD");
    qw_deal_change_t c = fx_patch("crm:D1", 9);
    fx_close(&c, 2026, 5, 1);
    apply_ok(&a, &out);
    cr_assert_eq(out.n, 1);
    apply_ok(&c, &out2);
    cr_assert_eq(out2.n, 2);
    cr_assert_str_neq(out2.e[0].id, out.e[0].id);
    cr_assert_str_eq(out2.e[0].id, "crm:D1:9:rep-a:2026-03-15:f10");
    cr_assert_eq(standing_of("rep-a"), 20000);
    cr_assert_eq(st.close_date, qw_date_from_ymd(2026, 5, 1));
    /* Either one replayed re-emits its own entries. */
    static qw_ledger_out_t r;
    apply_ok(&c, &r);
    cr_assert_eq(r.replay, 1);
    cr_assert(memcmp(r.e, out2.e, sizeof(qw_credit_t) * 2) == 0);
    apply_ok(&a, &r);
    cr_assert(memcmp(r.e, out.e, sizeof(qw_credit_t)) == 0);
}

Test(ingest_ledger_apply, won_before_owner_known_credits_when_complete)
{
    qw_deal_change_t s = fx_patch("crm:D1", 2);
    fx_status(&s, QW_DEAL_WON);
    fx_amount(&s, 70000, "USD");
    fx_close(&s, 2026, 3, 15);
    apply_ok(&s, &out);
    cr_assert_eq(out.n, 0, "no rep to credit yet");
    qw_deal_change_t o = fx_patch("crm:D1", 1); /* the owner event arrives late and older */
    fx_owner(&o, "rep-a");
    apply_ok(&o, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].kind, QW_CREDIT_KIND_CREDIT);
    cr_assert_eq(out.e[0].reason, QW_REASON_WON);
    cr_assert_eq(out.e[0].amount_minor, 70000);
}

Test(ingest_ledger_apply, history_evicts_oldest_and_stays_bounded)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    apply_ok(&v1, &out);
    for (int v = 2; v <= 100; v++) {
        qw_deal_change_t p = fx_patch("crm:D1", v);
        fx_amount(&p, 1000 * v, "USD");
        apply_ok(&p, &out);
        cr_assert_eq(out.n, 1);
    }
    cr_assert_eq(st.nhist, QW_LEDGER_HIST_MAX);
    cr_assert_leq(st.hent_used, QW_LEDGER_HIST_ENTRIES);
    /* v90 is remembered and replays; v1 fell out of the window and is a per-field no-op. */
    qw_deal_change_t p90 = fx_patch("crm:D1", 90);
    fx_amount(&p90, 90000, "USD");
    apply_ok(&p90, &out);
    cr_assert_eq(out.replay, 1);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].amount_minor, 1000);
    apply_ok(&v1, &out);
    cr_assert_eq(out.n, 0);
    cr_assert_eq(standing_of("rep-a"), 100000);
}

Test(ingest_ledger_apply, patch_of_another_deal_is_refused)
{
    qw_deal_change_t p = fx_full("crm:D2", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_PATCH);
}

Test(ingest_ledger_apply, malformed_patches_are_refused)
{
    qw_deal_change_t p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    p.close_date = QW_DATE_NONE;
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_BAD_PATCH);
    p = fx_full("crm:D1", 0, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    p = fx_full("crm:D1", 1, QW_DEAL_WON, QW_MONEY_MAX_MINOR + 1, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    p = fx_full("crm:D1", 1, (qw_deal_status_t)9, 1000, "rep-a", 2026, 3, 15);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    memset(p.owner_id, 'x', sizeof(p.owner_id)); /* no NUL */
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &p, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(st.field_version[0], 0, "nothing applied");
}

/* docs/formats/crm-sources.md: an amount without QW_DC_CURRENCY was scaled by the source's
 * default currency; the ledger counts it in the deal's own currency. */
static qw_deal_change_t assumed_amount(int64_t version, int64_t minor, const char *default_cur)
{
    qw_deal_change_t p = fx_patch("crm:D1", version);
    p.present |= QW_DC_AMOUNT; /* no QW_DC_CURRENCY: the CRM did not name it */
    p.amount_minor = minor;
    strcpy(p.currency, default_cur);
    return p;
}

Test(ingest_ledger_apply, assumed_currency_amount_is_rescaled_to_the_deal_currency)
{
    qw_deal_change_t p = fx_patch("crm:D1", 1);
    fx_status(&p, QW_DEAL_WON);
    fx_amount(&p, 123457, "JPY"); /* 82716 USD cents, as in converts_to_base_currency */
    fx_owner(&p, "rep-a");
    fx_close(&p, 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.e[0].amount_minor, 82716);
    /* "51250" yen in a USD-default org: the adapter scaled it as 5125000 cents. */
    p = assumed_amount(2, 5125000, "USD");
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].kind, QW_CREDIT_KIND_ADJUSTMENT);
    cr_assert_eq(out.e[0].reason, QW_REASON_AMOUNT_CHANGED);
    cr_assert_str_eq(out.e[0].original_currency, "JPY");
    cr_assert_eq(out.e[0].original_minor, 51250 - 123457);
    /* 51250 JPY * 0.0067 = 343.375 USD -> 34338 cents (half away from zero) */
    cr_assert_eq(out.e[0].amount_minor, 34338 - 82716);
    cr_assert_eq(standing_of("rep-a"), 34338);
    cr_assert_str_eq(st.currency, "JPY", "the deal keeps its own currency");
}

Test(ingest_ledger_apply, assumed_currency_credits_until_the_crm_names_one)
{
    /* A single-currency org never names the currency: the assumed one is the deal's. */
    qw_deal_change_t p = assumed_amount(1, 100000, "USD");
    fx_status(&p, QW_DEAL_WON);
    fx_owner(&p, "rep-a");
    fx_close(&p, 2026, 3, 15);
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].amount_minor, 100000);
    cr_assert_str_eq(out.e[0].original_currency, "USD");
    /* Later the CRM names JPY: the 100000 "cents" were 1000 yen all along. */
    p = fx_patch("crm:D1", 2);
    p.present |= QW_DC_CURRENCY;
    strcpy(p.currency, "JPY");
    apply_ok(&p, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.e[0].reason, QW_REASON_CURRENCY_CHANGED);
    cr_assert_eq(out.e[0].amount_minor, 670 - 100000); /* 1000 JPY = 6.70 USD */
    cr_assert_eq(out.e[0].original_minor, 1000);
    cr_assert_str_eq(out.e[0].original_currency, "JPY");
    cr_assert_eq(standing_of("rep-a"), 670);
    /* A named amount in the deal's currency needs no rescaling; an assumed one in a currency
     * of the same exponent neither. */
    p = assumed_amount(3, 250000, "USD");
    apply_ok(&p, &out);
    cr_assert_eq(standing_of("rep-a"), 1675); /* 2500 JPY = 16.75 USD */
    qw_deal_state_init(&st, "crm:D1");
    p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    fx_amount(&p, 1000, "EUR");
    apply_ok(&p, &out);
    p = assumed_amount(2, 5125050, "USD");
    apply_ok(&p, &out);
    cr_assert_eq(out.e[0].original_minor, 5125050 - 1000);
    cr_assert_str_eq(out.e[0].original_currency, "EUR");
}

Test(ingest_ledger_apply, assumed_amount_applied_out_of_order_matches_in_order)
{
    /* The same three HubSpot-style events in both orders give the same standing. */
    qw_deal_change_t a = assumed_amount(3, 990000, "USD"); /* 9900 JPY */
    qw_deal_change_t c = fx_patch("crm:D1", 2);
    c.present |= QW_DC_CURRENCY;
    strcpy(c.currency, "JPY");
    qw_deal_change_t w = fx_patch("crm:D1", 1);
    fx_status(&w, QW_DEAL_WON);
    fx_owner(&w, "rep-a");
    fx_close(&w, 2026, 3, 15);
    apply_ok(&w, &out);
    apply_ok(&c, &out);
    apply_ok(&a, &out);
    int64_t in_order = standing_of("rep-a");
    cr_assert_eq(in_order, 6633); /* 9900 JPY * 0.0067 = 66.33 USD */
    qw_deal_state_init(&st, "crm:D1");
    apply_ok(&a, &out);
    apply_ok(&w, &out);
    apply_ok(&c, &out);
    cr_assert_eq(standing_of("rep-a"), in_order);
}

Test(ingest_ledger_apply, gap_is_refused_never_merged_as_empty)
{
    qw_deal_change_t p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 3, 15);
    apply_ok(&p, &out);
    static qw_deal_state_t before;
    before = st;
    qw_deal_change_t g = fx_patch("crm:D1", 5);
    g.flags = QW_DCF_GAP;
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &g, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_GAP);
    cr_assert_eq(out.n, 0);
    cr_assert_str_eq(qw_ledger_err_name(out.err), "gap_resync_needed");
    cr_assert(strstr(err, "resync"), "%s", err);
    cr_assert_eq(memcmp(&before, &st, sizeof(st)), 0, "state untouched");
    /* Also with fields present, and for "<source>:*" (every deal of the source). */
    fx_status(&g, QW_DEAL_LOST);
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &g, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_GAP);
    qw_deal_state_init(&st, "crm:*");
    g = fx_patch("crm:*", 7);
    g.flags = QW_DCF_GAP;
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, &g, &out, err, sizeof(err)), QW_ERR);
    cr_assert_eq(out.err, QW_LEDGER_E_GAP);
}
