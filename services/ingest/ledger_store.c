#include "ledger_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quotawatch/strmap.h"

/* A deal is one string, "<rev>:<state blob>" (revisions are decimal; a missing key is revision
 * 0). States written before it are hashes {rev, state}: read as such and replaced by a string on
 * their next save. A string of ~200 bytes costs Redis ~60 bytes of overhead where the hash cost
 * ~220 (a value over 64 bytes makes the hash a real hash table). Write the state only if the
 * stored revision is still the one we loaded. */
static const char qw_cas_lua[] = "local v = redis.pcall('GET', KEYS[1])\n"
                                 "local cur = '0'\n"
                                 "if type(v) == 'table' then\n"
                                 "  cur = redis.call('HGET', KEYS[1], 'rev') or '0'\n"
                                 "elseif v then\n"
                                 "  cur = string.match(v, '^(%d+):') or ''\n"
                                 "end\n"
                                 "if cur ~= ARGV[1] then return 0 end\n"
                                 "redis.call('SET', KEYS[1], ARGV[2])\n"
                                 "return 1\n";

typedef struct qw_ledger_deal_s {
    const char *deal_id;
    int first, last; /* patch chain */
    int pending;     /* still to load, apply and save */
    int bad;         /* stored state is corrupt */
    int changed;
    int64_t rev;
    qw_deal_state_t *st; /* a working state of the store's chunk while the deal is in it */
} qw_ledger_deal_t;

void qw_ledger_store_init(qw_ledger_store_t *s)
{
    memset(s, 0, sizeof(*s));
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Only needs to differ between instances; never zero (xorshift's fixed point). */
    s->jitter = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)s ^ (uint64_t)ts.tv_sec;
    if (s->jitter == 0) s->jitter = 0x9e3779b97f4a7c15u;
}

/* Pause a random part of an exponentially growing window before retry round `round`. */
static void qw_backoff(qw_ledger_store_t *s, int round)
{
    uint64_t x = s->jitter;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s->jitter = x;
    long window = round >= 8 ? QW_LEDGER_BACKOFF_MAX : (long)QW_LEDGER_BACKOFF_US << round;
    if (window > QW_LEDGER_BACKOFF_MAX) window = QW_LEDGER_BACKOFF_MAX;
    long us = (long)(x % (uint64_t)window) + 1;
    struct timespec d = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

void qw_ledger_store_free(qw_ledger_store_t *s)
{
    free(s->entries);
    free(s->results);
    free(s->scratch);
    free(s->deals);
    free(s->states);
    free(s->next);
    free(s->table);
    free(s->blob);
    memset(s, 0, sizeof(*s));
}

int qw_ledger_store_set_ns(qw_ledger_store_t *s, const char *ns)
{
    if (strlen(ns) >= sizeof(s->ns)) return QW_ERR;
    snprintf(s->ns, sizeof(s->ns), "%s", ns);
    return QW_OK;
}

int qw_ledger_store_key(const char *ns, const char *deal_id, char *key, size_t keylen)
{
    size_t n = strnlen(deal_id, QW_ID_MAX);
    if (n == 0 || n >= QW_ID_MAX) return QW_ERR;
    int k = snprintf(key, keylen, "%s" QW_LEDGER_KEY_PREFIX "%s}", ns, deal_id);
    return k > 0 && (size_t)k < keylen ? QW_OK : QW_ERR;
}

/* Redis failed (connection lost: the wrapper dropped it; or an error reply such as OOM or
 * READONLY): its cause is in r->errstr. */
static int qw_redis_fail(const qw_redis_t *r, char *errbuf, size_t errlen)
{
    if (!qw_redis_connected(r)) return qw_err_set(errbuf, errlen, "%s (reconnect)", r->errstr);
    return qw_err_set(errbuf, errlen, "%s", r->errstr);
}

int qw_ledger_store_load_script(qw_ledger_store_t *s, qw_redis_t *r, char *errbuf, size_t errlen)
{
    if (qw_redis_script_load(r, qw_cas_lua, s->sha) != QW_OK)
        return qw_redis_fail(r, errbuf, errlen);
    return QW_OK;
}

static int qw_parse_rev(const redisReply *r, int64_t *rev)
{
    if (r->type == REDIS_REPLY_NIL) {
        *rev = 0;
        return QW_OK;
    }
    if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 19) return QW_ERR;
    char tmp[20], *end;
    memcpy(tmp, r->str, r->len);
    tmp[r->len] = '\0';
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end || v < 0) return QW_ERR;
    *rev = v;
    return QW_OK;
}

