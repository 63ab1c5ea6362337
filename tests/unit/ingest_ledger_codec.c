/* Deal state serialisation for Redis, and the CreditEntry protobuf of a credit. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "quotawatch/credit_entry.h"
#include "ingest_ledger_fixture.h"

static qw_deal_state_t st, back;
static qw_ledger_out_t out, out2;
static char err[QW_ERRSTR_MAX];
static uint8_t buf[1 << 17], buf2[1 << 17];

static void setup(void)
{
    fx_setup();
    qw_deal_state_init(&st, "crm:D1");
}

TestSuite(ingest_ledger_codec, .init = setup);

static void apply_ok(qw_deal_state_t *s, const qw_deal_change_t *p, qw_ledger_out_t *o)
{
    cr_assert_eq(qw_ledger_apply(&fx_cfg, s, p, o, err, sizeof(err)), QW_OK, "%s", err);
}

/* A state with splits, history and a moved close date. */
static void build_state(void)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 100001, "rep-a", 2026, 3, 15);
    fx_split(&v1, "rep-a", 6000);
    fx_split(&v1, "rep-b", 4000);
    v1.present |= QW_DC_STAGE | QW_DC_DISCOUNT;
    strcpy(v1.stage, "closedwon");
    v1.discount_bp = 250;
    apply_ok(&st, &v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_close(&v2, 2026, 4, 2);
    apply_ok(&st, &v2, &out);
    qw_deal_change_t v3 = fx_patch("crm:D1", 3);
    fx_amount(&v3, 55555, "EUR");
    apply_ok(&st, &v3, &out);
}

Test(ingest_ledger_codec, round_trip)
{
    build_state();
    size_t n = qw_deal_state_encode(&st, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_leq(n, qw_deal_state_encoded_max());
    cr_assert_eq(buf[0], QW_DEAL_STATE_FORMAT);
    cr_assert_eq(qw_deal_state_decode(&back, buf, n, err, sizeof(err)), QW_OK, "%s", err);
    size_t n2 = qw_deal_state_encode(&back, buf2, sizeof(buf2));
    cr_assert_eq(n2, n);
    cr_assert(memcmp(buf, buf2, n) == 0);
    cr_assert_str_eq(back.deal_id, "crm:D1");
    cr_assert_str_eq(back.stage, "closedwon");
    cr_assert_eq(back.nstanding, 2);
    cr_assert_eq(back.nhist, 3);

    /* The decoded state behaves as the original: replays and new patches alike. */
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_close(&v2, 2026, 4, 2);
    apply_ok(&st, &v2, &out);
    apply_ok(&back, &v2, &out2);
    cr_assert_eq(out.n, 4);
    cr_assert_eq(out2.replay, 1);
    cr_assert(memcmp(out.e, out2.e, sizeof(qw_credit_t) * (size_t)out.n) == 0);
    qw_deal_change_t v4 = fx_patch("crm:D1", 4);
    fx_status(&v4, QW_DEAL_LOST);
    apply_ok(&st, &v4, &out);
    apply_ok(&back, &v4, &out2);
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out2.n, 2);
    cr_assert(memcmp(out.e, out2.e, sizeof(qw_credit_t) * 2) == 0);
}

Test(ingest_ledger_codec, fresh_state_round_trip)
{
    size_t n = qw_deal_state_encode(&st, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_deal_state_decode(&back, buf, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(back.close_date, QW_DATE_NONE);
    cr_assert_eq(back.nhist, 0);
}

Test(ingest_ledger_codec, largest_state_fits_the_bound)
{
    char rep[QW_ID_MAX];
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 999999999, "x", 2026, 3, 15);
    for (int i = 0; i < QW_SPLITS_MAX; i++) {
        memset(rep, 'a' + i, QW_ID_MAX - 1);
        rep[QW_ID_MAX - 1] = '\0';
        fx_split(&v1, rep, 625);
    }
    apply_ok(&st, &v1, &out);
    for (int v = 2; v < 60; v++) {
        qw_deal_change_t p = fx_patch("crm:D1", v);
        fx_close(&p, 2026, 1 + v % 12, 1);
        apply_ok(&st, &p, &out);
        cr_assert_eq(out.n, 2 * QW_SPLITS_MAX);
    }
    cr_assert_eq(st.hent_used, QW_LEDGER_HIST_ENTRIES);
    size_t max = qw_deal_state_encoded_max();
    size_t n = qw_deal_state_encode(&st, buf, max);
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_deal_state_encode(&st, buf, n - 1), 0, "too small a buffer is refused");
    cr_assert_eq(qw_deal_state_decode(&back, buf, n, err, sizeof(err)), QW_OK, "%s", err);
}

