/* libFuzzer target: qw_rep_state_decode on arbitrary bytes (the blob comes from Redis, which
 * anyone with access can write). Whatever the decoder accepts must be a state the evaluator can
 * live with: it re-encodes within QW_REP_STATE_BLOB_MAX and decodes to the same bytes again;
 * the shell's id-set floor (ids_floor, format 2) moves to the oldest period kept and the prune
 * group it asks for names exactly the periods kept; a credit derived from the input's last
 * bytes, applied by the engine, never trips ASan/UBSan and leaves a state that round-trips.
 * Seeds: tests/fixtures/rep_state/ (formats 1 and 2; see tests/unit/evaluator_engine_state.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "engine.h"
#include "quotawatch/date.h"

static qw_policy_t pol;
static qw_engine_t eng;
static qw_decision_t got[64];
static qw_decision_buf_t sink;
static qw_rep_state_t st, again;
static uint8_t enc[QW_REP_STATE_BLOB_MAX], enc2[QW_REP_STATE_BLOB_MAX];

static void check_round_trip(const qw_rep_state_t *s)
{
    char err[QW_ERRSTR_MAX];
    size_t n = qw_rep_state_encode(s, enc, sizeof(enc));
    if (n == 0) abort();
    if (qw_rep_state_decode(&again, enc, n, err, sizeof(err)) != QW_OK) abort();
    if (qw_rep_state_encode(&again, enc2, sizeof(enc2)) != n || memcmp(enc, enc2, n)) abort();
    if (strcmp(again.ids_floor, s->ids_floor) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        qw_policy_defaults(&pol);
        init = 1;
    }
    char err[QW_ERRSTR_MAX];
    if (qw_rep_state_decode(&st, data, size, err, sizeof(err)) != QW_OK) return 0;
    check_round_trip(&st);

    /* The shell's half of the exact de-duplication. */
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    char floor_before[QW_PERIOD_ID_MAX];
    memcpy(floor_before, st.ids_floor, sizeof(floor_before));
    int pushed = qw_dedup_prune(&a, 7, &st);
    if (st.nperiods == 0) {
        if (pushed || a.n || strcmp(st.ids_floor, floor_before)) abort();
    } else {
        if (strcmp(st.ids_floor, st.p[0].period) != 0) abort();
        if (pushed != (floor_before[0] && strcmp(floor_before, st.p[0].period) != 0)) abort();
        if (pushed && a.n != 2 + st.nperiods) abort();
        if (!pushed && a.n) abort();
    }
    qw_redis_args_free(&a);
    check_round_trip(&st);

    /* The engine on the decoded state: a credit in the input's last period (or its first). */
    sink = (qw_decision_buf_t){got, 64, 0, 0};
    qw_engine_init(&eng, &pol, qw_decision_buf_emit, &sink);
    qw_credit_t c;
    memset(&c, 0, sizeof(c));
    memcpy(c.id, "fz:1:r", 7);
    memcpy(c.deal_id, "fz", 3);
    uint8_t k = size ? data[size - 1] : 0;
    c.kind = (k & 3) == 1 ? QW_CREDIT_KIND_CLAWBACK : QW_CREDIT_KIND_CREDIT;
    c.amount_minor = ((int64_t)(int8_t)k) * 100000;
    memcpy(c.currency, "USD", 4);
    qw_period_t per;
    const char *pid = st.nperiods ? st.p[(k >> 2) % st.nperiods].period : "2026-11";
    if (qw_period_parse(pid, &per) != 0) abort();
    c.close_date = per.first_day;
    c.close_time_ms = QW_TIME_NONE;
    c.won_date = QW_DATE_NONE;
    c.event_time_ms = 0;
    qw_rep_profile_t prof;
    memset(&prof, 0, sizeof(prof));
    memcpy(prof.rep_id, st.rep_id, sizeof(prof.rep_id));
    prof.hire_date = QW_DATE_NONE;
    prof.active = 1;
    qw_engine_apply_credit(&eng, &prof, NULL, &st, &c, 0);
    check_round_trip(&st);
    return 0;
}
