#include "ledger.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/id.h"
#include "quotawatch/money.h"

/* Fields whose change can move credit; a patch touching none of them leaves the standing. */
#define QW_LEDGER_CREDIT_FIELDS                                                                    \
    (QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_OWNER | QW_DC_CLOSE_DATE | QW_DC_SPLITS)

static const char *const qw_err_names[QW_LEDGER_E_COUNT_] = {
    "",         "unknown_currency", "bad_splits",        "bad_patch",
    "overflow", "corrupt_state",    "gap_resync_needed",
};

const char *qw_ledger_err_name(qw_ledger_err_t e)
{
    return (unsigned)e < QW_LEDGER_E_COUNT_ ? qw_err_names[e] : "";
}

void qw_deal_state_clear(qw_deal_state_t *st)
{
    memset(st, 0, offsetof(qw_deal_state_t, hist));
    st->hent_head = 0;
    st->hent_used = 0;
}

int qw_deal_state_init(qw_deal_state_t *st, const char *deal_id)
{
    qw_deal_state_clear(st);
    st->close_date = QW_DATE_NONE;
    return qw_strlcpy_checked(st->deal_id, sizeof(st->deal_id), deal_id, strlen(deal_id));
}

static int qw_ledger_fail(qw_ledger_out_t *out, qw_ledger_err_t e, char *errbuf, size_t errlen,
                          const char *what)
{
    out->err = e;
    out->n = 0;
    return qw_err_set(errbuf, errlen, "%s: %s", qw_ledger_err_name(e), what);
}

/* The merged view of the fields that decide credit: each one from the patch or the state. */
typedef struct {
    qw_deal_status_t status;
    int64_t amount;
    const char *currency;
    const char *owner;
    int32_t close_date;
    int32_t discount_bp;
    int nsplits;
    const qw_split_t *splits;
} qw_view_t;

/* Terminated in its buffer and, when set, within the id rule: patches come from the adapters,
 * which check it, but the ledger is the one that writes keys and credits. */
static int qw_id_ok(const char *s)
{
    size_t n = strnlen(s, QW_ID_MAX);
    return n < QW_ID_MAX && (n == 0 || qw_id_valid(s, n, NULL, 0) == QW_OK);
}

/* The currency an amount patch was scaled by (always filled in by the adapters, the source's
 * default when the CRM named none), or "" = the deal's own units when it names no ISO code. */
static const char *qw_patch_amount_currency(const qw_deal_change_t *p)
{
    if (!memchr(p->currency, '\0', sizeof(p->currency)) || qw_money_exponent(p->currency) < 0)
        return "";
    return p->currency;
}

/* The deal's currency: the one the CRM named, else the one its amount was counted in. */
static const char *qw_deal_currency(const char *currency, const char *amount_currency)
{
    return currency[0] ? currency : amount_currency;
}

/* `amount` in minor units of `from` as minor units of `to` (a JPY deal whose amount came
 * scaled by a USD default: 5125000 "cents" are 51250 yen). Exact except for digits `to`
 * cannot hold, which round half away from zero. */
static int qw_rescale(int64_t amount, const char *from, const char *to, int64_t *out)
{
    int fe = from[0] ? qw_money_exponent(from) : -1, te = to[0] ? qw_money_exponent(to) : -1;
    *out = amount;
    if (fe < 0 || te < 0 || fe == te) return QW_OK;
    return qw_money_convert(amount, fe, 1000000000, te, out) == 0 ? QW_OK : QW_ERR;
}