/* Bytes of a format-3 varint of a zigzagged value. */
static size_t vlen(int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
    size_t n = 1;
    while (z > 0x7f) {
        z >>= 7;
        n++;
    }
    return n;
}

static void rejects_garbage_in(int fmt)
{
    qw_deal_state_init(&st, "crm:D1");
    build_state();
    size_t n = qw_deal_state_encode_format(&st, fmt, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_deal_state_decode(&back, buf, 0, err, sizeof(err)), QW_ERR);
    uint8_t f = buf[0];
    buf[0] = 9;
    cr_assert_eq(qw_deal_state_decode(&back, buf, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "format"));
    buf[0] = f;
    /* Every truncation fails, and so does a trailing byte. */
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(qw_deal_state_decode(&back, buf, k, err, sizeof(err)), QW_ERR, "prefix %zu",
                     k);
    buf[n] = 0;
    cr_assert_eq(qw_deal_state_decode(&back, buf, n + 1, err, sizeof(err)), QW_ERR);
    /* A string length that runs past the end, and an impossible split count. */
    memcpy(buf2, buf, n);
    buf2[1] = 200;
    cr_assert_eq(qw_deal_state_decode(&back, buf2, n, err, sizeof(err)), QW_ERR);
    size_t head = 1 + 1 + strlen(st.deal_id) + 1 + 1 + 3 + 1 + strlen(st.amount_currency) + 1 +
                  strlen(st.owner_id);
    size_t nsplits_at =
        fmt >= 3 ? head + vlen(st.amount_minor) + vlen(st.close_date) + vlen(st.discount_bp)
                 : head + 8 + 4 + 4;
    cr_assert_eq(buf[nsplits_at], 2, "format %d", fmt);
    memcpy(buf2, buf, n);
    buf2[nsplits_at] = 200;
    cr_assert_eq(qw_deal_state_decode(&back, buf2, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "splits"), "%s", err);
    /* Random byte flips never crash (ASan watches) and never leave an invalid state. */
    srand(12345 + fmt);
    for (int t = 0; t < 5000; t++) {
        memcpy(buf2, buf, n);
        for (int k = 0; k < 1 + t % 4; k++)
            buf2[1 + (size_t)rand() % (n - 1)] = (uint8_t)rand();
        if (qw_deal_state_decode(&back, buf2, n, err, sizeof(err)) == QW_OK) {
            cr_assert_leq(back.nstanding, QW_SPLITS_MAX);
            cr_assert_leq(back.nhist, QW_LEDGER_HIST_MAX);
            cr_assert_leq(back.hent_used, QW_LEDGER_HIST_ENTRIES);
            /* A decoded state is safe to use. */
            qw_deal_change_t p = fx_patch(back.deal_id, 1000);
            fx_status(&p, QW_DEAL_OPEN);
            qw_ledger_apply(&fx_cfg, &back, &p, &out, err, sizeof(err));
        }
    }
    /* Pure noise. */
    for (int t = 0; t < 2000; t++) {
        size_t len = (size_t)rand() % 600;
        for (size_t i = 0; i < len; i++)
            buf2[i] = (uint8_t)rand();
        if (len) buf2[0] = (uint8_t)fmt;
        cr_assert_eq(qw_deal_state_decode(&back, buf2, len, err, sizeof(err)), QW_ERR);
    }
}

Test(ingest_ledger_codec, rejects_garbage)
{
    rejects_garbage_in(2);
    rejects_garbage_in(3);
}

