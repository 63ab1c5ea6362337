/* The per-rep state: its Redis blob encoding, and a bounded history that keeps its counts. */
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

Test(evaluator_engine_state, another_format_version_is_refused)
{
    some_history();
    size_t n = qw_rep_state_encode(&t.st[0], blob, sizeof(blob));
    blob[4] = 3; /* format version; fix the checksum so only the version is wrong */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n - 4; i++)
        h = (h ^ blob[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        blob[n - 4 + i] = (uint8_t)(h >> (8 * i));
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "format 3") != NULL, "%s", err);
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
    qw_credit_in_t c = fx_credit("old", 100, "2025-01-15");
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
    size_t extra = 1 + 8 * QW_POLICY_CHECKPOINTS_MAX; /* format 2's per-period tail */
    n -= 4 + extra;                                   /* drop the tail and the checksum */
    blob[4] = 1;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ blob[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        blob[n + (size_t)i] = (uint8_t)(h >> (8 * i));
    qw_rep_state_t back;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_rep_state_decode(&back, blob, n + 4, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(memcmp(&back, &s, sizeof(back)), 0);
}