static int qw_decode_one(const char *blob, size_t len, const char *deal_id, qw_deal_state_t *st)
{
    char err[QW_ERRSTR_MAX];
    if (qw_deal_state_decode(st, (const uint8_t *)blob, len, err, sizeof(err)) != QW_OK)
        return QW_ERR;
    return strcmp(st->deal_id, deal_id) == 0 ? QW_OK : QW_ERR;
}

/* One GET reply, "<rev>:<blob>" or nil, into a state. QW_ERR when what Redis holds is not a
 * valid state; 1 when the key is a hash of the old layout (WRONGTYPE). */
static int qw_load_string(const redisReply *r, const char *deal_id, qw_deal_state_t *st,
                          int64_t *rev)
{
    *rev = 0;
    if (r->type == REDIS_REPLY_NIL) return qw_deal_state_init(st, deal_id);
    if (r->type == REDIS_REPLY_ERROR) return strncmp(r->str, "WRONGTYPE", 9) == 0 ? 1 : QW_ERR;
    if (r->type != REDIS_REPLY_STRING) return QW_ERR;
    const char *colon = memchr(r->str, ':', r->len < 20 ? r->len : 20);
    if (!colon || colon == r->str) return QW_ERR;
    int64_t v = 0;
    for (const char *p = r->str; p < colon; p++) {
        if (*p < '0' || *p > '9') return QW_ERR;
        v = v * 10 + (*p - '0'); /* at most 19 digits: no overflow */
    }
    if (v <= 0) return QW_ERR;
    *rev = v;
    return qw_decode_one(colon + 1, r->len - (size_t)(colon + 1 - r->str), deal_id, st);
}

/* One HMGET rev state reply (the old layout) into a state. */
static int qw_load_hash(const redisReply *r, const char *deal_id, qw_deal_state_t *st, int64_t *rev)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) return QW_ERR;
    const redisReply *rv = r->element[0], *blob = r->element[1];
    if (qw_parse_rev(rv, rev) != QW_OK) return QW_ERR;
    /* A hash without our fields is not a state we wrote: with nothing to compare, its first
     * save (SET NX) would conflict on every retry, so it is left for an operator. */
    if (blob->type != REDIS_REPLY_STRING || *rev == 0) return QW_ERR;
    return qw_decode_one(blob->str, blob->len, deal_id, st);
}

/* Read n replies of `what` (GET, or HMGET for the deals which[0..n)) into their states; for
 * GET, legacy[i] marks a hash of the old layout, to be read again with HMGET. Every reply is
 * read even after a bad one, so the pipeline stays in step. */
static int qw_load_replies(qw_redis_t *r, const char *what, const char *const *deal_ids,
                           const size_t *which, size_t n, qw_deal_state_t *const *states,
                           int64_t *revs, int *bad, int *legacy, char *errbuf, size_t errlen)
{
    int rc = QW_OK;
    for (size_t k = 0; k < n; k++) {
        size_t i = which ? which[k] : k;
        redisReply *rep;
        int got = qw_redis_read(r, what, &rep, 1);
        if (got == QW_ERR) {
            freeReplyObject(rep);
            qw_redis_read_discard(r, what, (int)(n - k - 1));
            return qw_redis_fail(r, errbuf, errlen);
        }
        int64_t rev = 0;
        got = legacy ? qw_load_string(rep, deal_ids[i], states[i], &rev)
                     : qw_load_hash(rep, deal_ids[i], states[i], &rev);
        int refused = got == QW_ERR && rep->type == REDIS_REPLY_ERROR; /* OOM, NOAUTH, ... */
        freeReplyObject(rep);
        if (legacy) legacy[i] = got == 1;
        if (refused) {
            if (rc == QW_OK) rc = qw_redis_fail(r, errbuf, errlen);
        } else if (got == QW_ERR) {
            /* Keep its revision if readable: an operator's repair can be compared-and-set. */
            qw_deal_state_init(states[i], deal_ids[i]);
            if (!bad && rc == QW_OK)
                rc = qw_err_set(errbuf, errlen, "corrupt state of deal %s", deal_ids[i]);
            if (bad) bad[i] = 1;
        } else if (bad) {
            bad[i] = 0;
        }
        revs[i] = rev;
    }
    return rc;
}

