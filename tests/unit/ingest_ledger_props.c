/* Property: any delivery order of a deal's patches, with duplicates and aborted transactions
 * (redelivered later), credits each rep and period exactly what in-order delivery does, once
 * the evaluator drops ids it has seen. */
#include <criterion/criterion.h>

#include "ingest_ledger_fixture.h"

#define NPATCH   24
#define NDELIVER (3 * NPATCH)
#define NSEEN    4096

static qw_deal_state_t st;
static qw_ledger_out_t out;
static char err[QW_ERRSTR_MAX];
static qw_deal_change_t patches[NPATCH];
static qw_credit_t seen[NSEEN];
static int nseen;

/* xorshift64*: deterministic across platforms. */
static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ULL) >> 33) % n;
}

static const char *reps[] = {"rep-a", "rep-b", "rep-c", "rep-d"};

static void gen_fields(qw_deal_change_t *p, uint32_t mask)
{
    if (mask & QW_DC_STATUS) {
        static const qw_deal_status_t s[] = {QW_DEAL_OPEN, QW_DEAL_WON, QW_DEAL_WON, QW_DEAL_LOST,
                                             QW_DEAL_DELETED};
        fx_status(p, s[rnd(5)]);
    }
    if (mask & QW_DC_AMOUNT) fx_amount(p, 1 + (int64_t)rnd(10000000), rnd(3) ? "USD" : "EUR");
    if (mask & QW_DC_OWNER) fx_owner(p, reps[rnd(4)]);
    if (mask & QW_DC_CLOSE_DATE) fx_close(p, 2026, 1 + (int)rnd(4), 1 + (int)rnd(28));
    if (mask & QW_DC_SPLITS) {
        p->present |= QW_DC_SPLITS;
        if (rnd(2)) {
            int a = (int)rnd(4), b = (a + 1 + (int)rnd(3)) % 4;
            int32_t bp = 1 + (int32_t)rnd(9999);
            fx_split(p, reps[a], bp);
            fx_split(p, reps[b], 10000 - bp);
        }
    }
    if (mask & QW_DC_DISCOUNT) {
        p->present |= QW_DC_DISCOUNT;
        p->discount_bp = (int32_t)rnd(3000);
    }
}

static void gen_patches(void)
{
    static const uint32_t fields[] = {QW_DC_STATUS,     QW_DC_AMOUNT, QW_DC_OWNER,
                                      QW_DC_CLOSE_DATE, QW_DC_SPLITS, QW_DC_DISCOUNT};
    int64_t version = 0;
    uint32_t prev_mask = 0;
    for (int i = 0; i < NPATCH; i++) {
        /* A third of the patches share the previous one's version with other fields, as
         * HubSpot's property events of one update do. */
        int sibling = i > 0 && rnd(3) == 0 && prev_mask != 0x7f;
        if (!sibling) {
            version += 1 + rnd(5);
            prev_mask = 0;
        }
        uint32_t mask = 0;
        if (i == 0) {
            mask = QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_OWNER | QW_DC_CLOSE_DATE;
        } else if (rnd(4) == 0 && !sibling) {
            mask = QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_OWNER | QW_DC_CLOSE_DATE | QW_DC_SPLITS;
        } else {
            int k = 1 + (int)rnd(2);
            for (int j = 0; j < k; j++)
                mask |= fields[rnd(6)];
        }
        mask &= ~prev_mask;
        if (mask == 0) mask = QW_DC_DISCOUNT & ~prev_mask ? QW_DC_DISCOUNT : QW_DC_STAGE;
        prev_mask |= mask | QW_DC_CURRENCY;
        patches[i] = fx_patch("crm:P", version);
        gen_fields(&patches[i], mask);
        if (mask & QW_DC_STAGE) {
            patches[i].present |= QW_DC_STAGE;
            strcpy(patches[i].stage, "s");
        }
    }
}

/* The evaluator's view: apply each id once; a repeated id must carry identical bytes. */
static void take(const qw_ledger_out_t *o)
{
    for (int i = 0; i < o->n; i++) {
        int dup = 0;
        for (int j = 0; j < nseen; j++) {
            if (strcmp(seen[j].id, o->e[i].id) == 0) {
                cr_assert(memcmp(&seen[j], &o->e[i], sizeof(qw_credit_t)) == 0,
                          "id %s re-emitted with other content", o->e[i].id);
                dup = 1;
                break;
            }
        }
        if (!dup) {
            cr_assert_lt(nseen, NSEEN);
            seen[nseen++] = o->e[i];
        }
    }
}