/* Format 3 is the one encoding of a state: a padded or overlong varint, a rep id spelt out where
 * a reference would do, a reference to nothing and a newest version that is not exact are all
 * refused (the fuzzer asserts that what decodes re-encodes to the same bytes). */
Test(ingest_ledger_codec, format_3_is_canonical)
{
    build_state();
    size_t n = qw_deal_state_encode(&st, buf, sizeof(buf));
    size_t n2 = qw_deal_state_encode_format(&st, 2, buf2, sizeof(buf2));
    cr_assert_lt(n * 10, n2 * 6, "format 3 takes %zu bytes, format 2 %zu", n, n2);
    size_t at = 1 + 1 + strlen(st.deal_id) + 1; /* the amount's varint */
    size_t al = vlen(st.amount_minor);
    uint8_t *t = buf2;
    /* the amount padded with a zero continuation */
    memcpy(t, buf, at + al);
    t[at + al - 1] |= 0x80;
    t[at + al] = 0;
    memcpy(t + at + al + 1, buf + at + al, n - at - al);
    cr_assert_eq(qw_deal_state_decode(&back, t, n + 1, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "padded"), "%s", err);
    /* eleven continuation bytes */
    memcpy(t, buf, at);
    memset(t + at, 0xff, 11);
    memcpy(t + at + 11, buf + at + al, n - at - al);
    cr_assert_eq(qw_deal_state_decode(&back, t, n + 11 - al, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "overflow"), "%s", err);
    /* The first split is the owner rep-a: a reference to id 0. Spelt out it is refused, and a
     * reference to an id not yet written too. */
    size_t sp = 1 + 1 + strlen(st.deal_id) + 1 + al + 1 + 3 + 1 + strlen(st.amount_currency) + 1 +
                strlen(st.owner_id) + vlen(st.close_date) + vlen(st.discount_bp) + 1;
    cr_assert_eq(buf[sp], 0x80, "split 0 refers to the owner");
    memcpy(t, buf, sp);
    t[sp] = 5;
    memcpy(t + sp + 1, "rep-a", 5);
    memcpy(t + sp + 6, buf + sp + 1, n - sp - 1);
    cr_assert_eq(qw_deal_state_decode(&back, t, n + 5, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "referenced"), "%s", err);
    memcpy(t, buf, n);
    t[sp] = 0x85;
    cr_assert_eq(qw_deal_state_decode(&back, t, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "reference"), "%s", err);
}

/* A state saved in format 2 loads as the same state: it re-encodes to today's bytes. */
Test(ingest_ledger_codec, format_2_still_decodes)
{
    build_state();
    size_t n = qw_deal_state_encode(&st, buf, sizeof(buf));
    size_t n2 = qw_deal_state_encode_format(&st, 2, buf2, sizeof(buf2));
    cr_assert_eq(buf2[0], 2);
    cr_assert_eq(qw_deal_state_decode(&back, buf2, n2, err, sizeof(err)), QW_OK, "%s", err);
    static uint8_t again[1 << 17];
    cr_assert_eq(qw_deal_state_encode(&back, again, sizeof(again)), n);
    cr_assert_eq(memcmp(again, buf, n), 0);
    cr_assert_eq(qw_deal_state_encode_format(&st, 1, buf2, sizeof(buf2)), 0, "only 2 and 3");
}