static int qw_validate(const qw_ledger_cfg_t *cfg, const qw_deal_change_t *p, qw_ledger_out_t *out,
                       char *errbuf, size_t errlen)
{
    int64_t x;
    if ((p->present & QW_DC_STATUS) &&
        (p->status < QW_DEAL_UNSPECIFIED || p->status > QW_DEAL_DELETED))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "status out of range");
    if ((p->present & QW_DC_AMOUNT) &&
        (p->amount_minor > QW_MONEY_MAX_MINOR || p->amount_minor < -QW_MONEY_MAX_MINOR))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "amount out of range");
    if (p->present & QW_DC_CURRENCY) {
        if (!memchr(p->currency, '\0', sizeof(p->currency)) ||
            qw_rates_to_base(cfg->rates, p->currency, 0, &x) != 0)
            return qw_ledger_fail(out, QW_LEDGER_E_UNKNOWN_CURRENCY, errbuf, errlen,
                                  "currency not in the rate table");
    }
    if ((p->present & QW_DC_OWNER) && !qw_id_ok(p->owner_id))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen,
                              "owner id too long or invalid");
    /* Years 1900..9999: what "YYYY-MM-DD" in ids and entries can say. */
    if ((p->present & QW_DC_CLOSE_DATE) && (p->close_date < -25567 || p->close_date > 2932896))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen,
                              "close date out of range");
    if (((p->present & QW_DC_STAGE) && !memchr(p->stage, '\0', sizeof(p->stage))) ||
        ((p->present & QW_DC_PIPELINE) && !memchr(p->pipeline, '\0', sizeof(p->pipeline))))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "stage too long");
    if ((p->present & QW_DC_DISCOUNT) && (p->discount_bp < 0 || p->discount_bp > 10000))
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "discount out of range");
    if (p->present & QW_DC_SPLITS) {
        if (p->nsplits < 0 || p->nsplits > QW_SPLITS_MAX)
            return qw_ledger_fail(out, QW_LEDGER_E_BAD_SPLITS, errbuf, errlen, "too many splits");
        int32_t sum = 0;
        for (int i = 0; i < p->nsplits; i++) {
            const qw_split_t *s = &p->splits[i];
            if (!qw_id_ok(s->rep_id) || s->rep_id[0] == '\0')
                return qw_ledger_fail(out, QW_LEDGER_E_BAD_SPLITS, errbuf, errlen, "bad rep id");
            if (s->basis_points <= 0 || s->basis_points > 10000)
                return qw_ledger_fail(out, QW_LEDGER_E_BAD_SPLITS, errbuf, errlen,
                                      "share out of range");
            sum += s->basis_points;
            for (int j = 0; j < i; j++)
                if (strcmp(p->splits[j].rep_id, s->rep_id) == 0)
                    return qw_ledger_fail(out, QW_LEDGER_E_BAD_SPLITS, errbuf, errlen,
                                          "rep listed twice");
        }
        if (p->nsplits > 0 && sum != 10000)
            return qw_ledger_fail(out, QW_LEDGER_E_BAD_SPLITS, errbuf, errlen,
                                  "shares do not sum to 100%");
    }
    return QW_OK;
}

/* Split `total` by basis points so that the parts sum to exactly `total`: each part is
 * rounded toward zero and the remainder goes to the largest share (the first of equals). */
static void qw_split_amount(int64_t total, const int32_t *bp, int n, int64_t *part)
{
    int64_t sum = 0;
    int big = 0;
    for (int i = 0; i < n; i++) {
        part[i] = (int64_t)((__int128)total * bp[i] / 10000);
        sum += part[i];
        if (bp[i] > bp[big]) big = i;
    }
    part[big] += total - sum;
}

