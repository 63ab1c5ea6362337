/* libFuzzer target: a qw.credits.v1 record's value (anyone who can produce to the topic writes
 * one) through the evaluator's decoding, qw_credit_entry_from_pb, then the engine on a fresh
 * rep state. Whatever decodes must keep the id rule and bounds the shell relies on, and applying
 * it must never trip ASan/UBSan and must leave a state that encodes and decodes again.
 * Seeds: tests/fixtures/credit_entry/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "quotawatch/credit_entry.h"
#include "quotawatch/date.h"
#include "quotawatch/id.h"

static qw_policy_t pol;
static qw_engine_t eng;
static qw_decision_t got[64];
static qw_decision_buf_t sink;
static qw_rep_state_t st, again;
static uint8_t enc[QW_REP_STATE_BLOB_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        qw_policy_defaults(&pol);
        init = 1;
    }
    Quotawatch__V1__CreditEntry *ce = quotawatch__v1__credit_entry__unpack(NULL, size, data);
    if (!ce) return 0;
    qw_credit_t c;
    char err[QW_ERRSTR_MAX];
    int ok = qw_credit_entry_from_pb(ce, &c, err, sizeof(err)) == QW_OK && ce->rep_id &&
             qw_id_valid(ce->rep_id, strlen(ce->rep_id), NULL, 0) == QW_OK;
    if (ok) {
        if (!memchr(c.id, '\0', sizeof(c.id)) || !memchr(c.deal_id, '\0', sizeof(c.deal_id)))
            abort();
        qw_rep_state_init(&st, ce->rep_id);
        qw_rep_profile_t prof;
        memset(&prof, 0, sizeof(prof));
        memcpy(prof.rep_id, st.rep_id, sizeof(prof.rep_id));
        prof.hire_date = QW_DATE_NONE;
        prof.active = 1;
        sink = (qw_decision_buf_t){got, 64, 0, 0};
        qw_engine_init(&eng, &pol, qw_decision_buf_emit, &sink);
        qw_engine_apply_credit(&eng, &prof, NULL, &st, &c, 0);
        size_t n = qw_rep_state_encode(&st, enc, sizeof(enc));
        if (!n || qw_rep_state_decode(&again, enc, n, err, sizeof(err)) != QW_OK) abort();
    }
    quotawatch__v1__credit_entry__free_unpacked(ce, NULL);
    return 0;
}
