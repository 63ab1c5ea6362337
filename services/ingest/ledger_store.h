/* The deal ledger's Redis store: deal states as "<ns>qw:deal:{<deal id>}" strings
 * "<rev>:<state>" (hashes {rev, state} before format 3, still read), loaded for a whole batch in
 * one pipelined round trip and saved back with a compare-and-set script per deal (EVALSHA,
 * pipelined) so that two ingest instances touching one deal never lose an update. See
 * docs/ledger.md.
 *
 * Redis is reached through qw_redis_t: a connection failure drops the connection (the next call
 * reconnects), so after QW_ERR the caller retries the whole batch. Saves in flight then have an
 * unknown outcome, which is safe: a retried patch that did land is found in the deal's
 * history and re-emits the same credit ids. */
#ifndef QW_LEDGER_STORE_H
#define QW_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "quotawatch/redis.h"

#define QW_LEDGER_KEY_PREFIX "qw:deal:{"
#define QW_LEDGER_NS_MAX     64 /* the namespace: qw-ingest's --topic-prefix */
#define QW_LEDGER_KEY_MAX    (QW_LEDGER_NS_MAX + sizeof(QW_LEDGER_KEY_PREFIX) + QW_ID_MAX + 1)
#define QW_LEDGER_REV_MAX    24 /* "<decimal revision>:" and a NUL */
/* Conflicted deals are re-loaded and re-applied at most this many times per batch, with a
 * jittered, exponentially growing pause before each retry (QW_LEDGER_BACKOFF_US << round, capped)
 * so that two instances racing on one hot deal stop colliding instead of taking turns to lose. */
#define QW_LEDGER_STORE_ROUNDS 16
#define QW_LEDGER_BACKOFF_US   200
#define QW_LEDGER_BACKOFF_MAX  50000
/* A batch's deals are loaded, applied and saved this many at a time, in working states reused
 * from chunk to chunk: a state is ~27 KB (its history ring), and a backlog's batch of 5,000
 * webhook bodies touches ~14,000 deals — ~380 MB of fresh pages if each had its own. One chunk
 * is ~28 MB and costs one more pipelined load and save per chunk; a small batch is one chunk. */
#define QW_LEDGER_STORE_CHUNK 1024

/* What became of one patch of a batch. */
typedef struct qw_ledger_result_s {
    qw_ledger_err_t err; /* NONE, or why it goes to the DLQ (qw_ledger_err_name) */
    int replay;          /* an applied version: its entries were re-emitted */
    size_t first;        /* its entries: batch entries[first .. first + n) */
    int n;
} qw_ledger_result_t;

/* Reused across batches: grows to the largest batch seen, never per event. */
typedef struct qw_ledger_store_s {
    char ns[QW_LEDGER_NS_MAX]; /* key prefix, "" by default */
    char sha[41];              /* of the CAS script; "" until loaded */
    /* Output of the last batch, valid until the next call. */
    qw_credit_t *entries; /* in patch order */
    size_t nentries;
    qw_ledger_result_t *results; /* one per patch */
    int conflicts;               /* CAS conflicts retried in the last batch */
    uint64_t jitter;             /* xorshift state for the retry pause */
    /* Scratch. */
    size_t cap_entries, cap_patches, cap_deals, cap_scratch;
    qw_credit_t *scratch; /* entries before they are put in patch order */
    size_t nscratch;
    struct qw_ledger_deal_s *deals;
    qw_deal_state_t *states; /* QW_LEDGER_STORE_CHUNK working states, allocated when first needed */
    int *next;               /* next patch of the same deal, -1 at the end */
    int *table; /* deal index + 1, 0 empty (why not qw_strmap: qw_group in ledger_store.c) */
    size_t table_cap;
    uint8_t *blob;
    qw_ledger_out_t out;
} qw_ledger_store_t;

void qw_ledger_store_init(qw_ledger_store_t *s);
/* Prefix every key with ns (one Redis can then serve several pipelines, as the evaluator's keys
 * are prefixed too). QW_ERR when it is QW_LEDGER_NS_MAX or longer. */
int qw_ledger_store_set_ns(qw_ledger_store_t *s, const char *ns);
void qw_ledger_store_free(qw_ledger_store_t *s);

/* "<ns>qw:deal:{<deal id>}"; QW_ERR when the id does not fit. */
int qw_ledger_store_key(const char *ns, const char *deal_id, char *key, size_t keylen);

/* SCRIPT LOAD the compare-and-set script (done lazily by the batch call, and again after a
 * NOSCRIPT reply when Redis restarted or was flushed). */
int qw_ledger_store_load_script(qw_ledger_store_t *s, qw_redis_t *r, char *errbuf, size_t errlen);

/* Load states of n deals in one pipelined round trip: a missing key is a fresh state with
 * revision 0. A state that fails to decode sets bad[i] (when bad is not NULL) and leaves
 * states[i] fresh; QW_ERR only when Redis itself fails. */
int qw_ledger_store_load(const qw_ledger_store_t *s, qw_redis_t *r, const char *const *deal_ids,
                         size_t n, qw_deal_state_t *const *states, int64_t *revs, int *bad,
                         char *errbuf, size_t errlen);

/* Save n states, each only if Redis still holds revs[i] (then it holds revs[i] + 1): saved[i]
 * is 1 when written, 0 on a conflict. One pipelined round trip (two after a NOSCRIPT). */
int qw_ledger_store_save(qw_ledger_store_t *s, qw_redis_t *r, const qw_deal_state_t *const *states,
                         size_t n, const int64_t *revs, int *saved, char *errbuf, size_t errlen);

/* The whole step for a batch: load every deal it touches, apply its patches in order, save
 * with compare-and-set, re-load and re-apply the deals that conflicted. On QW_OK,
 * s->results[i] tells what became of patches[i] and s->entries holds all entries in patch
 * order. QW_ERR (Redis failed, or a deal kept conflicting): nothing may be produced; abort
 * and retry the batch. */
int qw_ledger_store_apply_batch(qw_ledger_store_t *s, qw_redis_t *r, const qw_ledger_cfg_t *cfg,
                                const qw_deal_change_t *patches, size_t n, char *errbuf,
                                size_t errlen);

#endif