/* Credit standing of a view: empty unless won with everything needed to credit it. */
static int qw_standing_of(const qw_ledger_cfg_t *cfg, const qw_view_t *v, qw_standing_t *s, int *ns,
                          qw_ledger_out_t *out, char *errbuf, size_t errlen)
{
    *ns = 0;
    if (v->status != QW_DEAL_WON || v->close_date == QW_DATE_NONE || v->currency[0] == '\0')
        return QW_OK;
    if (v->nsplits == 0 && v->owner[0] == '\0') return QW_OK;
    int64_t base;
    if (qw_rates_to_base(cfg->rates, v->currency, 0, &base) != 0)
        return qw_ledger_fail(out, QW_LEDGER_E_UNKNOWN_CURRENCY, errbuf, errlen,
                              "deal currency not in the rate table");
    if (qw_rates_to_base(cfg->rates, v->currency, v->amount, &base) != 0)
        return qw_ledger_fail(out, QW_LEDGER_E_OVERFLOW, errbuf, errlen, "conversion overflow");
    int n = v->nsplits ? v->nsplits : 1;
    int32_t bp[QW_SPLITS_MAX] = {0}; /* gcc -O2 cannot see the loop fills it */
    int64_t pb[QW_SPLITS_MAX], po[QW_SPLITS_MAX];
    for (int i = 0; i < n; i++)
        bp[i] = v->nsplits ? v->splits[i].basis_points : 10000;
    qw_split_amount(base, bp, n, pb);
    qw_split_amount(v->amount, bp, n, po);
    for (int i = 0; i < n; i++) {
        const char *rep = v->nsplits ? v->splits[i].rep_id : v->owner;
        memcpy(s[i].rep_id, rep, strlen(rep) + 1);
        s[i].close_date = v->close_date;
        s[i].basis_points = bp[i];
        s[i].base_minor = pb[i];
        s[i].orig_minor = po[i];
    }
    *ns = n;
    return QW_OK;
}

static const qw_standing_t *qw_find(const qw_standing_t *s, int n, const char *rep)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s[i].rep_id, rep) == 0) return &s[i];
    return NULL;
}

/* Appends without snprintf so the compiler sees no overlap between id and the parts. */
static size_t qw_id_put(char *id, size_t k, const char *s)
{
    size_t n = strlen(s);
    if (k + n >= QW_CREDIT_ID_MAX) n = QW_CREDIT_ID_MAX - 1 - k; /* cannot happen: ids bounded */
    memcpy(id + k, s, n);
    id[k + n] = '\0';
    return k + n;
}

static void qw_credit_id(qw_credit_t *c, int date_suffix, int sibling, uint32_t present)
{
    char num[24];
    size_t k = qw_id_put(c->id, 0, c->deal_id);
    snprintf(num, sizeof(num), ":%lld:", (long long)c->deal_version);
    k = qw_id_put(c->id, k, num);
    k = qw_id_put(c->id, k, c->rep_id);
    if (date_suffix) {
        char d[12] = ":";
        qw_date_format(c->close_date, d + 1);
        k = qw_id_put(c->id, k, d);
    }
    if (sibling) {
        snprintf(num, sizeof(num), ":f%x", (unsigned)present);
        qw_id_put(c->id, k, num);
    }
}

/* Build the public entry from its remembered form: the one path for first and re-emission, so
 * both are identical byte for byte. */
static void qw_credit_from_hist(const qw_ledger_cfg_t *cfg, const char *deal_id,
                                const qw_hist_rec_t *r, const qw_hist_entry_t *h, qw_credit_t *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(c->deal_id, deal_id, strlen(deal_id) + 1);
    c->deal_version = r->version;
    memcpy(c->rep_id, h->rep_id, strlen(h->rep_id) + 1);
    c->kind = (qw_credit_kind_t)h->kind;
    c->reason = (qw_credit_reason_t)h->reason;
    c->amount_minor = h->base_minor;
    memcpy(c->currency, cfg->rates->base, sizeof(c->currency));
    c->original_minor = h->orig_minor;
    memcpy(c->original_currency, h->orig_currency, sizeof(c->original_currency));
    c->close_date = h->close_date;
    c->close_time_ms = QW_TIME_NONE; /* the ledger emits civil dates */
    c->won_date = h->won_date;
    c->event_time_ms = r->event_time_ms;
    c->discount_bp = h->discount_bp;
    qw_credit_id(c, h->date_suffix, r->sibling, r->present);
}

static void qw_emit_rec(const qw_ledger_cfg_t *cfg, const qw_deal_state_t *st,
                        const qw_hist_rec_t *r, qw_ledger_out_t *out)
{
    out->n = 0;
    for (int i = 0; i < r->n; i++)
        qw_credit_from_hist(cfg, st->deal_id, r, &st->hent[(r->first + i) % QW_LEDGER_HIST_ENTRIES],
                            &out->e[out->n++]);
}

