/* The evaluator's progress in Redis (docs/evaluator.md, "Exactly once"). Keys, tagged by
 * partition so one batch touches one Redis Cluster slot (<ns> is the topic prefix, "" by
 * default):
 *   <ns>qw:ev:{p<N>}:epoch    fencing token, INCR'd by each new owner
 *   <ns>qw:ev:{p<N>}:offset   next credits offset to process
 *   <ns>qw:ev:{p<N>}:outbox   list of packed Decision protobufs not yet acknowledged by Kafka
 *   <ns>qw:ev:{p<N>}:ids      sorted set of applied credit ids by offset: the window written
 *                             before the exact id sets; now only read on takeover
 *   <ns>qw:ev:{p<N>}:reps     set of the rep keys of the partition (for the calendar job)
 *   <ns>qw:ev:{p<N>}:gen      state generation: the calendar job bumps it after changing reps
 *   <ns>qw:ev:{p<N>}:hold     present while the calendar job works on the partition
 *   <ns>qw:ev:{p<N>}:marks    completeness marks: "<raw topic>/<part>" -> ms, "_ts" -> newest
 *                             Kafka timestamp of a mark record (docs/completeness.md)
 *   <ns>qw:rep:{p<N>}:<rep>   the engine's per-rep state blob
 *   <ns>qw:cid:{p<N>}:<rep>   hash: every credit id applied to the rep -> its period, for the
 *                             periods its state retains (the exact de-duplication)
 * Every write goes through a Lua script that checks the epoch first. */
#ifndef QW_STORE_H
#define QW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/redis.h"

#define QW_STORE_KEY_MAX 512

typedef struct qw_store_s {
    qw_redis_t *r;
    char ns[64];
    char commit_sha[41];
    char trim_sha[41];
    char job_sha[41];
    char marks_sha[41];
    char prewrite_sha[41];
    int loaded; /* scripts loaded on this connection's server (cleared on NOSCRIPT) */
    char errstr[QW_ERRSTR_MAX];
} qw_store_t;

void qw_store_init(qw_store_t *s, qw_redis_t *r, const char *ns);

/* Key names. */
void qw_store_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *what);
void qw_store_rep_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *rep_id);
void qw_store_cid_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *rep_id);

/* On assignment, for each partition in one round trip: INCR the epoch, GET the next offset
 * (-1 when none) and the generation. QW_ERR when Redis is unreachable. */
int qw_store_take(qw_store_t *s, const int32_t *parts, int n, int64_t *epoch, int64_t *offset,
                  int64_t *gen);

/* Read a partition's generation (after a "stale" reply). */
int qw_store_get_gen(qw_store_t *s, int32_t part, int64_t *gen);

/* GET many rep blobs of one partition in one pipelined round trip; replies[i] is a string or
 * nil reply (caller frees each with freeReplyObject). */
int qw_store_load_reps(qw_store_t *s, int32_t part, const char *const *rep_ids, int n,
                       void **replies);

/* The applied-id window of a partition, oldest first: calls fn per id. */
int qw_store_load_ids(qw_store_t *s, int32_t part,
                      int (*fn)(void *opaque, const char *id, size_t len), void *opaque);

typedef enum {
    QW_COMMIT_OK = 0,     /* applied */
    QW_COMMIT_SKIP = 1,   /* first offset below the stored next offset: applied earlier */
    QW_COMMIT_FENCED = 2, /* another owner took the partition */
    QW_COMMIT_HELD = 3,   /* the calendar job is working on the partition: retry later */
    QW_COMMIT_STALE = 4,  /* the calendar job changed rep states: reload them and redo */
    QW_COMMIT_DUP = 5,    /* some credit ids were applied before (older than the window): the
                             batch wrote nothing; drop those ids and redo */
} qw_commit_status_t;

/* One batch of one partition, as the commit script takes it. The caller fills reps (key,
 * blob pairs: two entries each; with cids: one <ns>qw:cid key per rep, same order), outbox
 * (entries), ids (offset, id pairs: the window), exact (per rep with applied credits: rep index
 * 0.., check (1: look its ids up first; 0: the rep has no id hash yet), count, then count (id,
 * period) pairs: checked against and added to the rep's exact set) and prune (per rep whose
 * state evicted periods: rep index, number of periods kept, the periods kept: the rep's other
 * ids are dropped). */
typedef struct qw_commit_s {
    int32_t part;
    int64_t epoch, gen;
    int64_t first_offset, next_offset;
    int64_t window;
    qw_redis_args_t reps;
    qw_redis_args_t cids;
    qw_redis_args_t outbox;
    qw_redis_args_t ids;
    qw_redis_args_t exact;
    qw_redis_args_t prune;
    /* QW_COMMIT_DUP: called once per credit id found applied before. */
    int (*on_dup)(void *opaque, const char *id, size_t len);
    void *dup_opaque;
    qw_redis_args_t cmd; /* the EVALSHA built from the above (scratch, reused per batch) */
} qw_commit_t;