int qw_ledger_store_load(const qw_ledger_store_t *s, qw_redis_t *r, const char *const *deal_ids,
                         size_t n, qw_deal_state_t *const *states, int64_t *revs, int *bad,
                         char *errbuf, size_t errlen)
{
    char key[QW_LEDGER_KEY_MAX];
    for (size_t i = 0; i < n; i++) {
        if (qw_ledger_store_key(s->ns, deal_ids[i], key, sizeof(key)) != QW_OK) {
            qw_redis_read_discard(r, "GET", (int)i); /* keep the pipeline in step */
            return qw_err_set(errbuf, errlen, "deal id too long");
        }
        if (qw_redis_append(r, "GET %s", key) != QW_OK) return qw_redis_fail(r, errbuf, errlen);
    }
    size_t *old = malloc((n ? n : 1) * sizeof(size_t));
    int *legacy = malloc((n ? n : 1) * sizeof(int));
    if (!old || !legacy) {
        free(old);
        free(legacy);
        qw_redis_read_discard(r, "GET", (int)n);
        return qw_err_set(errbuf, errlen, "out of memory");
    }
    int rc =
        qw_load_replies(r, "GET", deal_ids, NULL, n, states, revs, bad, legacy, errbuf, errlen);
    /* Hashes of the old layout: a second round trip, only until each is saved once. */
    size_t nold = 0;
    for (size_t i = 0; rc == QW_OK && i < n; i++) {
        if (!legacy[i]) continue;
        if (qw_ledger_store_key(s->ns, deal_ids[i], key, sizeof(key)) != QW_OK ||
            qw_redis_append(r, "HMGET %s rev state", key) != QW_OK) {
            qw_redis_read_discard(r, "HMGET", (int)nold);
            rc = qw_redis_fail(r, errbuf, errlen);
            nold = 0;
            break;
        }
        old[nold++] = i;
    }
    if (nold)
        rc = qw_load_replies(r, "HMGET", deal_ids, old, nold, states, revs, bad, NULL, errbuf,
                             errlen);
    free(old);
    free(legacy);
    return rc;
}

static int qw_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return QW_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return QW_ERR;
    *p = np;
    *cap = ncap;
    return QW_OK;
}

static int qw_blob_buf(qw_ledger_store_t *s)
{
    if (s->blob) return QW_OK;
    s->blob = malloc(QW_LEDGER_REV_MAX + qw_deal_state_encoded_max());
    return s->blob ? QW_OK : QW_ERR;
}

/* Append the compare-and-set of one state, whose new value is "<rev + 1>:<blob>": SET NX for a
 * deal loaded as absent (rev 0), else an EVALSHA of the CAS script with the expected rev. */
static int qw_append_cas(qw_ledger_store_t *s, qw_redis_t *r, const qw_deal_state_t *st,
                         int64_t rev, char *errbuf, size_t errlen)
{
    char key[QW_LEDGER_KEY_MAX], r0[QW_LEDGER_REV_MAX];
    if (qw_ledger_store_key(s->ns, st->deal_id, key, sizeof(key)) != QW_OK)
        return qw_err_set(errbuf, errlen, "deal id too long");
    int head = snprintf((char *)s->blob, QW_LEDGER_REV_MAX, "%lld:", (long long)rev + 1);
    size_t len = qw_deal_state_encode(st, s->blob + head, qw_deal_state_encoded_max());
    if (len == 0)
        return qw_err_set(errbuf, errlen, "state of deal %s does not encode", st->deal_id);
    /* Appending copies the arguments into the output buffer: the blob buffer is reusable. */
    if (rev == 0) {
        /* A deal never saved: "no key yet" is what SET NX checks, without running a script
         * (a first save is most saves of a backlog of new deals). A hash of the old layout
         * exists, so it is a conflict, re-loaded as a hash and then compared-and-set. */
        const char *argv[4] = {"SET", key, (const char *)s->blob, "NX"};
        size_t lens[4] = {3, strlen(key), (size_t)head + len, 2};
        if (qw_redis_append_argv(r, 4, argv, lens) != QW_OK)
            return qw_redis_fail(r, errbuf, errlen);
        return QW_OK;
    }
    snprintf(r0, sizeof(r0), "%lld", (long long)rev);
    const char *argv[6] = {"EVALSHA", s->sha, "1", key, r0, (const char *)s->blob};
    size_t lens[6] = {7, 40, 1, strlen(key), strlen(r0), (size_t)head + len};
    if (qw_redis_append_argv(r, 6, argv, lens) != QW_OK) return qw_redis_fail(r, errbuf, errlen);
    return QW_OK;
}

