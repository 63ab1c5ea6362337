/* Deal state <-> compact binary blob for Redis. One codec for every stored format:
 *  - format 3 (written): integers as LEB128 varints, signed ones zigzagged, and most of them as
 *    the difference to a value the decoder already has (the newest field version, the deal's
 *    close date, the entry's base amount); a rep id seen before in the blob as a one-byte
 *    reference; an entry's currency equal to the deal's as one byte. A typical deal shrinks
 *    from ~270 to ~150 bytes (docs/benchmarks.md, "Redis bytes per deal").
 *  - format 2: little-endian fixed-width integers, u8-length-prefixed strings.
 *  - format 1: format 2 without amount_currency.
 * History is written oldest first. The decoder trusts nothing: every count, length, enum and
 * string is checked, and a format-3 blob must be the one encoding of its state (minimal
 * varints, newest version exact, no literal id that a reference would give). */
#include "ledger.h"

#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/money.h"

#define QW_CODEC_IDS_MAX (1 + 2 * QW_SPLITS_MAX + QW_LEDGER_HIST_ENTRIES) /* < 128 */
#define QW_CODEC_REF     0x80u /* an id length byte >= this: a reference to id (byte - 0x80) */
#define QW_CODEC_SAME    0xffu /* an entry currency length byte: "the deal's currency" */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int bad, fmt;
    const char *ids[QW_CODEC_IDS_MAX]; /* ids written so far (format 3) */
    int nids;
} qw_wbuf_t;

typedef struct {
    const uint8_t *p;
    size_t len, off;
    const char *bad; /* first problem found */
    int fmt;
    const char *ids[QW_CODEC_IDS_MAX];
    int nids;
} qw_rbuf_t;

/* Two's-complement arithmetic without signed overflow: deltas wrap in uint64_t. */
static uint64_t qw_zz(uint64_t u)
{
    return (u << 1) ^ (0 - (u >> 63));
}

static uint64_t qw_unzz(uint64_t z)
{
    return (z >> 1) ^ (0 - (z & 1));
}

static int64_t qw_u2i(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)~u - 1;
}