/* Drop the oldest history record (and its entries, which are the oldest in the pool). */
static void qw_hist_evict(qw_deal_state_t *st)
{
    const qw_hist_rec_t *r = &st->hist[st->hist_head];
    st->hent_head = (uint16_t)((st->hent_head + r->n) % QW_LEDGER_HIST_ENTRIES);
    st->hent_used = (uint16_t)(st->hent_used - r->n);
    st->hist_head = (st->hist_head + 1) % QW_LEDGER_HIST_MAX;
    st->nhist--;
}

/* Reserve a history record with n entry slots, evicting the oldest as needed. */
static qw_hist_rec_t *qw_hist_push(qw_deal_state_t *st, int n)
{
    while (st->nhist == QW_LEDGER_HIST_MAX || st->hent_used + n > QW_LEDGER_HIST_ENTRIES)
        qw_hist_evict(st);
    qw_hist_rec_t *r = &st->hist[(st->hist_head + st->nhist) % QW_LEDGER_HIST_MAX];
    st->nhist++;
    r->first = (uint16_t)((st->hent_head + st->hent_used) % QW_LEDGER_HIST_ENTRIES);
    r->n = (uint16_t)n;
    st->hent_used = (uint16_t)(st->hent_used + n);
    return r;
}

static qw_credit_reason_t qw_clawback_reason(qw_deal_status_t now)
{
    switch (now) {
    case QW_DEAL_LOST:
        return QW_REASON_LOST;
    case QW_DEAL_DELETED:
        return QW_REASON_DELETED;
    case QW_DEAL_WON:
        return QW_REASON_UNASSIGNED;
    default:
        return QW_REASON_REOPENED;
    }
}

typedef struct {
    const qw_deal_state_t *st;
    const char *old_currency; /* the deal's currency before the patch */
    const qw_view_t *v;
    int was, is;
    qw_hist_entry_t *h; /* entries being produced */
    int n;
} qw_diff_t;

static void qw_diff_add(qw_diff_t *d, const char *rep, int32_t date, int64_t base, int64_t orig,
                        const char *cur, int negative, qw_credit_reason_t adj_reason)
{
    qw_hist_entry_t *h = &d->h[d->n++];
    memset(h, 0, sizeof(*h));
    memcpy(h->rep_id, rep, strlen(rep) + 1);
    h->base_minor = base;
    h->orig_minor = orig;
    memcpy(h->orig_currency, cur, sizeof(h->orig_currency));
    h->close_date = date;
    h->won_date = negative ? d->st->close_date : QW_DATE_NONE;
    h->discount_bp = negative ? d->st->discount_bp : d->v->discount_bp;
    if (!d->was) {
        h->kind = QW_CREDIT_KIND_CREDIT;
        h->reason = QW_REASON_WON;
    } else if (!d->is) {
        h->kind = QW_CREDIT_KIND_CLAWBACK;
        h->reason = (uint8_t)qw_clawback_reason(d->v->status);
    } else {
        h->kind = QW_CREDIT_KIND_ADJUSTMENT;
        h->reason = (uint8_t)adj_reason;
    }
}

/* Entries = new standing - old standing per (rep, close date). Old reps first in their order,
 * then new reps: a deterministic order for deterministic ids. */
