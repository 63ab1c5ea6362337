/* Deal state <-> compact binary blob for Redis. Format 2: a leading format byte, then
 * little-endian fixed-width integers and u8-length-prefixed strings, history oldest first.
 * Format 1 (no amount_currency after currency) still decodes: states written before it.
 * The decoder trusts nothing: every count, length, enum and string is checked. */
#include "ledger.h"

#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/money.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int bad;
} qw_wbuf_t;

typedef struct {
    const uint8_t *p;
    size_t len, off;
    const char *bad; /* first problem found */
} qw_rbuf_t;

static void qw_put(qw_wbuf_t *w, uint64_t v, int bytes)
{
    if (w->len + (size_t)bytes > w->cap) {
        w->bad = 1;
        return;
    }
    for (int i = 0; i < bytes; i++)
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

static void qw_put_str(qw_wbuf_t *w, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);
    qw_put(w, n, 1);
    if (w->bad || w->len + n > w->cap) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static uint64_t qw_get(qw_rbuf_t *r, int bytes)
{
    if (r->bad || r->off + (size_t)bytes > r->len) {
        if (!r->bad) r->bad = "truncated";
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->off++] << (8 * i);
    return v;
}

static int64_t qw_get_i64(qw_rbuf_t *r)
{
    return (int64_t)qw_get(r, 8);
}

static int32_t qw_get_i32(qw_rbuf_t *r)
{
    return (int32_t)(uint32_t)qw_get(r, 4);
}

/* A string that fits `cap` with its NUL and holds no NUL of its own. */
static void qw_get_str(qw_rbuf_t *r, char *dst, size_t cap)
{
    size_t n = (size_t)qw_get(r, 1);
    if (r->bad) return;
    if (n >= cap || r->off + n > r->len) {
        r->bad = "string too long";
        return;
    }
    if (memchr(r->p + r->off, '\0', n)) {
        r->bad = "NUL in string";
        return;
    }
    memcpy(dst, r->p + r->off, n);
    dst[n] = '\0';
    r->off += n;
}

static void qw_check(qw_rbuf_t *r, int ok, const char *what)
{
    if (!r->bad && !ok) r->bad = what;
}

size_t qw_deal_state_encoded_max(void)
{
    size_t str = 1 + QW_ID_MAX;
    size_t fields = 1 + str + 1 + 8 + 4 + 4 + str + 4 + 4 + 1 + QW_SPLITS_MAX * (str + 4) +
                    2 * (1 + QW_STAGE_MAX) + 8 * QW_DC_NFIELDS;
    size_t standing = 1 + QW_SPLITS_MAX * (str + 4 + 4 + 8 + 8);
    size_t hist = 1 + QW_LEDGER_HIST_MAX * (8 + 8 + 4 + 1 + 1) +
                  QW_LEDGER_HIST_ENTRIES * (str + 8 + 8 + 4 + 4 + 4 + 4 + 3);
    return fields + standing + hist;
}

size_t qw_deal_state_encode(const qw_deal_state_t *st, uint8_t *buf, size_t cap)
{
    qw_wbuf_t w = {.p = buf, .cap = cap};
    qw_put(&w, QW_DEAL_STATE_FORMAT, 1);
    qw_put_str(&w, st->deal_id, QW_ID_MAX);
    qw_put(&w, (uint64_t)st->status, 1);
    qw_put(&w, (uint64_t)st->amount_minor, 8);
    qw_put_str(&w, st->currency, sizeof(st->currency));
    qw_put_str(&w, st->amount_currency, sizeof(st->amount_currency));
    qw_put_str(&w, st->owner_id, QW_ID_MAX);
    qw_put(&w, (uint32_t)st->close_date, 4);
    qw_put(&w, (uint32_t)st->discount_bp, 4);
    qw_put(&w, (uint64_t)st->nsplits, 1);
    for (int i = 0; i < st->nsplits; i++) {
        qw_put_str(&w, st->splits[i].rep_id, QW_ID_MAX);
        qw_put(&w, (uint32_t)st->splits[i].basis_points, 4);
    }
    qw_put_str(&w, st->stage, QW_STAGE_MAX);
    qw_put_str(&w, st->pipeline, QW_STAGE_MAX);
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        qw_put(&w, (uint64_t)st->field_version[i], 8);
    qw_put(&w, (uint64_t)st->nstanding, 1);
    for (int i = 0; i < st->nstanding; i++) {
        const qw_standing_t *s = &st->standing[i];
        qw_put_str(&w, s->rep_id, QW_ID_MAX);
        qw_put(&w, (uint32_t)s->close_date, 4);
        qw_put(&w, (uint32_t)s->basis_points, 4);
        qw_put(&w, (uint64_t)s->base_minor, 8);
        qw_put(&w, (uint64_t)s->orig_minor, 8);
    }
    qw_put(&w, (uint64_t)st->nhist, 1);
    for (int i = 0; i < st->nhist; i++) {
        const qw_hist_rec_t *r = &st->hist[(st->hist_head + i) % QW_LEDGER_HIST_MAX];
        qw_put(&w, (uint64_t)r->version, 8);
        qw_put(&w, (uint64_t)r->event_time_ms, 8);
        qw_put(&w, r->present, 4);
        qw_put(&w, r->sibling, 1);
        qw_put(&w, r->n, 1);
        for (int j = 0; j < r->n; j++) {
            const qw_hist_entry_t *h = &st->hent[(r->first + j) % QW_LEDGER_HIST_ENTRIES];
            qw_put_str(&w, h->rep_id, QW_ID_MAX);
            qw_put(&w, (uint64_t)h->base_minor, 8);
            qw_put(&w, (uint64_t)h->orig_minor, 8);
            qw_put_str(&w, h->orig_currency, sizeof(h->orig_currency));
            qw_put(&w, (uint32_t)h->close_date, 4);
            qw_put(&w, (uint32_t)h->won_date, 4);
            qw_put(&w, (uint32_t)h->discount_bp, 4);
            qw_put(&w, h->kind, 1);
            qw_put(&w, h->reason, 1);
            qw_put(&w, h->date_suffix, 1);
        }
    }
    return w.bad ? 0 : w.len;
}

static int qw_bp_ok(int32_t bp)
{
    return bp > 0 && bp <= 10000;
}

/* Only values the ledger can produce: it negates and subtracts amounts, and prints dates as
 * YYYY-MM-DD (years 1900..9999), so anything beyond would overflow there (found by
 * fuzz_ledger_state). Standing amounts are at most a converted whole amount, history entries
 * the difference of two. */
#define QW_CODEC_STANDING_MAX (QW_MONEY_MAX_MINOR * 1000)
static int qw_amount_ok(int64_t v, int64_t max)
{
    return v >= -max && v <= max;
}

static int qw_date_ok(int32_t d, int none_ok)
{
    return (none_ok && d == QW_DATE_NONE) || (d >= -25567 && d <= 2932896);
}

int qw_deal_state_decode(qw_deal_state_t *st, const uint8_t *buf, size_t len, char *errbuf,
                         size_t errlen)
{
    qw_rbuf_t r = {.p = buf, .len = len};
    if (len == 0 || (buf[0] != QW_DEAL_STATE_FORMAT && buf[0] != 1))
        return qw_err_set(errbuf, errlen, "deal state: unknown format");
    r.off = 1;
    memset(st, 0, sizeof(*st));
    qw_get_str(&r, st->deal_id, QW_ID_MAX);
    qw_check(&r, st->deal_id[0] != '\0', "empty deal id");
    uint64_t status = qw_get(&r, 1);
    qw_check(&r, status <= QW_DEAL_DELETED, "bad status");
    st->status = (qw_deal_status_t)status;
    st->amount_minor = qw_get_i64(&r);
    qw_check(&r, qw_amount_ok(st->amount_minor, QW_MONEY_MAX_MINOR), "amount out of range");
    qw_get_str(&r, st->currency, sizeof(st->currency));
    if (buf[0] >= 2) qw_get_str(&r, st->amount_currency, sizeof(st->amount_currency));
    qw_check(&r, !st->amount_currency[0] || qw_money_exponent(st->amount_currency) >= 0,
             "bad amount currency");
    qw_get_str(&r, st->owner_id, QW_ID_MAX);
    st->close_date = qw_get_i32(&r);
    st->discount_bp = qw_get_i32(&r);
    qw_check(&r, qw_date_ok(st->close_date, 1), "close date out of range");
    qw_check(&r, st->discount_bp >= 0 && st->discount_bp <= 10000, "discount out of range");
    st->nsplits = (int)qw_get(&r, 1);
    qw_check(&r, st->nsplits <= QW_SPLITS_MAX, "too many splits");
    for (int i = 0; !r.bad && i < st->nsplits; i++) {
        qw_get_str(&r, st->splits[i].rep_id, QW_ID_MAX);
        st->splits[i].basis_points = qw_get_i32(&r);
        qw_check(&r, qw_bp_ok(st->splits[i].basis_points), "bad split share");
    }
    qw_get_str(&r, st->stage, QW_STAGE_MAX);
    qw_get_str(&r, st->pipeline, QW_STAGE_MAX);
    for (int i = 0; i < QW_DC_NFIELDS; i++) {
        st->field_version[i] = qw_get_i64(&r);
        qw_check(&r, st->field_version[i] >= 0, "bad field version");
    }
    st->nstanding = (int)qw_get(&r, 1);
    qw_check(&r, st->nstanding <= QW_SPLITS_MAX, "too many standing credits");
    for (int i = 0; !r.bad && i < st->nstanding; i++) {
        qw_standing_t *s = &st->standing[i];
        qw_get_str(&r, s->rep_id, QW_ID_MAX);
        s->close_date = qw_get_i32(&r);
        s->basis_points = qw_get_i32(&r);
        s->base_minor = qw_get_i64(&r);
        s->orig_minor = qw_get_i64(&r);
        qw_check(&r, qw_bp_ok(s->basis_points), "bad standing share");
        qw_check(&r,
                 qw_date_ok(s->close_date, 0) &&
                     qw_amount_ok(s->base_minor, QW_CODEC_STANDING_MAX) &&
                     qw_amount_ok(s->orig_minor, QW_CODEC_STANDING_MAX),
                 "standing out of range");
    }
    st->nhist = (int)qw_get(&r, 1);
    qw_check(&r, st->nhist <= QW_LEDGER_HIST_MAX, "history too long");
    int used = 0;
    for (int i = 0; !r.bad && i < st->nhist; i++) {
        qw_hist_rec_t *h = &st->hist[i];
        h->version = qw_get_i64(&r);
        h->event_time_ms = qw_get_i64(&r);
        h->present = (uint32_t)qw_get(&r, 4);
        h->sibling = (uint16_t)qw_get(&r, 1);
        h->n = (uint16_t)qw_get(&r, 1);
        qw_check(&r, h->version > 0 && h->sibling <= 1, "bad history record");
        qw_check(&r, h->n > 0 && h->n <= QW_LEDGER_OUT_MAX && used + h->n <= QW_LEDGER_HIST_ENTRIES,
                 "history entries overflow");
        h->first = (uint16_t)used;
        for (int j = 0; !r.bad && j < h->n; j++) {
            qw_hist_entry_t *e = &st->hent[used + j];
            qw_get_str(&r, e->rep_id, QW_ID_MAX);
            e->base_minor = qw_get_i64(&r);
            e->orig_minor = qw_get_i64(&r);
            qw_get_str(&r, e->orig_currency, sizeof(e->orig_currency));
            e->close_date = qw_get_i32(&r);
            e->won_date = qw_get_i32(&r);
            e->discount_bp = qw_get_i32(&r);
            e->kind = (uint8_t)qw_get(&r, 1);
            e->reason = (uint8_t)qw_get(&r, 1);
            e->date_suffix = (uint8_t)qw_get(&r, 1);
            qw_check(&r, e->kind >= QW_CREDIT_KIND_CREDIT && e->kind <= QW_CREDIT_KIND_ADJUSTMENT,
                     "bad entry kind");
            qw_check(&r, e->reason > QW_REASON_NONE && e->reason < QW_REASON_COUNT_,
                     "bad entry reason");
            qw_check(&r,
                     e->date_suffix <= 1 && qw_date_ok(e->close_date, 0) &&
                         qw_date_ok(e->won_date, 1) && e->discount_bp >= 0 &&
                         e->discount_bp <= 10000,
                     "bad entry");
            qw_check(&r,
                     qw_amount_ok(e->base_minor, 2 * QW_CODEC_STANDING_MAX) &&
                         qw_amount_ok(e->orig_minor, 2 * QW_CODEC_STANDING_MAX),
                     "entry amount out of range");
        }
        used += h->n;
    }
    st->hent_used = (uint16_t)used;
    qw_check(&r, r.off == r.len, "trailing bytes");
    if (r.bad) {
        memset(st, 0, sizeof(*st));
        return qw_err_set(errbuf, errlen, "deal state: %s", r.bad);
    }
    return QW_OK;
}