int qw_ledger_store_save(qw_ledger_store_t *s, qw_redis_t *r, const qw_deal_state_t *const *states,
                         size_t n, const int64_t *revs, int *saved, char *errbuf, size_t errlen)
{
    if (qw_blob_buf(s) != QW_OK) return qw_err_set(errbuf, errlen, "out of memory");
    if (!s->sha[0] && qw_ledger_store_load_script(s, r, errbuf, errlen) != QW_OK) return QW_ERR;
    for (size_t i = 0; i < n; i++)
        saved[i] = -1; /* -1: not yet known */
    /* The second pass only runs after a NOSCRIPT (Redis restarted or flushed its scripts). */
    for (int pass = 0; pass < 2; pass++) {
        int sent = 0;
        for (size_t i = 0; i < n; i++) {
            if (saved[i] != -1) continue;
            if (qw_append_cas(s, r, states[i], revs[i], errbuf, errlen) != QW_OK) {
                qw_redis_read_discard(r, "EVALSHA", sent); /* keep the pipeline in step */
                return QW_ERR;
            }
            sent++;
        }
        if (sent == 0) return QW_OK;
        int noscript = 0, failed = 0;
        for (size_t i = 0; i < n; i++) {
            if (saved[i] != -1) continue;
            redisReply *rep;
            int rc = qw_redis_read(r, "EVALSHA", &rep, 1);
            if (rc == QW_ERR) return qw_redis_fail(r, errbuf, errlen);
            if (revs[i] == 0 && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "OK") == 0) {
                saved[i] = 1; /* SET NX wrote it */
            } else if (revs[i] == 0 && rep->type == REDIS_REPLY_NIL) {
                saved[i] = 0; /* SET NX: someone saved it first */
            } else if (rep->type == REDIS_REPLY_INTEGER &&
                       (rep->integer == 0 || rep->integer == 1)) {
                saved[i] = (int)rep->integer;
            } else if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
                noscript = 1;
            } else if (!failed) {
                failed = 1;
                if (rc == QW_OK) qw_redis_reply_fail(r, "EVALSHA", rep); /* unexpected type */
                qw_redis_fail(r, errbuf, errlen);
            }
            freeReplyObject(rep);
        }
        if (failed) return QW_ERR;
        if (!noscript) return QW_OK;
        if (qw_ledger_store_load_script(s, r, errbuf, errlen) != QW_OK) return QW_ERR;
    }
    return qw_err_set(errbuf, errlen, "redis EVALSHA: script keeps vanishing");
}

/* Group patches by deal: s->deals[0..ndeals), each with its chain of patches in order.
 * The hash is qw_strmap's; the table is not a qw_strmap because that map copies every key
 * (a malloc per deal per batch, and a free of each plus the table to empty it), while this one
 * borrows the ids from the patches, which outlive the batch, and is emptied by one memset:
 * the per-event path allocates nothing once the largest batch has been seen. */