static void qw_diff(qw_diff_t *d, const qw_standing_t *ns, int nn)
{
    const qw_deal_state_t *st = d->st;
    int splits_involved = st->nsplits > 0 || d->v->nsplits > 0;
    qw_credit_reason_t who = splits_involved ? QW_REASON_SPLIT_CHANGED : QW_REASON_OWNER_CHANGED;
    int cur_changed = strcmp(d->old_currency, d->v->currency) != 0;
    for (int i = 0; i < st->nstanding; i++) {
        const qw_standing_t *o = &st->standing[i];
        const qw_standing_t *n = qw_find(ns, nn, o->rep_id);
        if (n && n->close_date == o->close_date) {
            int64_t db = n->base_minor - o->base_minor;
            int64_t dorig = cur_changed ? n->orig_minor : n->orig_minor - o->orig_minor;
            if (db == 0 && !cur_changed && dorig == 0) continue;
            qw_credit_reason_t r = n->basis_points != o->basis_points ? QW_REASON_SPLIT_CHANGED
                                   : cur_changed                      ? QW_REASON_CURRENCY_CHANGED
                                                                      : QW_REASON_AMOUNT_CHANGED;
            qw_diff_add(d, o->rep_id, n->close_date, db, dorig, d->v->currency,
                        db < 0 || (db == 0 && dorig < 0), r);
            continue;
        }
        int first = d->n;
        qw_diff_add(d, o->rep_id, o->close_date, -o->base_minor, -o->orig_minor, d->old_currency, 1,
                    n ? QW_REASON_CLOSE_DATE_MOVED : who);
        if (n) {
            qw_diff_add(d, n->rep_id, n->close_date, n->base_minor, n->orig_minor, d->v->currency,
                        0, QW_REASON_CLOSE_DATE_MOVED);
            d->h[first].date_suffix = d->h[first + 1].date_suffix = 1;
        }
    }
    for (int i = 0; i < nn; i++) {
        const qw_standing_t *n = &ns[i];
        if (qw_find(st->standing, st->nstanding, n->rep_id)) continue;
        qw_diff_add(d, n->rep_id, n->close_date, n->base_minor, n->orig_minor, d->v->currency, 0,
                    who);
    }
}

/* True when an earlier, different patch with this same version was applied: the CRM sent one
 * change as several patches (HubSpot property events), so this one's ids carry its field mask.
 * Its fields may since have been overwritten, hence the history too. */
static int qw_is_sibling(const qw_deal_state_t *st, int64_t version)
{
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if (st->field_version[i] == version) return 1;
    for (int i = 0; i < st->nhist; i++)
        if (st->hist[(st->hist_head + i) % QW_LEDGER_HIST_MAX].version == version) return 1;
    return 0;
}