static void qw_put(qw_wbuf_t *w, uint64_t v, int bytes)
{
    if (w->len + (size_t)bytes > w->cap) {
        w->bad = 1;
        return;
    }
    for (int i = 0; i < bytes; i++)
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

static void qw_put_uv(qw_wbuf_t *w, uint64_t v)
{
    do {
        if (w->len >= w->cap) {
            w->bad = 1;
            return;
        }
        w->p[w->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

/* An integer field of `bytes` bytes in formats 1-2; in format 3, its difference to `base`. */
static void qw_put_int(qw_wbuf_t *w, int64_t v, int bytes, int64_t base)
{
    if (w->fmt >= 3)
        qw_put_uv(w, qw_zz((uint64_t)v - (uint64_t)base));
    else
        qw_put(w, (uint64_t)v, bytes);
}

static void qw_put_bytes(qw_wbuf_t *w, const char *s, size_t n)
{
    if (w->bad || w->len + n > w->cap) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void qw_put_str(qw_wbuf_t *w, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);
    qw_put(w, n, 1);
    qw_put_bytes(w, s, n);
}

/* A rep id: in format 3 a reference when the same id was written before. */
static void qw_put_id(qw_wbuf_t *w, const char *s)
{
    if (w->fmt >= 3 && s[0]) {
        for (int i = 0; i < w->nids; i++)
            if (strcmp(w->ids[i], s) == 0) {
                qw_put(w, QW_CODEC_REF + (unsigned)i, 1);
                return;
            }
        if (w->nids < QW_CODEC_IDS_MAX) w->ids[w->nids++] = s;
    }
    qw_put_str(w, s, QW_ID_MAX);
}

/* An entry's currency: in format 3 one byte when it is the deal's. */
static void qw_put_cur(qw_wbuf_t *w, const char *s, const char *deal)
{
    if (w->fmt >= 3 && strcmp(s, deal) == 0)
        qw_put(w, QW_CODEC_SAME, 1);
    else
        qw_put_str(w, s, 4);
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

/* Minimal LEB128 of at most 64 bits: anything longer or padded is refused. */
static uint64_t qw_get_uv(qw_rbuf_t *r)
{
    uint64_t v = 0;
    for (int shift = 0; !r->bad; shift += 7) {
        if (r->off >= r->len) {
            r->bad = "truncated";
            break;
        }
        uint8_t b = r->p[r->off++];
        if (shift == 63 && b > 1) {
            r->bad = "varint overflow";
            break;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0) r->bad = "padded varint";
            return v;
        }
    }
    return 0;
}

static int64_t qw_get_int(qw_rbuf_t *r, int bytes, int64_t base)
{
    if (r->fmt >= 3) return qw_u2i(qw_unzz(qw_get_uv(r)) + (uint64_t)base);
    uint64_t v = qw_get(r, bytes);
    return bytes == 4 ? (int32_t)(uint32_t)v : qw_u2i(v);
}

/* A 32-bit field: out-of-range values (only format 3 can carry them) are refused. */
static int32_t qw_get_i32(qw_rbuf_t *r, int64_t base)
{
    int64_t v = qw_get_int(r, 4, base);
    if (v < INT32_MIN || v > INT32_MAX) {
        if (!r->bad) r->bad = "integer out of range";
        return 0;
    }
    return (int32_t)v;
}

/* A string of n bytes that fits `cap` with its NUL and holds no NUL of its own. */
static void qw_get_bytes(qw_rbuf_t *r, size_t n, char *dst, size_t cap)
{
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

static void qw_get_str(qw_rbuf_t *r, char *dst, size_t cap)
{
    size_t n = (size_t)qw_get(r, 1);
    qw_get_bytes(r, n, dst, cap);
}

static void qw_get_id(qw_rbuf_t *r, char *dst)
{
    size_t n = (size_t)qw_get(r, 1);
    if (r->bad) return;
    if (r->fmt >= 3 && n >= QW_CODEC_REF) {
        if (n - QW_CODEC_REF >= (size_t)r->nids) {
            r->bad = "bad id reference";
            return;
        }
        strcpy(dst, r->ids[n - QW_CODEC_REF]); /* fits: it was decoded into a QW_ID_MAX field */
        return;
    }
    qw_get_bytes(r, n, dst, QW_ID_MAX);
    if (r->bad || r->fmt < 3 || !dst[0]) return;
    for (int i = 0; i < r->nids; i++)
        if (strcmp(r->ids[i], dst) == 0) {
            r->bad = "id repeated instead of referenced";
            return;
        }
    if (r->nids < QW_CODEC_IDS_MAX) r->ids[r->nids++] = dst;
}

static void qw_get_cur(qw_rbuf_t *r, char *dst, const char *deal)
{
    size_t n = (size_t)qw_get(r, 1);
    if (r->bad) return;
    if (r->fmt >= 3 && n == QW_CODEC_SAME) {
        strcpy(dst, deal);
        return;
    }
    qw_get_bytes(r, n, dst, 4);
    if (!r->bad && r->fmt >= 3 && strcmp(dst, deal) == 0) r->bad = "currency not referenced";
}

static void qw_check(qw_rbuf_t *r, int ok, const char *what)
{
    if (!r->bad && !ok) r->bad = what;
}

size_t qw_deal_state_encoded_max(void)
{
    /* Format 3's worst case (every integer a 10-byte varint) bounds format 2's too. */
    size_t str = 1 + QW_ID_MAX, in = 10;
    size_t fields = 1 + str + 1 + in + 4 + 4 + str + in + in + 1 + QW_SPLITS_MAX * (str + in) +
                    2 * (1 + QW_STAGE_MAX) + in * (1 + QW_DC_NFIELDS);
    size_t standing = 1 + QW_SPLITS_MAX * (str + 4 * in);
    size_t hist =
        1 + QW_LEDGER_HIST_MAX * (3 * in + 1 + 1) + QW_LEDGER_HIST_ENTRIES * (str + 5 * in + 4 + 3);
    return fields + standing + hist;
}

static void qw_put_versions(qw_wbuf_t *w, const int64_t *fv)
{
    if (w->fmt < 3) {
        for (int i = 0; i < QW_DC_NFIELDS; i++)
            qw_put(w, (uint64_t)fv[i], 8);
        return;
    }
    int64_t vmax = 0;
    for (int i = 0; i < QW_DC_NFIELDS; i++) {
        if (fv[i] < 0) w->bad = 1; /* the ledger never holds one */
        if (fv[i] > vmax) vmax = fv[i];
    }
    qw_put_uv(w, (uint64_t)vmax);
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        qw_put_uv(w, fv[i] <= 0 ? 0 : (uint64_t)(vmax - fv[i]) + 1);
}

size_t qw_deal_state_encode_format(const qw_deal_state_t *st, int format, uint8_t *buf, size_t cap)
{
    if (format < 2 || format > QW_DEAL_STATE_FORMAT) return 0;
    qw_wbuf_t w = {.p = buf, .cap = cap, .fmt = format};
    qw_put(&w, (uint64_t)format, 1);
    qw_put_str(&w, st->deal_id, QW_ID_MAX);
    qw_put(&w, (uint64_t)st->status, 1);
    qw_put_int(&w, st->amount_minor, 8, 0);
    qw_put_str(&w, st->currency, sizeof(st->currency));
    qw_put_str(&w, st->amount_currency, sizeof(st->amount_currency));
    qw_put_id(&w, st->owner_id);
    qw_put_int(&w, st->close_date, 4, 0);
    qw_put_int(&w, st->discount_bp, 4, 0);
    qw_put(&w, (uint64_t)st->nsplits, 1);
    for (int i = 0; i < st->nsplits; i++) {
        qw_put_id(&w, st->splits[i].rep_id);
        qw_put_int(&w, st->splits[i].basis_points, 4, 0);
    }
    qw_put_str(&w, st->stage, QW_STAGE_MAX);
    qw_put_str(&w, st->pipeline, QW_STAGE_MAX);
    qw_put_versions(&w, st->field_version);
    int64_t vmax = 0;
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if (st->field_version[i] > vmax) vmax = st->field_version[i];
    qw_put(&w, (uint64_t)st->nstanding, 1);
    for (int i = 0; i < st->nstanding; i++) {
        const qw_standing_t *s = &st->standing[i];
        qw_put_id(&w, s->rep_id);
        qw_put_int(&w, s->close_date, 4, st->close_date);
        qw_put_int(&w, s->basis_points, 4, 0);
        qw_put_int(&w, s->base_minor, 8, 0);
        qw_put_int(&w, s->orig_minor, 8, s->base_minor);
    }
    qw_put(&w, (uint64_t)st->nhist, 1);
    for (int i = 0; i < st->nhist; i++) {
        const qw_hist_rec_t *r = &st->hist[(st->hist_head + i) % QW_LEDGER_HIST_MAX];
        qw_put_int(&w, r->version, 8, vmax);
        qw_put_int(&w, r->event_time_ms, 8, r->version);
        if (w.fmt >= 3)
            qw_put_uv(&w, r->present);
        else
            qw_put(&w, r->present, 4);
        qw_put(&w, r->sibling, 1);
        qw_put(&w, r->n, 1);
        for (int j = 0; j < r->n; j++) {
            const qw_hist_entry_t *h = &st->hent[(r->first + j) % QW_LEDGER_HIST_ENTRIES];
            qw_put_id(&w, h->rep_id);
            qw_put_int(&w, h->base_minor, 8, 0);
            qw_put_int(&w, h->orig_minor, 8, h->base_minor);
            qw_put_cur(&w, h->orig_currency, st->currency);
            qw_put_int(&w, h->close_date, 4, st->close_date);
            qw_put_int(&w, h->won_date, 4, h->close_date);
            qw_put_int(&w, h->discount_bp, 4, 0);
            qw_put(&w, h->kind, 1);
            qw_put(&w, h->reason, 1);
            qw_put(&w, h->date_suffix, 1);
        }
    }
    return w.bad ? 0 : w.len;
}

size_t qw_deal_state_encode(const qw_deal_state_t *st, uint8_t *buf, size_t cap)
{
    return qw_deal_state_encode_format(st, QW_DEAL_STATE_FORMAT, buf, cap);
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

static void qw_get_versions(qw_rbuf_t *r, int64_t *fv)
{
    if (r->fmt < 3) {
        for (int i = 0; i < QW_DC_NFIELDS; i++)
            fv[i] = qw_u2i(qw_get(r, 8));
    } else {
        uint64_t vmax = qw_get_uv(r);
        qw_check(r, vmax <= (uint64_t)INT64_MAX, "bad field version");
        int top = vmax == 0;
        for (int i = 0; !r->bad && i < QW_DC_NFIELDS; i++) {
            uint64_t code = qw_get_uv(r);
            /* 0: never; k: vmax - (k - 1), which is positive (0 is spelt 0) */
            qw_check(r, code == 0 || code - 1 < vmax, "bad field version");
            fv[i] = code == 0 ? 0 : (int64_t)(vmax - (code - 1));
            top |= code == 1;
        }
        qw_check(r, top, "newest field version not exact");
    }
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        qw_check(r, fv[i] >= 0, "bad field version");
}

int qw_deal_state_decode(qw_deal_state_t *st, const uint8_t *buf, size_t len, char *errbuf,
                         size_t errlen)
{
    if (len == 0 || buf[0] < 1 || buf[0] > QW_DEAL_STATE_FORMAT)
        return qw_err_set(errbuf, errlen, "deal state: unknown format");
    qw_rbuf_t r = {.p = buf, .len = len, .off = 1, .fmt = buf[0]};
    qw_deal_state_clear(st);
    qw_get_str(&r, st->deal_id, QW_ID_MAX);
    qw_check(&r, st->deal_id[0] != '\0', "empty deal id");
    uint64_t status = qw_get(&r, 1);
    qw_check(&r, status <= QW_DEAL_DELETED, "bad status");
    st->status = (qw_deal_status_t)status;
    st->amount_minor = qw_get_int(&r, 8, 0);
    qw_check(&r, qw_amount_ok(st->amount_minor, QW_MONEY_MAX_MINOR), "amount out of range");
    qw_get_str(&r, st->currency, sizeof(st->currency));
    if (r.fmt >= 2) qw_get_str(&r, st->amount_currency, sizeof(st->amount_currency));
    qw_check(&r, !st->amount_currency[0] || qw_money_exponent(st->amount_currency) >= 0,
             "bad amount currency");
    qw_get_id(&r, st->owner_id);
    st->close_date = qw_get_i32(&r, 0);
    st->discount_bp = qw_get_i32(&r, 0);
    qw_check(&r, qw_date_ok(st->close_date, 1), "close date out of range");
    qw_check(&r, st->discount_bp >= 0 && st->discount_bp <= 10000, "discount out of range");
    st->nsplits = (int)qw_get(&r, 1);
    qw_check(&r, st->nsplits <= QW_SPLITS_MAX, "too many splits");
    for (int i = 0; !r.bad && i < st->nsplits; i++) {
        qw_get_id(&r, st->splits[i].rep_id);
        st->splits[i].basis_points = qw_get_i32(&r, 0);
        qw_check(&r, qw_bp_ok(st->splits[i].basis_points), "bad split share");
    }
    qw_get_str(&r, st->stage, QW_STAGE_MAX);
    qw_get_str(&r, st->pipeline, QW_STAGE_MAX);
    qw_get_versions(&r, st->field_version);
    int64_t vmax = 0;
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if (st->field_version[i] > vmax) vmax = st->field_version[i];
    st->nstanding = (int)qw_get(&r, 1);
    qw_check(&r, st->nstanding <= QW_SPLITS_MAX, "too many standing credits");
    for (int i = 0; !r.bad && i < st->nstanding; i++) {
        qw_standing_t *s = &st->standing[i];
        qw_get_id(&r, s->rep_id);
        s->close_date = qw_get_i32(&r, st->close_date);
        s->basis_points = qw_get_i32(&r, 0);
        s->base_minor = qw_get_int(&r, 8, 0);
        s->orig_minor = qw_get_int(&r, 8, s->base_minor);
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
        h->version = qw_get_int(&r, 8, vmax);
        h->event_time_ms = qw_get_int(&r, 8, h->version);
        uint64_t present = r.fmt >= 3 ? qw_get_uv(&r) : qw_get(&r, 4);
        qw_check(&r, present <= UINT32_MAX, "bad history record");
        h->present = (uint32_t)present;
        h->sibling = (uint16_t)qw_get(&r, 1);
        h->n = (uint16_t)qw_get(&r, 1);
        qw_check(&r, h->version > 0 && h->sibling <= 1, "bad history record");
        qw_check(&r, h->n > 0 && h->n <= QW_LEDGER_OUT_MAX && used + h->n <= QW_LEDGER_HIST_ENTRIES,
                 "history entries overflow");
        h->first = (uint16_t)used;
        for (int j = 0; !r.bad && j < h->n; j++) {
            qw_hist_entry_t *e = &st->hent[used + j];
            qw_get_id(&r, e->rep_id);
            e->base_minor = qw_get_int(&r, 8, 0);
            e->orig_minor = qw_get_int(&r, 8, e->base_minor);
            qw_get_cur(&r, e->orig_currency, st->currency);
            e->close_date = qw_get_i32(&r, st->close_date);
            e->won_date = qw_get_i32(&r, e->close_date);
            e->discount_bp = qw_get_i32(&r, 0);
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
