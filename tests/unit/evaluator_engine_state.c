/* The per-rep state: its Redis blob encoding, and a bounded history that keeps its counts. */
#include <unistd.h>

#include "evaluator_engine_fixture.h"

TestSuite(evaluator_engine_state, .init = fx_setup, .fini = fx_teardown);

static fx_team_t t;
static uint8_t blob[QW_REP_STATE_BLOB_MAX];

static void some_history(void)
{
    fx_team(&t, 4, "2026-09", 100000);
    char period[8];
    for (int m = 9; m <= 11; m++) {
        snprintf(period, sizeof(period), "2026-%02d", m);
        fx_team_period(&t, period);
        char date[16];
        snprintf(date, sizeof(date), "%s-29", period);
        for (int i = 1; i < 4; i++)
            fx_credit_rep(&t, i, "x", 100000, date);
        fx_credit_rep(&t, 0, "y", 50000, date);
        fx_close(&t, period);
    }
}

Test(evaluator_engine_state, round_trip_is_exact)
{
    some_history();
    size_t n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    cr_assert_gt(n, 0);
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(memcmp(&back, &t.st[0], sizeof(back)), 0);
}

Test(evaluator_engine_state, a_full_state_fits_the_blob_limit)
{
    qw_rep_state_t s;
    memset(&s, 'x', sizeof(s));
    s.rep_id[QW_ID_MAX - 1] = '\0';
    s.nperiods = QW_ENGINE_PERIODS;
    for (int i = 0; i < QW_ENGINE_PERIODS; i++) {
        snprintf(s.p[i].period, sizeof(s.p[i].period), "2026-%02d", i + 1);
        s.p[i].quota_version[QW_VERSION_MAX - 1] = '\0';
        s.p[i].outcome = 1;
        s.p[i].flags = 0;
    }
    cr_assert_gt(qw_rep_state_encode(&s, blob, sizeof(blob)), 0);
    cr_assert_eq(qw_rep_state_encode(&s, blob, 100), 0, "too small a buffer is reported");
}

Test(evaluator_engine_state, garbage_truncation_and_corruption_are_errors)
{
    some_history();
    size_t n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    memset(&back, 0, sizeof(back));
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_eq(qw_rep_state_decode(&back, blob, cut, err, sizeof(err)), QW_ERR, "cut %zu",
                     cut);
    for (size_t i = 0; i < n; i++) {
        blob[i] ^= 0x20;
        cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_ERR, "byte %zu", i);
        blob[i] ^= 0x20;
    }
    cr_assert_eq(qw_rep_state_decode(&back, (const uint8_t *)"{\"json\":1}", 10, err, sizeof(err)),
                 QW_ERR);
    cr_assert_eq(back.nperiods, 0, "the target is untouched on error");
}

static void fix_checksum(uint8_t *b, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n - 4; i++)
        h = (h ^ b[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        b[n - 4 + i] = (uint8_t)(h >> (8 * i));
}

Test(evaluator_engine_state, another_format_version_is_refused)
{
    some_history();
    size_t n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    blob[4] = 3; /* format version; fix the checksum so only the version is wrong */
    fix_checksum(blob, n);
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "format 3") != NULL, "%s", err);
}

Test(evaluator_engine_state, ids_floor_round_trips_and_format_1_still_decodes)
{
    some_history();
    snprintf(t.st[0].ids_floor, sizeof(t.st[0].ids_floor), "2026-09");
    size_t n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(back.ids_floor, "2026-09");
    cr_assert_eq(memcmp(&back, &t.st[0], sizeof(back)), 0);

    /* A floor that is no period is refused. */
    snprintf(t.st[0].ids_floor, sizeof(t.st[0].ids_floor), "nope");
    n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "floor") != NULL, "%s", err);
}