static int qw_group(qw_ledger_store_t *s, const qw_deal_change_t *patches, size_t n, size_t *ndeals)
{
    size_t tcap = 16;
    while (tcap < 2 * n)
        tcap *= 2;
    if (tcap > s->table_cap) {
        free(s->table);
        s->table = malloc(tcap * sizeof(int));
        if (!s->table) {
            s->table_cap = 0;
            return QW_ERR;
        }
        s->table_cap = tcap;
    }
    memset(s->table, 0, tcap * sizeof(int));
    *ndeals = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = patches[i].deal_id;
        s->next[i] = -1;
        size_t len = strnlen(id, QW_ID_MAX);
        if (len == 0 || len == QW_ID_MAX) {
            s->results[i].err = QW_LEDGER_E_BAD_PATCH;
            continue;
        }
        size_t h = (size_t)qw_strmap_hash(id, len) & (tcap - 1);
        while (s->table[h] && strcmp(s->deals[s->table[h] - 1].deal_id, id) != 0)
            h = (h + 1) & (tcap - 1);
        if (!s->table[h]) {
            qw_ledger_deal_t *d = &s->deals[*ndeals];
            d->deal_id = id;
            d->first = d->last = (int)i;
            d->pending = 1;
            s->table[h] = (int)++*ndeals;
        } else {
            qw_ledger_deal_t *d = &s->deals[s->table[h] - 1];
            s->next[d->last] = (int)i;
            d->last = (int)i;
        }
    }
    return QW_OK;
}

/* Apply a deal's patches in order to its freshly loaded state; entries go to scratch. */
static int qw_apply_deal(qw_ledger_store_t *s, const qw_ledger_cfg_t *cfg, qw_ledger_deal_t *d,
                         const qw_deal_change_t *patches)
{
    char err[QW_ERRSTR_MAX];
    d->changed = 0;
    for (int i = d->first; i >= 0; i = s->next[i]) {
        qw_ledger_result_t *r = &s->results[i];
        memset(r, 0, sizeof(*r));
        if (d->bad) {
            r->err = QW_LEDGER_E_CORRUPT_STATE;
            continue;
        }
        if (qw_ledger_apply(cfg, d->st, &patches[i], &s->out, err, sizeof(err)) != QW_OK) {
            r->err = s->out.err;
            continue;
        }
        r->first = s->nscratch;
        r->replay = s->out.replay;
        d->changed |= s->out.changed;
        if (s->out.n == 0) continue;
        if (qw_grow((void **)&s->scratch, &s->cap_scratch, s->nscratch + (size_t)s->out.n,
                    sizeof(qw_credit_t)) != QW_OK)
            return QW_ERR;
        memcpy(&s->scratch[s->nscratch], s->out.e, sizeof(qw_credit_t) * (size_t)s->out.n);
        r->n = s->out.n;
        s->nscratch += (size_t)s->out.n;
    }
    return QW_OK;
}

/* Pointer arrays for the load/save calls, over the pending deals. */
typedef struct {
    const char **ids;
    qw_deal_state_t **st;
    int64_t *revs;
    int *flag;
    size_t *idx;
} qw_pending_t;

/* Load, apply and save the deals [c0, c1) of the batch, each in its working state; deals that
 * lost a compare-and-set to another writer are loaded and applied again, up to
 * QW_LEDGER_STORE_ROUNDS times. */
static int qw_apply_chunk(qw_ledger_store_t *s, qw_redis_t *r, const qw_ledger_cfg_t *cfg,
                          const qw_deal_change_t *patches, qw_pending_t *p, size_t c0, size_t c1,
                          char *errbuf, size_t errlen)
{
    for (int round = 0;; round++) {
        size_t k = 0;
        for (size_t i = c0; i < c1; i++) {
            if (!s->deals[i].pending) continue;
            p->ids[k] = s->deals[i].deal_id;
            p->st[k] = s->deals[i].st;
            p->idx[k++] = i;
        }
        if (k == 0) return QW_OK;
        if (round == QW_LEDGER_STORE_ROUNDS)
            return qw_err_set(errbuf, errlen, "%zu deals still conflict after %d rounds", k, round);
        if (round > 0) qw_backoff(s, round - 1);
        if (qw_ledger_store_load(s, r, p->ids, k, p->st, p->revs, p->flag, errbuf, errlen) != QW_OK)
            return QW_ERR;
        /* Apply; only deals whose state changed need a save. */
        size_t w = 0;
        for (size_t j = 0; j < k; j++) {
            qw_ledger_deal_t *d = &s->deals[p->idx[j]];
            d->rev = p->revs[j];
            d->bad = p->flag[j];
            if (qw_apply_deal(s, cfg, d, patches) != QW_OK)
                return qw_err_set(errbuf, errlen, "out of memory");
            if (!d->changed) {
                d->pending = 0;
                continue;
            }
            p->st[w] = d->st;
            p->revs[w] = d->rev;
            p->idx[w++] = p->idx[j];
        }
        if (w == 0) continue;
        if (qw_ledger_store_save(s, r, (const qw_deal_state_t *const *)p->st, w, p->revs, p->flag,
                                 errbuf, errlen) != QW_OK)
            return QW_ERR;
        for (size_t j = 0; j < w; j++) {
            if (p->flag[j] == 1)
                s->deals[p->idx[j]].pending = 0;
            else
                s->conflicts++; /* someone else saved first: load theirs and apply again */
        }
    }
}

