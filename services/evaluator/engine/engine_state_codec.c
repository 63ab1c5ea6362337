/* The per-rep state as a Redis blob: "QWRS", a format version, the fields one by one in
 * little-endian order (independent of struct layout and padding), and an FNV-1a checksum.
 * Decoding checks every bound, so a corrupt or foreign blob is an error, never a crash. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

#define MAGIC "QWRS"
/* 2 adds the late-data checkpoint fields per period and ids_floor; format 1 (without them)
 * still decodes, with zeros and ids_floor "". */
#define FORMAT 2

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int bad;
} wbuf_t;

static void put(wbuf_t *w, const void *src, size_t n)
{
    if (w->bad || w->cap - w->n < n) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

static void put_u(wbuf_t *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, (size_t)bytes);
}

/* Strings as a length byte and the bytes: most ids are short. */
static void put_s(wbuf_t *w, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);
    put_u(w, n, 1);
    put(w, s, n);
}

typedef struct {
    const uint8_t *p;
    size_t n, off;
    int bad;
} rbuf_t;

static uint64_t get_u(rbuf_t *r, int bytes)
{
    if (r->bad || r->n - r->off < (size_t)bytes) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    r->off += (size_t)bytes;
    return v;
}

static void get_s(rbuf_t *r, char *dst, size_t cap)
{
    size_t n = (size_t)get_u(r, 1);
    if (r->bad || n >= cap || r->n - r->off < n || memchr(r->p + r->off, 0, n)) {
        r->bad = 1;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, r->p + r->off, n);
    dst[n] = '\0';
    r->off += n;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

size_t qw_rep_state_encode(const qw_rep_state_t *s, uint8_t *buf, size_t cap)
{
    wbuf_t w = {buf, 0, cap, 0};
    put(&w, MAGIC, 4);
    put_u(&w, FORMAT, 2);
    put_s(&w, s->rep_id, sizeof(s->rep_id));
    put_u(&w, (uint16_t)s->base_miss_streak, 2);
    put_u(&w, (uint16_t)s->base_hit_streak, 2);
    put_u(&w, s->base_flags, 4);
    put_u(&w, (uint64_t)s->nperiods, 1);
    for (int i = 0; i < s->nperiods && i < QW_ENGINE_PERIODS; i++) {
        const qw_period_state_t *q = &s->p[i];
        put_s(&w, q->period, sizeof(q->period));
        put_u(&w, (uint64_t)q->credited_minor, 8);
        put_u(&w, (uint64_t)q->late_minor, 8);
        put_u(&w, (uint32_t)q->deals, 4);
        put_u(&w, (uint32_t)q->clawbacks, 4);
        put_u(&w, (uint64_t)q->quota_assigned_minor, 8);
        put_u(&w, (uint64_t)q->quota_minor, 8);
        put_s(&w, q->quota_version, sizeof(q->quota_version));
        put_u(&w, (uint32_t)q->attainment_bp, 4);
        put_u(&w, (uint32_t)q->leave_days, 4);
        put_u(&w, q->flags & ~QW_PF_CLOSING, 4);
        put_u(&w, q->outcome, 1);
        put_u(&w, q->checkpoints_done, 1);
        put_u(&w, q->at_risk, 1);
        put_u(&w, q->rewards, 2);
        put(&w, q->reward_gen, sizeof(q->reward_gen));
        put_u(&w, q->integrity_flags, 2);
        put_u(&w, (uint16_t)q->miss_streak, 2);
        put_u(&w, (uint16_t)q->hit_streak, 2);
        put_u(&w, q->at_risk_withdrawn, 1); /* format 2 */
        for (int k = 0; k < QW_POLICY_CHECKPOINTS_MAX; k++)
            put_u(&w, (uint64_t)q->cp_credited_minor[k], 8);
    }
    put_s(&w, s->ids_floor, sizeof(s->ids_floor));
    if (w.bad) return 0;
    put_u(&w, fnv1a(buf, w.n), 4);
    return w.bad ? 0 : w.n;
}

int qw_rep_state_decode(qw_rep_state_t *s, const uint8_t *buf, size_t len, char *errbuf,
                        size_t errlen)
{
    if (len < 4 + 2 + 4 || memcmp(buf, MAGIC, 4) != 0)
        return qw_err_set(errbuf, errlen, "rep state: not a quotawatch state blob");
    if (fnv1a(buf, len - 4) != (uint32_t)(buf[len - 4] | buf[len - 3] << 8 | buf[len - 2] << 16 |
                                          (uint32_t)buf[len - 1] << 24))
        return qw_err_set(errbuf, errlen, "rep state: checksum mismatch (corrupt blob)");
    rbuf_t r = {buf, len - 4, 4, 0};
    unsigned fmt = (unsigned)get_u(&r, 2);
    if (fmt < 1 || fmt > FORMAT)
        return qw_err_set(errbuf, errlen, "rep state: format %u, this build reads 1..%d", fmt,
                          FORMAT);
    qw_rep_state_t t;
    memset(&t, 0, sizeof(t));
    get_s(&r, t.rep_id, sizeof(t.rep_id));
    t.base_miss_streak = (int16_t)get_u(&r, 2);
    t.base_hit_streak = (int16_t)get_u(&r, 2);
    t.base_flags = (uint32_t)get_u(&r, 4);
    t.nperiods = (int)get_u(&r, 1);
    if (t.nperiods > QW_ENGINE_PERIODS)
        return qw_err_set(errbuf, errlen, "rep state: %d periods, at most %d", t.nperiods,
                          QW_ENGINE_PERIODS);
    for (int i = 0; i < t.nperiods && !r.bad; i++) {
        qw_period_state_t *q = &t.p[i];
        qw_period_t per;
        get_s(&r, q->period, sizeof(q->period));
        if (!r.bad && (qw_period_parse(q->period, &per) != 0 ||
                       (i > 0 && strcmp(t.p[i - 1].period, q->period) >= 0)))
            return qw_err_set(errbuf, errlen, "rep state: bad or unordered period \"%s\"",
                              q->period);
        q->credited_minor = (int64_t)get_u(&r, 8);
        q->late_minor = (int64_t)get_u(&r, 8);
        q->deals = (int32_t)get_u(&r, 4);
        q->clawbacks = (int32_t)get_u(&r, 4);
        q->quota_assigned_minor = (int64_t)get_u(&r, 8);
        q->quota_minor = (int64_t)get_u(&r, 8);
        get_s(&r, q->quota_version, sizeof(q->quota_version));
        q->attainment_bp = (int32_t)get_u(&r, 4);
        q->leave_days = (int32_t)get_u(&r, 4);
        q->flags = (uint32_t)get_u(&r, 4) & ~QW_PF_CLOSING;
        q->outcome = (uint8_t)get_u(&r, 1);
        q->checkpoints_done = (uint8_t)get_u(&r, 1);
        q->at_risk = (uint8_t)get_u(&r, 1);
        q->rewards = (uint16_t)get_u(&r, 2);
        for (size_t k = 0; k < sizeof(q->reward_gen); k++)
            q->reward_gen[k] = (uint8_t)get_u(&r, 1);
        q->integrity_flags = (uint16_t)get_u(&r, 2);
        q->miss_streak = (int16_t)get_u(&r, 2);
        q->hit_streak = (int16_t)get_u(&r, 2);
        if (fmt >= 2) {
            q->at_risk_withdrawn = (uint8_t)get_u(&r, 1);
            for (int k = 0; k < QW_POLICY_CHECKPOINTS_MAX; k++)
                q->cp_credited_minor[k] = (int64_t)get_u(&r, 8);
        }
        if (q->outcome > QW_OUTCOME_NO_QUOTA)
            return qw_err_set(errbuf, errlen, "rep state: bad outcome %u", q->outcome);
    }
    if (fmt >= 2 && !r.bad) {
        qw_period_t per;
        get_s(&r, t.ids_floor, sizeof(t.ids_floor));
        if (!r.bad && t.ids_floor[0] && qw_period_parse(t.ids_floor, &per) != 0)
            return qw_err_set(errbuf, errlen, "rep state: bad ids floor \"%s\"", t.ids_floor);
    }
    if (r.bad || r.off != r.n)
        return qw_err_set(errbuf, errlen, "rep state: truncated or trailing bytes");
    *s = t;
    return QW_OK;
}