Test(evaluator_engine_state, old_periods_are_evicted_without_losing_the_streak)
{
    fx_team(&t, 4, "2025-01", 100000);
    /* 13 months of misses for r1 but never reviewed: keep it simple with hits for others. */
    char period[8], date[16];
    for (int k = 0; k < 14; k++) {
        int y = 2025 + k / 12, m = k % 12 + 1;
        snprintf(period, sizeof(period), "%04d-%02d", y, m);
        snprintf(date, sizeof(date), "%s-10", period);
        fx_team_period(&t, period);
        for (int i = 1; i < 4; i++)
            fx_credit_rep(&t, i, "x", 100000, date);
        fx_credit_rep(&t, 0, "y", k < 12 ? 100000 : 10000, date);
        fx_close(&t, period);
    }
    cr_assert_eq(t.st[0].nperiods, QW_ENGINE_PERIODS);
    cr_assert_str_eq(t.st[0].p[0].period, "2025-03");
    cr_assert_eq(t.st[0].base_hit_streak, 2, "Jan and Feb live on as the base streak");
    cr_assert_eq(t.st[0].p[9].hit_streak, 12);
    cr_assert_eq(t.st[0].p[11].miss_streak, 2);
    /* A credit for an evicted period cannot be tracked: an error, not a silent loss. */
    qw_credit_t c = fx_credit("old", 100, "2025-01-15");
    cr_assert_eq(qw_engine_apply_credit(&eng, &t.prof[0], NULL, &t.st[0], &c, 0), QW_ERR);
    cr_assert(strstr(eng.errstr, "older") != NULL, "%s", eng.errstr);
}

Test(evaluator_engine_state, format_1_blobs_are_still_read)
{
    /* A state written before the late-data fields: one period, the new fields absent. */
    qw_rep_state_t s;
    qw_rep_state_init(&s, "r1");
    s.nperiods = 1;
    snprintf(s.p[0].period, sizeof(s.p[0].period), "2026-11");
    s.p[0].credited_minor = 1234;
    s.p[0].at_risk = 1;
    size_t n = qw_rep_state_encode(&s, blob, sizeof(blob));
    /* Format 2 adds a per-period tail and, after the periods, the ids floor (one length byte
     * when empty): drop both and the checksum, then mark the blob format 1. */
    size_t extra = 1 + 8 * QW_POLICY_CHECKPOINTS_MAX + 1;
    n -= 4 + extra;
    blob[4] = 1;
    fix_checksum(blob, n + 4);
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n + 4, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(memcmp(&back, &s, sizeof(back)), 0);
    cr_assert_str_eq(back.ids_floor, "");
}

/* The seed corpus of tests/fuzz/fuzz_rep_state.c, and golden blobs of both formats: a blob
 * written by an older build must keep decoding. Rewrite with QW_WRITE_SEEDS=1 after a
 * deliberate format change (format 1 files are never rewritten: they are the old build's). */
static void seed(const char *name, const qw_rep_state_t *s, int format)
{
    uint8_t b[QW_REP_STATE_BLOB_MAX];
    size_t n = qw_rep_state_encode(s, b, sizeof(b));
    cr_assert_gt(n, 0);
    qw_rep_state_t v1 = *s; /* what a format-1 blob of s decodes to: format 2's fields zero */
    memset(v1.ids_floor, 0, sizeof(v1.ids_floor));
    for (int i = 0; i < v1.nperiods; i++) {
        v1.p[i].at_risk_withdrawn = 0;
        memset(v1.p[i].cp_credited_minor, 0, sizeof(v1.p[i].cp_credited_minor));
    }
    if (format == 1) s = &v1;
    char path[512];
    snprintf(path, sizeof(path), "%s/rep_state/%s", QW_FIXTURES, name);
    if (getenv("QW_WRITE_SEEDS") && format == 2) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "%s", path);
        cr_assert_eq(fwrite(b, 1, n, f), n);
        fclose(f);
    }
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s (QW_WRITE_SEEDS=1 writes it)", path);
    uint8_t got_b[QW_REP_STATE_BLOB_MAX];
    size_t gn = fread(got_b, 1, sizeof(got_b), f);
    fclose(f);
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, got_b, gn, err, sizeof(err)), QW_OK, "%s: %s", name,
                 err);
    size_t rn = qw_rep_state_encode(&back, b, sizeof(b));
    uint8_t want[QW_REP_STATE_BLOB_MAX];
    cr_assert_eq(qw_rep_state_encode(s, want, sizeof(want)), rn, "%s", name);
    cr_assert_eq(memcmp(b, want, rn), 0, "%s decodes to the state it was written from", name);
}

Test(evaluator_engine_state, seed_blobs_decode)
{
    qw_rep_state_t fresh;
    qw_rep_state_init(&fresh, "rep-fresh");
    seed("fresh-v2.bin", &fresh, 2);
    some_history();
    seed("history-v1.bin", &t.st[0], 1);
    snprintf(t.st[0].ids_floor, sizeof(t.st[0].ids_floor), "%s", t.st[0].p[0].period);
    seed("history-v2.bin", &t.st[0], 2);
    snprintf(t.st[1].ids_floor, sizeof(t.st[1].ids_floor), "2026-01");
    seed("history-old-floor-v2.bin", &t.st[1], 2);
}