void qw_commit_init(qw_commit_t *c);
void qw_commit_reset(qw_commit_t *c);
void qw_commit_free(qw_commit_t *c);

/* The one round trip per batch. QW_OK with *status (and *value: the stored next offset for
 * SKIP, the generation for STALE, the number of duplicates for DUP), or QW_ERR when Redis failed
 * (unknown outcome: retry the same batch; the offset check makes the retry idempotent). */
int qw_store_commit(qw_store_t *s, qw_commit_t *c, qw_commit_status_t *status, int64_t *value);

/* Outbox: read up to n entries from the head; *reply gets the array reply (caller frees). */
int qw_store_outbox_read(qw_store_t *s, int32_t part, int n, void **reply);
/* Remove the first n entries if the epoch is still ours; *fenced = 1 when it is not. */
int qw_store_outbox_trim(qw_store_t *s, int32_t part, int64_t epoch, int64_t n, int *fenced);
int qw_store_outbox_len(qw_store_t *s, int32_t part, int64_t *len);

/* Completeness marks: raise each field of the partition's mark hash to the given value (fv:
 * field, value pairs) if the epoch is still ours; _read returns the hash (an array reply). */
int qw_store_marks_write(qw_store_t *s, int32_t part, int64_t epoch, const qw_redis_args_t *fv);
int qw_store_marks_read(qw_store_t *s, int32_t part, void **reply);
/* Append one entry to a partition's outbox without a fence (a notice of the calendar job's
 * that no batch produces: the owner's relay publishes it). */
int qw_store_outbox_push(qw_store_t *s, int32_t part, const void *entry, size_t len);

/* A late credit withdrew a checkpoint verdict of `period`: ask the calendar job to re-judge
 * that period's teams (<ns>qw:ev:calendar:rejudge, a hash of periods). */
int qw_store_rejudge_request(qw_store_t *s, const char *period);

/* Calendar job primitives (calendar.c). */
/* SET key token NX PX ttl: 1 when acquired (or already ours: then the ttl is renewed), 0 when
 * another holds it. */
int qw_store_lease(qw_store_t *s, const char *key, const char *token, int64_t ttl_ms, int *got);
int qw_store_lease_release(qw_store_t *s, const char *key, const char *token);

/* The job's snapshot of a partition: from _begin on, the batch script adds every rep key it
 * writes to <ns>qw:ev:{p<N>}:dirty (expires after ttl_ms). _dirty returns that set (an array
 * reply; the member equal to the token is the sentinel) with *expired = 1 when the sentinel is
 * gone (the set expired, or another job began a snapshot over it): changes may have gone
 * unrecorded. _end deletes it. */
int qw_store_snapshot_begin(qw_store_t *s, int32_t part, const char *token, int64_t ttl_ms);
int qw_store_snapshot_dirty(qw_store_t *s, int32_t part, const char *token, void **reply,
                            int *expired);
/* _alive: *alive = 1 while the sentinel is in the set. */
int qw_store_snapshot_alive(qw_store_t *s, int32_t part, const char *token, int *alive);
/* _take returns the set as _dirty does and restarts it in the same step (the sentinel alone,
 * ttl_ms again), so a later _dirty or _take names only what owners wrote after it. */
int qw_store_snapshot_take(qw_store_t *s, int32_t part, const char *token, int64_t ttl_ms,
                           void **reply, int *expired);
int qw_store_snapshot_end(qw_store_t *s, int32_t part);

/* Run the job's write script for one partition: it checks that the hold key still carries the
 * token, writes the rep blobs (reps: key, blob pairs; the first nnew are reps new to the
 * partition's rep set), appends outbox entries and bumps the generation. *lost = 1 when the
 * hold was lost. */
int qw_store_job_write(qw_store_t *s, int32_t part, const char *token, const qw_redis_args_t *reps,
                       int nnew, const qw_redis_args_t *outbox, int *lost);

/* The job's write before its hold, while owners go on: per rep (reps: key, blob pairs; hdr: per
 * rep 2 * its number of decisions + 1 when the rep is new to the partition's rep set; decs: the
 * decisions in rep order, then any of no rep, always appended) the state and its decisions are
 * written unless an owner wrote the rep
 * since the snapshot (or the last _take): then refused[i] = 1 and nothing of it is written. The
 * generation is bumped when anything was. *lost = 1 (nothing written) when the snapshot's
 * sentinel is gone. */
int qw_store_job_prewrite(qw_store_t *s, int32_t part, const char *token,
                          const qw_redis_args_t *reps, const qw_redis_args_t *hdr,
                          const qw_redis_args_t *decs, int *lost, unsigned char *refused);

#endif
