/* Deal ledger throughput: qw_ledger_apply (new versions and replays) and the state codec,
 * beside a baseline in the same run (a memcpy of the state, the least any Redis-backed step
 * must do). Prints patches/s and p50/p99 ns per operation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "quotawatch/date.h"

#define NDEALS   512
#define PER_DEAL 48
#define NOPS     (NDEALS * PER_DEAL)

static qw_deal_state_t *states;
static qw_deal_change_t *patches;
static uint32_t *lat;
static qw_ledger_out_t out;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, int n, uint64_t total_ns)
{
    qsort(lat, (size_t)n, sizeof(uint32_t), cmp_u32);
    printf("%-28s %10.0f ops/s  p50 %6u ns  p99 %6u ns\n", what, n / (total_ns / 1e9), lat[n / 2],
           lat[(int)(n * 0.99)]);
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* A realistic mix per deal: created open, edited, won, then amount/owner/date/split edits and
 * an occasional reopen. */
static void gen(void)
{
    static const char *reps[] = {"rep-0001", "rep-0002", "rep-0003", "rep-0004", "rep-0005"};
    for (int d = 0; d < NDEALS; d++) {
        for (int k = 0; k < PER_DEAL; k++) {
            qw_deal_change_t *p = &patches[k * NDEALS + d]; /* deals interleaved */
            memset(p, 0, sizeof(*p));
            snprintf(p->deal_id, sizeof(p->deal_id), "salesforce:006%012d", d);
            p->version = k + 1;
            p->event_time_ms = 1700000000000LL + k;
            uint32_t r = k == 0 ? 99 : rnd(10);
            if (k == 0 || r < 2) {
                p->present =
                    QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_OWNER | QW_DC_CLOSE_DATE;
                p->status = k == 0 ? QW_DEAL_OPEN : QW_DEAL_WON;
                p->amount_minor = 100000 + rnd(10000000);
                memcpy(p->currency, rnd(4) ? "USD" : "EUR", 4);
                strcpy(p->owner_id, reps[rnd(5)]);
                p->close_date = qw_date_from_ymd(2026, 1 + (int)rnd(12), 1 + (int)rnd(28));
            } else if (r < 4) {
                p->present = QW_DC_STATUS;
                p->status = rnd(5) ? QW_DEAL_WON : QW_DEAL_OPEN;
            } else if (r < 6) {
                p->present = QW_DC_AMOUNT | QW_DC_CURRENCY;
                p->amount_minor = 100000 + rnd(10000000);
                memcpy(p->currency, "USD", 4);
            } else if (r < 7) {
                p->present = QW_DC_OWNER;
                strcpy(p->owner_id, reps[rnd(5)]);
            } else if (r < 8) {
                p->present = QW_DC_CLOSE_DATE;
                p->close_date = qw_date_from_ymd(2026, 1 + (int)rnd(12), 1 + (int)rnd(28));
            } else if (r < 9) {
                p->present = QW_DC_SPLITS;
                p->nsplits = 2;
                strcpy(p->splits[0].rep_id, reps[rnd(5)]);
                strcpy(p->splits[1].rep_id, "rep-0009");
                p->splits[0].basis_points = 6000;
                p->splits[1].basis_points = 4000;
            } else {
                p->present = QW_DC_STAGE;
                strcpy(p->stage, "negotiation");
            }
        }
    }
}

int main(void)
{
    qw_rates_t rates = {.base = "USD"};
    qw_rates_set(&rates, "EUR", 1082500000);
    qw_ledger_cfg_t cfg = {.rates = &rates};
    char err[QW_ERRSTR_MAX];
    states = calloc(NDEALS, sizeof(*states));
    patches = calloc(NOPS, sizeof(*patches));
    lat = calloc(NOPS, sizeof(*lat));
    uint8_t *blob = malloc(qw_deal_state_encoded_max());
    static qw_deal_state_t scratch;
    if (!states || !patches || !lat || !blob) return 1;
    gen();
    printf("state %zu bytes in memory, encoded max %zu bytes; %d deals x %d patches\n",
           sizeof(qw_deal_state_t), qw_deal_state_encoded_max(), NDEALS, PER_DEAL);

    for (int d = 0; d < NDEALS; d++)
        qw_deal_state_init(&states[d], patches[d].deal_id);

    /* Baseline: copy one state (what load + save cost at the very least in memory). */
    uint64_t t0 = now_ns();
    for (int i = 0; i < NOPS; i++) {
        uint64_t a = now_ns();
        memcpy(&scratch, &states[i % NDEALS], sizeof(scratch));
        __asm__ volatile("" : : "r"(&scratch) : "memory");
        lat[i] = (uint32_t)(now_ns() - a);
    }
    report("baseline memcpy(state)", NOPS, now_ns() - t0);

    long entries = 0;
    t0 = now_ns();
    for (int i = 0; i < NOPS; i++) {
        uint64_t a = now_ns();
        if (qw_ledger_apply(&cfg, &states[i % NDEALS], &patches[i], &out, err, sizeof(err)) !=
            QW_OK) {
            fprintf(stderr, "apply: %s\n", err);
            return 1;
        }
        lat[i] = (uint32_t)(now_ns() - a);
        entries += out.n;
    }
    report("apply (new versions)", NOPS, now_ns() - t0);
    printf("%-28s %ld entries from %d patches\n", "", entries, NOPS);

    /* Replays: the last 32 versions of each deal again (after an aborted transaction). */
    int n = 0;
    t0 = now_ns();
    for (int i = NOPS - 32 * NDEALS; i < NOPS; i++, n++) {
        uint64_t a = now_ns();
        qw_ledger_apply(&cfg, &states[i % NDEALS], &patches[i], &out, err, sizeof(err));
        lat[n] = (uint32_t)(now_ns() - a);
    }
    report("apply (replays/duplicates)", n, now_ns() - t0);

    size_t bytes = 0;
    t0 = now_ns();
    for (int i = 0; i < NOPS; i++) {
        uint64_t a = now_ns();
        size_t len = qw_deal_state_encode(&states[i % NDEALS], blob, qw_deal_state_encoded_max());
        lat[i] = (uint32_t)(now_ns() - a);
        bytes += len;
    }
    report("encode", NOPS, now_ns() - t0);
    printf("%-28s mean %zu bytes per state\n", "", bytes / NOPS);

    size_t lens[NDEALS];
    uint8_t **blobs = calloc(NDEALS, sizeof(uint8_t *));
    for (int d = 0; d < NDEALS; d++) {
        blobs[d] = malloc(qw_deal_state_encoded_max());
        lens[d] = qw_deal_state_encode(&states[d], blobs[d], qw_deal_state_encoded_max());
    }
    t0 = now_ns();
    for (int i = 0; i < NOPS; i++) {
        uint64_t a = now_ns();
        if (qw_deal_state_decode(&scratch, blobs[i % NDEALS], lens[i % NDEALS], err, sizeof(err)) !=
            QW_OK) {
            fprintf(stderr, "decode: %s\n", err);
            return 1;
        }
        lat[i] = (uint32_t)(now_ns() - a);
    }
    report("decode", NOPS, now_ns() - t0);

    for (int d = 0; d < NDEALS; d++)
        free(blobs[d]);
    free(blobs);
    free(blob);
    free(states);
    free(patches);
    free(lat);
    return 0;
}