int qw_ledger_apply(const qw_ledger_cfg_t *cfg, qw_deal_state_t *st, const qw_deal_change_t *p,
                    qw_ledger_out_t *out, char *errbuf, size_t errlen)
{
    out->n = 0;
    out->replay = 0;
    out->changed = 0;
    out->err = QW_LEDGER_E_NONE;
    if (!qw_id_ok(p->deal_id) || strcmp(p->deal_id, st->deal_id) != 0)
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "patch of another deal");
    if (p->version <= 0)
        return qw_ledger_fail(out, QW_LEDGER_E_BAD_PATCH, errbuf, errlen, "version must be > 0");
    /* Never an empty patch: the deal's true state is unknown until it is re-read. */
    if (p->flags & QW_DCF_GAP)
        return qw_ledger_fail(out, QW_LEDGER_E_GAP, errbuf, errlen,
                              "the CRM lost track of the deal: resync it from the CRM");

    /* Applied before (a duplicate, or a replay after an aborted transaction): the same
     * entries again; the evaluator drops the ids it already has. */
    for (int i = 0; i < st->nhist; i++) {
        const qw_hist_rec_t *r = &st->hist[(st->hist_head + i) % QW_LEDGER_HIST_MAX];
        if (r->version == p->version && r->present == p->present) {
            qw_emit_rec(cfg, st, r, out);
            out->replay = 1;
            return QW_OK;
        }
    }
    if (qw_validate(cfg, p, out, errbuf, errlen) != QW_OK) return QW_ERR;

    /* Per field: newer than what the field holds, or it stays (a late change to one property
     * never undoes another). */
    uint32_t applied = 0;
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if ((p->present & (1u << i)) && p->version > st->field_version[i]) applied |= 1u << i;
    if (applied == 0) return QW_OK; /* stale: idempotent, nothing to remember */

    const char *amount_cur =
        (applied & QW_DC_AMOUNT) ? qw_patch_amount_currency(p) : st->amount_currency;
    qw_view_t v = {
        .status = (applied & QW_DC_STATUS) ? p->status : st->status,
        .amount = (applied & QW_DC_AMOUNT) ? p->amount_minor : st->amount_minor,
        .currency =
            qw_deal_currency((applied & QW_DC_CURRENCY) ? p->currency : st->currency, amount_cur),
        .owner = (applied & QW_DC_OWNER) ? p->owner_id : st->owner_id,
        .close_date = (applied & QW_DC_CLOSE_DATE) ? p->close_date : st->close_date,
        .discount_bp = (applied & QW_DC_DISCOUNT) ? p->discount_bp : st->discount_bp,
        .nsplits = (applied & QW_DC_SPLITS) ? p->nsplits : st->nsplits,
        .splits = (applied & QW_DC_SPLITS) ? p->splits : st->splits,
    };

    qw_standing_t ns[QW_SPLITS_MAX];
    int nn = st->nstanding;
    qw_hist_entry_t made[QW_LEDGER_OUT_MAX];
    qw_diff_t d = {.st = st,
                   .old_currency = qw_deal_currency(st->currency, st->amount_currency),
                   .v = &v,
                   .h = made,
                   .n = 0};
    int credit_moved = (applied & QW_LEDGER_CREDIT_FIELDS) != 0;
    if (credit_moved) {
        if (qw_rescale(v.amount, amount_cur, v.currency, &v.amount) != QW_OK)
            return qw_ledger_fail(out, QW_LEDGER_E_OVERFLOW, errbuf, errlen,
                                  "amount does not fit the deal currency's minor units");
        if (qw_standing_of(cfg, &v, ns, &nn, out, errbuf, errlen) != QW_OK) return QW_ERR;
        d.was = st->nstanding > 0;
        d.is = nn > 0;
        qw_diff(&d, ns, nn);
    }
    int sibling = qw_is_sibling(st, p->version);

    /* Commit: nothing above touched the state, so an error leaves it as it was. */
    out->changed = 1;
    if (applied & QW_DC_STATUS) st->status = p->status;
    if (applied & QW_DC_AMOUNT) {
        st->amount_minor = p->amount_minor;
        memcpy(st->amount_currency, amount_cur, strlen(amount_cur) + 1);
    }
    if (applied & QW_DC_CURRENCY) memcpy(st->currency, p->currency, sizeof(st->currency));
    if (applied & QW_DC_OWNER) memcpy(st->owner_id, p->owner_id, strlen(p->owner_id) + 1);
    if (applied & QW_DC_CLOSE_DATE) st->close_date = p->close_date;
    if (applied & QW_DC_DISCOUNT) st->discount_bp = p->discount_bp;
    if (applied & QW_DC_SPLITS) {
        st->nsplits = p->nsplits;
        memcpy(st->splits, p->splits, sizeof(qw_split_t) * (size_t)p->nsplits);
    }
    if (applied & QW_DC_STAGE) memcpy(st->stage, p->stage, sizeof(st->stage));
    if (applied & QW_DC_PIPELINE) memcpy(st->pipeline, p->pipeline, sizeof(st->pipeline));
    for (int i = 0; i < QW_DC_NFIELDS; i++)
        if (applied & (1u << i)) st->field_version[i] = p->version;
    if (credit_moved) {
        st->nstanding = nn;
        memcpy(st->standing, ns, sizeof(qw_standing_t) * (size_t)nn);
    }
    if (d.n == 0) return QW_OK; /* a replay would be a no-op too: nothing to remember */

    qw_hist_rec_t *r = qw_hist_push(st, d.n);
    r->version = p->version;
    r->event_time_ms = p->event_time_ms;
    r->present = p->present;
    r->sibling = (uint16_t)sibling;
    for (int i = 0; i < d.n; i++)
        st->hent[(r->first + i) % QW_LEDGER_HIST_ENTRIES] = made[i];
    qw_emit_rec(cfg, st, r, out);
    return QW_OK;
}