int qw_ledger_store_apply_batch(qw_ledger_store_t *s, qw_redis_t *r, const qw_ledger_cfg_t *cfg,
                                const qw_deal_change_t *patches, size_t n, char *errbuf,
                                size_t errlen)
{
    s->nentries = 0;
    s->nscratch = 0;
    s->conflicts = 0;
    size_t cap = s->cap_patches;
    if (qw_grow((void **)&s->results, &cap, n, sizeof(qw_ledger_result_t)) != QW_OK ||
        (cap = s->cap_patches, qw_grow((void **)&s->next, &cap, n, sizeof(int))) != QW_OK)
        return qw_err_set(errbuf, errlen, "out of memory");
    s->cap_patches = cap;
    cap = s->cap_deals;
    if (qw_grow((void **)&s->deals, &cap, n, sizeof(qw_ledger_deal_t)) != QW_OK)
        return qw_err_set(errbuf, errlen, "out of memory");
    s->cap_deals = cap;
    memset(s->results, 0, n * sizeof(qw_ledger_result_t));
    size_t ndeals;
    if (qw_group(s, patches, n, &ndeals) != QW_OK)
        return qw_err_set(errbuf, errlen, "out of memory");

    /* One allocation per batch for the pointer arrays (not per event). */
    size_t m = ndeals ? ndeals : 1;
    qw_pending_t p = {
        .ids = malloc(m * sizeof(char *)),
        .st = malloc(m * sizeof(qw_deal_state_t *)),
        .revs = malloc(m * sizeof(int64_t)),
        .flag = malloc(m * sizeof(int)),
        .idx = malloc(m * sizeof(size_t)),
    };
    int rc = QW_OK;
    if (!p.ids || !p.st || !p.revs || !p.flag || !p.idx) {
        rc = qw_err_set(errbuf, errlen, "out of memory");
        goto done;
    }
    if (ndeals && !s->states) {
        s->states = malloc(QW_LEDGER_STORE_CHUNK * sizeof(qw_deal_state_t));
        if (!s->states) {
            rc = qw_err_set(errbuf, errlen, "out of memory");
            goto done;
        }
    }
    for (size_t c0 = 0; c0 < ndeals; c0 += QW_LEDGER_STORE_CHUNK) {
        size_t c1 = ndeals - c0 < QW_LEDGER_STORE_CHUNK ? ndeals : c0 + QW_LEDGER_STORE_CHUNK;
        for (size_t i = c0; i < c1; i++)
            s->deals[i].st = &s->states[i - c0];
        if (qw_apply_chunk(s, r, cfg, patches, &p, c0, c1, errbuf, errlen) != QW_OK) {
            rc = QW_ERR;
            goto done;
        }
    }
    /* Entries in patch order (a retried deal's entries were appended after the others). */
    if (qw_grow((void **)&s->entries, &s->cap_entries, s->nscratch, sizeof(qw_credit_t)) != QW_OK) {
        rc = qw_err_set(errbuf, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        qw_ledger_result_t *r = &s->results[i];
        size_t from = r->first;
        r->first = s->nentries;
        if (r->n == 0) continue;
        memcpy(&s->entries[s->nentries], &s->scratch[from], sizeof(qw_credit_t) * (size_t)r->n);
        s->nentries += (size_t)r->n;
    }
done:
    free(p.ids);
    free(p.st);
    free(p.revs);
    free(p.flag);
    free(p.idx);
    return rc;
}
