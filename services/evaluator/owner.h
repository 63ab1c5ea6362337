/* Partition ownership: what this instance knows of each credits partition the group assigned
 * it (its fencing epoch, the calendar generation, the next offset, the applied-id window and
 * the cached rep states), and the bookkeeping of assignment, revocation and fencing. */
#ifndef QW_OWNER_H
#define QW_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "idwin.h"
#include "quotawatch/strmap.h"
#include "store.h"

typedef struct qw_owner_part_s {
    int owned;  /* assigned to us by the group */
    int fenced; /* another owner took it over in Redis: stop processing until reassigned */
    int ids_loaded;
    int relay_due;
    int64_t epoch, gen, next;
    qw_idwin_t win;
    qw_strmap_t reps; /* rep id -> qw_rep_state_t* as stored in Redis */
    int64_t outbox_len;
    int64_t relay_retry_ns; /* after a failed pump, not before this (no log storm) */
} qw_owner_part_t;

typedef struct qw_owners_s {
    qw_owner_part_t *parts; /* indexed by partition, grown on demand */
    int nparts;
    size_t id_window;
} qw_owners_t;

void qw_owners_init(qw_owners_t *o, size_t id_window);
void qw_owners_free(qw_owners_t *o);

/* The partition's record (created empty on first use), or NULL (negative, out of memory). */
qw_owner_part_t *qw_owners_get(qw_owners_t *o, int32_t p);

/* Is it ours to process: assigned and not fenced. */
int qw_owner_usable(const qw_owner_part_t *pt);

/* Forget what we know of a partition's states: the next batch reloads from Redis. */
void qw_owner_drop_cache(qw_owner_part_t *pt);

/* Taken with this epoch (our fencing token), generation and stored next offset. */
void qw_owner_assign(qw_owner_part_t *pt, int64_t epoch, int64_t gen, int64_t next);

/* Revoked: its backlog and states are the next owner's now. */
void qw_owner_revoke(qw_owner_part_t *pt);

/* Cache the stored states of reps[0..n) (not cached yet) in one round trip. QW_OK; QW_ERR when
 * Redis failed (store->errstr); QW_OWNER_CORRUPT when a stored state does not decode (logged,
 * the partition is fenced: never overwrite a state we cannot read). */
#define QW_OWNER_CORRUPT 2
int qw_owner_load_reps(qw_owner_part_t *pt, qw_store_t *store, int32_t part,
                       const char *const *reps, int n);

#endif
