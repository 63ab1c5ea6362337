/* libFuzzer target: qw_deal_state_decode on arbitrary bytes (the blob comes from Redis, which
 * anyone with access can write). Whatever the decoder accepts must be a state the rest of the
 * ledger can live with: it re-encodes within qw_deal_state_encoded_max(), a format-3 blob
 * re-encodes to exactly its own bytes, and replaying its history and applying new patches to it
 * neither crashes nor trips ASan/UBSan, and leaves a state that encodes and decodes again.
 * Seeds: tests/fixtures/ledger_state/ (see tests/unit/ingest_ledger_seeds.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "quotawatch/date.h"

static qw_rates_t rates;
static qw_ledger_cfg_t cfg;
static qw_deal_state_t st, again;
static qw_ledger_out_t out;
static uint8_t enc[1 << 17], enc2[1 << 17];

static void check_encodes(const qw_deal_state_t *s)
{
    char err[QW_ERRSTR_MAX];
    size_t n = qw_deal_state_encode(s, enc, sizeof(enc));
    if (n == 0 || n > qw_deal_state_encoded_max()) abort();
    if (qw_deal_state_decode(&again, enc, n, err, sizeof(err)) != QW_OK) abort();
    if (qw_deal_state_encode(&again, enc2, sizeof(enc2)) != n || memcmp(enc, enc2, n)) abort();
}

static void apply(qw_deal_change_t *p)
{
    char err[QW_ERRSTR_MAX];
    memcpy(p->deal_id, st.deal_id, sizeof(p->deal_id));
    if (qw_ledger_apply(&cfg, &st, p, &out, err, sizeof(err)) == QW_OK) {
        if (out.n < 0 || out.n > QW_LEDGER_OUT_MAX) abort();
        for (int i = 0; i < out.n; i++)
            if (!memchr(out.e[i].id, '\0', sizeof(out.e[i].id))) abort();
    } else if (out.err == QW_LEDGER_E_NONE || out.n != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg.rates) {
        memcpy(rates.base, "EUR", 4);
        qw_rates_set(&rates, "USD", 920000000);
        qw_rates_set(&rates, "JPY", 6100000);
        cfg.rates = &rates;
    }
    char err[QW_ERRSTR_MAX];
    if (qw_deal_state_decode(&st, data, size, err, sizeof(err)) != QW_OK) return 0;
    check_encodes(&st);
    if (data[0] == QW_DEAL_STATE_FORMAT &&
        (qw_deal_state_encode(&st, enc, sizeof(enc)) != size || memcmp(enc, data, size)))
        abort(); /* one encoding per state: the decoder accepted something non-canonical */

    /* Replays of every remembered version, then new patches on top of the stored state. */
    int nhist = st.nhist;
    int64_t versions[QW_LEDGER_HIST_MAX];
    uint32_t present[QW_LEDGER_HIST_MAX];
    for (int i = 0; i < nhist; i++) {
        versions[i] = st.hist[(st.hist_head + i) % QW_LEDGER_HIST_MAX].version;
        present[i] = st.hist[(st.hist_head + i) % QW_LEDGER_HIST_MAX].present;
    }
    qw_deal_change_t p;
    for (int i = 0; i < nhist; i++) {
        memset(&p, 0, sizeof(p));
        p.version = versions[i];
        p.present = present[i];
        apply(&p);
    }
    int64_t v = 1;
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if (st.field_version[i] >= v)
            /* a field version of INT64_MAX: nothing newer exists (and +1 would overflow) */
            v = st.field_version[i] == INT64_MAX ? INT64_MAX : st.field_version[i] + 1;
    static const qw_deal_status_t statuses[] = {QW_DEAL_WON, QW_DEAL_OPEN, QW_DEAL_WON,
                                                QW_DEAL_LOST};
    for (int k = 0; k < 4; k++) {
        memset(&p, 0, sizeof(p));
        p.version = v;
        p.present = QW_DC_STATUS | QW_DC_CLOSE_DATE;
        p.status = statuses[k];
        p.close_date = qw_date_from_ymd(2026, 3 + k, 15);
        if (k == 0) {
            p.present |= QW_DC_AMOUNT; /* an assumed-currency amount: rescaled to the deal's */
            p.amount_minor = 123456;
            memcpy(p.currency, "USD", 4);
            p.present |= QW_DC_OWNER;
            memcpy(p.owner_id, "rep-fuzz", 9);
        }
        apply(&p);
        if (v < INT64_MAX) v++;
    }
    check_encodes(&st);
    return 0;
}
