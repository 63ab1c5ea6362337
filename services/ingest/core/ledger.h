/* The deal ledger's pure core: merge a patch into a deal's full state and emit the credit
 * entries that the change implies. No I/O, no clock, no allocation. See docs/ledger.md. */
#ifndef QW_LEDGER_H
#define QW_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"
#include "quotawatch/credit.h"
#include "quotawatch/deal.h"
#include "quotawatch/rates.h"

/* A credited rep can appear with one close date before and another after: at most two entries
 * per rep, and at most QW_SPLITS_MAX reps on each side. */
#define QW_LEDGER_OUT_MAX (4 * QW_SPLITS_MAX)
/* Applied versions remembered per deal, and entries remembered over all of them. */
#define QW_LEDGER_HIST_MAX     32
#define QW_LEDGER_HIST_ENTRIES (2 * QW_LEDGER_OUT_MAX)

/* Why a patch was refused; the name is the DLQ reason. */
typedef enum {
    QW_LEDGER_E_NONE = 0,
    QW_LEDGER_E_UNKNOWN_CURRENCY,
    QW_LEDGER_E_BAD_SPLITS,
    QW_LEDGER_E_BAD_PATCH,
    QW_LEDGER_E_OVERFLOW,
    QW_LEDGER_E_CORRUPT_STATE, /* the stored state of the deal does not decode (store) */
    /* A gap (QW_DCF_GAP): the CRM lost track of the deal, which must be re-read from the CRM.
     * Refused rather than merged as an empty patch, so the message reaches the DLQ as the
     * resync request (docs/ledger.md, "Gaps"). */
    QW_LEDGER_E_GAP,
    QW_LEDGER_E_COUNT_
} qw_ledger_err_t;

/* qw_credit_t, the entries the ledger emits, and its reason names: quotawatch/credit.h. */

/* What stands credited to one rep for this deal right now. */
typedef struct qw_standing_s {
    char rep_id[QW_ID_MAX];
    int32_t close_date;
    int32_t basis_points;
    int64_t base_minor;
    int64_t orig_minor;
} qw_standing_t;

/* An entry as remembered in the history ring: enough to re-emit it byte for byte. */
typedef struct qw_hist_entry_s {
    char rep_id[QW_ID_MAX];
    int64_t base_minor;
    int64_t orig_minor;
    char orig_currency[4];
    int32_t close_date;
    int32_t won_date;
    int32_t discount_bp;
    uint8_t kind;
    uint8_t reason;
    uint8_t date_suffix; /* id carries ":<close_date>" */
} qw_hist_entry_t;

/* One applied version: its entries are hist_entries[first .. first+n) modulo the pool. */
typedef struct qw_hist_rec_s {
    int64_t version;
    int64_t event_time_ms;
    uint32_t present; /* the patch's fields: a same-version patch with other fields is new */
    uint16_t sibling; /* k-th distinct patch seen with this version (ids get ":s<k>") */
    uint16_t first;
    uint16_t n;
} qw_hist_rec_t;

typedef struct qw_deal_state_s {
    char deal_id[QW_ID_MAX];
    /* Merged fields. */
    qw_deal_status_t status;
    int64_t amount_minor;
    char currency[4]; /* "" until known */
    /* The currency whose minor units amount_minor counts: the one the adapter scaled by (the
     * source's default when the CRM named none). The amount is rescaled to the deal currency's
     * exponent when they differ; the deal's currency is this one until the CRM names one.
     * "" = the deal currency's own units (states of format 1). */
    char amount_currency[4];
    char owner_id[QW_ID_MAX];
    int32_t close_date; /* QW_DATE_NONE until known */
    int32_t discount_bp;
    int nsplits;
    qw_split_t splits[QW_SPLITS_MAX];
    char stage[QW_STAGE_MAX];
    char pipeline[QW_STAGE_MAX];
    int64_t field_version[QW_DC_NFIELDS]; /* last applied version per QW_DC_* bit; 0 = never */
    /* Credit standing now (empty when the deal is not credited). */
    int nstanding;
    qw_standing_t standing[QW_SPLITS_MAX];
    /* History ring of applied versions (oldest first from hist_head) and their entries. */
    int nhist;
    int hist_head;
    qw_hist_rec_t hist[QW_LEDGER_HIST_MAX];
    uint16_t hent_head; /* oldest used slot of the entry pool */
    uint16_t hent_used;
    qw_hist_entry_t hent[QW_LEDGER_HIST_ENTRIES];
} qw_deal_state_t;

typedef struct qw_ledger_cfg_s {
    const qw_rates_t *rates; /* base currency and rate table of the policy */
} qw_ledger_cfg_t;

typedef struct qw_ledger_out_s {
    int n;
    int replay;          /* 1: the version was already applied, entries re-emitted */
    int changed;         /* 1: the state changed (it needs saving) */
    qw_ledger_err_t err; /* set when qw_ledger_apply returns QW_ERR */
    qw_credit_t e[QW_LEDGER_OUT_MAX];
} qw_ledger_out_t;

/* Empty every field and the history, without touching the ~25 KB of unused history slots
 * (each slot is written whole when it is taken): a batch clears one state per deal. */
void qw_deal_state_clear(qw_deal_state_t *st);

/* A fresh state for a deal never seen. Returns QW_ERR when the id is too long. */
int qw_deal_state_init(qw_deal_state_t *st, const char *deal_id);

/* Merge `patch` into `st` and fill `out` with the entries it implies (maybe none).
 * A patch already applied re-emits exactly the entries it produced, state unchanged.
 * On QW_ERR, `st` is unchanged and out->err / errbuf say why. */
int qw_ledger_apply(const qw_ledger_cfg_t *cfg, qw_deal_state_t *st, const qw_deal_change_t *patch,
                    qw_ledger_out_t *out, char *errbuf, size_t errlen);

const char *qw_ledger_err_name(qw_ledger_err_t e); /* "unknown_currency", ... */

/* Serialised state for Redis: a leading format byte, then the fields (ledger_codec.c). encode
 * writes the current format and returns the length written, or 0 when buf is too small;
 * encode_format writes an older one (2), for tests of states stored before an upgrade. */
#define QW_DEAL_STATE_FORMAT                                                                       \
    3 /* 3: varints and deltas; 2 added amount_currency; 1 and 2 decode                            \
       */
size_t qw_deal_state_encode(const qw_deal_state_t *st, uint8_t *buf, size_t cap);
size_t qw_deal_state_encode_format(const qw_deal_state_t *st, int format, uint8_t *buf, size_t cap);
/* An upper bound of the encoded size of any state. */
size_t qw_deal_state_encoded_max(void);
/* Rejects anything malformed (it comes from Redis): QW_ERR with errbuf, st zeroed. */
int qw_deal_state_decode(qw_deal_state_t *st, const uint8_t *buf, size_t len, char *errbuf,
                         size_t errlen);

#endif