Test(ingest_ledger_codec, credit_to_protobuf)
{
    qw_deal_change_t v1 = fx_full("crm:D1", 1, QW_DEAL_WON, 1000050, "rep-a", 2026, 3, 15);
    strcpy(v1.currency, "EUR");
    apply_ok(&st, &v1, &out);
    qw_deal_change_t v2 = fx_patch("crm:D1", 2);
    fx_status(&v2, QW_DEAL_LOST);
    apply_ok(&st, &v2, &out);
    size_t n = qw_credit_entry_pack(&out.e[0], buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_credit_entry_pack(&out.e[0], buf, 10), 0);
    Quotawatch__V1__CreditEntry *m = quotawatch__v1__credit_entry__unpack(NULL, n, buf);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->id, "crm:D1:2:rep-a");
    cr_assert_str_eq(m->deal_id, "crm:D1");
    cr_assert_eq(m->deal_version, 2);
    cr_assert_str_eq(m->rep_id, "rep-a");
    cr_assert_eq(m->kind, QUOTAWATCH__V1__CREDIT_KIND__CREDIT_KIND_CLAWBACK);
    cr_assert_eq(m->amount_minor, -1100055);
    cr_assert_str_eq(m->currency, "USD");
    cr_assert_not_null(m->original);
    cr_assert_eq(m->original->amount_minor, -1000050);
    cr_assert_str_eq(m->original->currency, "EUR");
    cr_assert_str_eq(m->close_date, "2026-03-15");
    cr_assert_str_eq(m->won_date, "2026-03-15");
    cr_assert_str_eq(m->reason, "lost");
    cr_assert_eq(m->event_time_ms, v2.event_time_ms);
    quotawatch__v1__credit_entry__free_unpacked(m, NULL);
}

/* States saved before format 2 (no amount_currency) still load, as "amount in the deal's own
 * units", which is what they meant. */
Test(ingest_ledger_codec, format_1_still_decodes)
{
    build_state();
    cr_assert_str_eq(st.amount_currency, "EUR");
    size_t n = qw_deal_state_encode_format(&st, 2, buf, sizeof(buf));
    size_t at = 1 + 1 + strlen(st.deal_id) + 1 + 8 + 1 + strlen(st.currency);
    cr_assert_eq(buf[at], 3);
    memcpy(buf2, buf, at);
    memcpy(buf2 + at, buf + at + 4, n - at - 4);
    buf2[0] = 1;
    cr_assert_eq(qw_deal_state_decode(&back, buf2, n - 4, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(back.amount_currency, "");
    st.amount_currency[0] = '\0';
    static uint8_t want[1 << 17], got[1 << 17];
    size_t nw = qw_deal_state_encode(&st, want, sizeof(want));
    cr_assert_eq(qw_deal_state_encode(&back, got, sizeof(got)), nw);
    cr_assert_eq(memcmp(want, got, nw), 0, "every other field as saved");
    /* A format-2 blob with an amount currency that is no ISO code is refused. */
    memcpy(buf2, buf, n);
    memcpy(buf2 + at + 1, "ZZZ", 3);
    cr_assert_eq(qw_deal_state_decode(&back, buf2, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "amount currency"), "%s", err);
}

/* Values the ledger could never have written would overflow it later (negating INT64_MIN,
 * printing a year past 9999): the decoder refuses them. Found by fuzz_ledger_state. */
Test(ingest_ledger_codec, refuses_values_the_ledger_cannot_hold)
{
    static const char *const what[] = {"standing out of range",
                                       "standing out of range",
                                       "close date out of range",
                                       "amount out of range",
                                       "bad entry",
                                       "entry amount out of range",
                                       "discount out of range"};
    for (int k = 0; k < 7; k++) {
        qw_deal_state_init(&st, "crm:D1");
        build_state();
        switch (k) {
        case 0:
            st.standing[0].base_minor = INT64_MIN;
            break;
        case 1:
            st.standing[1].close_date = 2932897;
            break;
        case 2:
            st.close_date = -25568;
            break;
        case 3:
            st.amount_minor = QW_MONEY_MAX_MINOR + 1;
            break;
        case 4:
            st.hent[st.hist[st.hist_head].first].won_date = INT32_MAX;
            break;
        case 5:
            st.hent[st.hist[st.hist_head].first].orig_minor = INT64_MAX;
            break;
        default:
            st.discount_bp = -1;
            break;
        }
        size_t n = qw_deal_state_encode(&st, buf, sizeof(buf));
        cr_assert_gt(n, 0);
        cr_assert_eq(qw_deal_state_decode(&back, buf, n, err, sizeof(err)), QW_ERR, "case %d", k);
        cr_assert(strstr(err, what[k]), "case %d: %s", k, err);
    }
}