typedef struct {
    char rep[QW_ID_MAX];
    int32_t date;
    int64_t sum;
} total_t;

static int totals(total_t *t)
{
    int n = 0;
    for (int i = 0; i < nseen; i++) {
        int k = 0;
        while (k < n && !(strcmp(t[k].rep, seen[i].rep_id) == 0 && t[k].date == seen[i].close_date))
            k++;
        if (k == n) {
            strcpy(t[n].rep, seen[i].rep_id);
            t[n].date = seen[i].close_date;
            t[n++].sum = 0;
        }
        t[k].sum += seen[i].amount_minor;
    }
    return n;
}

static int64_t total_of(const total_t *t, int n, const char *rep, int32_t date)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].rep, rep) == 0 && t[i].date == date) return t[i].sum;
    return 0;
}

/* Deliver in `order`. With `aborts`, a delivery's transaction sometimes aborts after the
 * state was saved: its entries never reach the evaluator and the patch comes again later. */
static void apply_all(const int *order, int n, int aborts)
{
    static int queue[4 * NDELIVER];
    int len = n;
    memcpy(queue, order, sizeof(int) * (size_t)n);
    qw_deal_state_init(&st, "crm:P");
    nseen = 0;
    for (int i = 0; i < len; i++) {
        int rc = qw_ledger_apply(&fx_cfg, &st, &patches[queue[i]], &out, err, sizeof(err));
        cr_assert_eq(rc, QW_OK, "%s", err);
        if (aborts && len < 4 * NDELIVER && rnd(5) == 0) {
            int at = i + 1 + (int)rnd((uint32_t)(len - i));
            memmove(&queue[at + 1], &queue[at], sizeof(int) * (size_t)(len - at));
            queue[at] = queue[i];
            len++;
            continue;
        }
        take(&out);
    }
}

Test(ingest_ledger_props, any_order_with_duplicates_credits_the_same)
{
    fx_setup();
    static total_t ref[64], got[64];
    static qw_deal_state_t final_ref;
    int order[NDELIVER];
    for (int seed = 1; seed <= 300; seed++) {
        rng = 0x9E3779B97F4A7C15ULL * (uint64_t)seed;
        gen_patches();
        for (int i = 0; i < NPATCH; i++)
            order[i] = i;
        apply_all(order, NPATCH, 0);
        int nref = totals(ref);
        final_ref = st;
        /* Credited totals equal what stands at the end (nothing lost, nothing doubled). */
        for (int i = 0; i < nref; i++) {
            int64_t standing = 0;
            for (int j = 0; j < st.nstanding; j++)
                if (strcmp(st.standing[j].rep_id, ref[i].rep) == 0 &&
                    st.standing[j].close_date == ref[i].date)
                    standing = st.standing[j].base_minor;
            cr_assert_eq(ref[i].sum, standing, "seed %d %s", seed, ref[i].rep);
        }
        for (int round = 0; round < 4; round++) {
            /* Shuffle and sprinkle duplicates (replays) anywhere after the first delivery. */
            int n = NPATCH;
            for (int i = 0; i < NPATCH; i++)
                order[i] = i;
            for (int i = NPATCH - 1; i > 0; i--) {
                int j = (int)rnd((uint32_t)i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int extra = (int)rnd(NPATCH);
            for (int k = 0; k < extra; k++) {
                int at = 1 + (int)rnd((uint32_t)n);
                int pick = order[rnd((uint32_t)at)];
                memmove(&order[at + 1], &order[at], sizeof(int) * (size_t)(n - at));
                order[at] = pick;
                n++;
            }
            apply_all(order, n, round >= 2);
            int ngot = totals(got);
            for (int i = 0; i < nref; i++)
                cr_assert_eq(total_of(got, ngot, ref[i].rep, ref[i].date), ref[i].sum,
                             "seed %d round %d: %s", seed, round, ref[i].rep);
            for (int i = 0; i < ngot; i++)
                cr_assert_eq(total_of(ref, nref, got[i].rep, got[i].date), got[i].sum,
                             "seed %d round %d: %s", seed, round, got[i].rep);
            cr_assert_eq(st.status, final_ref.status, "seed %d", seed);
            cr_assert_eq(st.amount_minor, final_ref.amount_minor);
            cr_assert_str_eq(st.owner_id, final_ref.owner_id);
            cr_assert_eq(st.close_date, final_ref.close_date);
            cr_assert_eq(st.nsplits, final_ref.nsplits);
        }
    }
}
