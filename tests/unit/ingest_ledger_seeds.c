/* Golden deal-state blobs in tests/fixtures/ledger_state/: the seed corpus of
 * tests/fuzz/fuzz_ledger_state.c and a guard of the stored format. Each file must equal the
 * encoding of the state built here, byte for byte, and decode; format2_*.bin and format1_*.bin
 * (the formats before) must still decode, format 2 to the very same state. After a deliberate
 * change of the ledger or the format, rewrite them with QW_WRITE_SEEDS=1 ./test_ingest_ledger_seeds
 * and review the diff. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest_ledger_fixture.h"

static qw_deal_state_t st, back;
static qw_ledger_out_t out;
static char err[QW_ERRSTR_MAX];
static uint8_t buf[1 << 17], file[1 << 17];

static void apply_ok(const qw_deal_change_t *p)
{
    cr_assert_eq(qw_ledger_apply(&fx_cfg, &st, p, &out, err, sizeof(err)), QW_OK, "%s", err);
}

/* Builds seed number k into st; returns its name, or NULL past the last. */
static const char *build(int k)
{
    fx_setup();
    qw_deal_state_init(&st, "crm:D1");
    qw_deal_change_t p;
    switch (k) {
    case 0: /* a deal never seen */
        return "fresh";
    case 1: /* won, split 60/40, discount, stage, then the close date moved a month */
        p = fx_full("crm:D1", 1, QW_DEAL_WON, 100001, "rep-a", 2026, 3, 15);
        fx_split(&p, "rep-a", 6000);
        fx_split(&p, "rep-b", 4000);
        p.present |= QW_DC_STAGE | QW_DC_PIPELINE | QW_DC_DISCOUNT;
        strcpy(p.stage, "closedwon");
        strcpy(p.pipeline, "default");
        p.discount_bp = 250;
        apply_ok(&p);
        p = fx_patch("crm:D1", 2);
        fx_close(&p, 2026, 4, 2);
        apply_ok(&p);
        return "won_split_moved";
    case 2: /* won in EUR, then lost: a clawback with won_date */
        p = fx_full("crm:D1", 10, QW_DEAL_WON, 5000, "rep-a", 2026, 1, 31);
        fx_amount(&p, 5000, "EUR");
        apply_ok(&p);
        p = fx_patch("crm:D1", 11);
        fx_status(&p, QW_DEAL_LOST);
        apply_ok(&p);
        return "won_then_lost";
    case 3: /* an amount in an assumed currency on a JPY deal, and same-version siblings */
        p = fx_full("crm:D1", 5, QW_DEAL_WON, 123457, "rep-a", 2026, 6, 1);
        fx_amount(&p, 123457, "JPY");
        apply_ok(&p);
        p = fx_patch("crm:D1", 6);
        p.present = QW_DC_AMOUNT;
        p.amount_minor = 5125000;
        strcpy(p.currency, "USD");
        apply_ok(&p);
        p = fx_patch("crm:D1", 6);
        fx_owner(&p, "rep-b");
        apply_ok(&p);
        return "assumed_currency_siblings";
    case 4: /* a full history ring: 40 amount changes, the oldest evicted */
        p = fx_full("crm:D1", 1, QW_DEAL_WON, 1000, "rep-a", 2026, 2, 1);
        apply_ok(&p);
        for (int v = 2; v <= 41; v++) {
            p = fx_patch("crm:D1", v);
            fx_amount(&p, 1000 + v, "USD");
            apply_ok(&p);
        }
        cr_assert_eq(st.nhist, QW_LEDGER_HIST_MAX);
        return "history_full";
    default:
        return NULL;
    }
}

static size_t slurp(const char *path, uint8_t *dst, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "missing seed %s (write them with QW_WRITE_SEEDS=1)", path);
    size_t n = fread(dst, 1, cap, f);
    fclose(f);
    return n;
}

static void spit(const char *path, const uint8_t *src, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(src, 1, n, f), n);
    fclose(f);
}

/* The seed must equal `want` byte for byte (rewritten first under QW_WRITE_SEEDS) and decode. */
static void check_seed(const char *path, const uint8_t *want, size_t n, int write)
{
    if (write) spit(path, want, n);
    size_t fn = slurp(path, file, sizeof(file));
    cr_assert(fn == n && memcmp(file, want, n) == 0,
              "%s differs from the state built here: the stored format or the ledger changed (a "
              "format change needs a new format byte)",
              path);
    cr_assert_eq(qw_deal_state_decode(&back, file, fn, err, sizeof(err)), QW_OK, "%s: %s", path,
                 err);
}

Test(ingest_ledger_seeds, golden_states_match_and_decode)
{
    int write = getenv("QW_WRITE_SEEDS") != NULL;
    static uint8_t now[1 << 17], again[1 << 17];
    const char *name;
    for (int k = 0; (name = build(k)) != NULL; k++) {
        char path[512];
        size_t nn = qw_deal_state_encode(&st, now, sizeof(now));
        cr_assert_gt(nn, 0);
        snprintf(path, sizeof(path), "%s/ledger_state/%s.bin", QW_FIXTURES, name);
        check_seed(path, now, nn, write);

        /* The same state as format 2 wrote it: it loads as the same state. */
        size_t n = qw_deal_state_encode_format(&st, 2, buf, sizeof(buf));
        cr_assert_gt(n, 0);
        snprintf(path, sizeof(path), "%s/ledger_state/format2_%s.bin", QW_FIXTURES, name);
        check_seed(path, buf, n, write);
        cr_assert_eq(qw_deal_state_encode(&back, again, sizeof(again)), nn, "%s", path);
        cr_assert_eq(memcmp(again, now, nn), 0, "%s", path);

        /* As format 1 wrote it (no amount_currency; only meaningful when the amount is in the
         * deal's own currency). */
        if (strcmp(st.amount_currency, st.currency) != 0) continue;
        size_t at = 1 + 1 + strlen(st.deal_id) + 1 + 8 + 1 + strlen(st.currency);
        size_t drop = 1 + strlen(st.amount_currency);
        uint8_t *f1 = again;
        memcpy(f1, buf, at);
        memcpy(f1 + at, buf + at + drop, n - at - drop);
        f1[0] = 1;
        snprintf(path, sizeof(path), "%s/ledger_state/format1_%s.bin", QW_FIXTURES, name);
        check_seed(path, f1, n - drop, write);
        cr_assert_str_eq(back.amount_currency, "");
        cr_assert_eq(back.nstanding, st.nstanding);
        cr_assert_eq(back.nhist, st.nhist);
    }
}
