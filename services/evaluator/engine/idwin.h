/* The window of recently applied credit ids of one partition, in memory: a set plus a ring in
 * application order, so the oldest id leaves first. A fast path only: the batch step's per-rep
 * exact id sets decide (docs/evaluator.md, "Credit ids"). Seeded on takeover from the Redis
 * sorted set qw:ev:{p<N>}:ids, which older builds kept and this one only reads. */
#ifndef QW_IDWIN_H
#define QW_IDWIN_H

#include <stddef.h>

#include "quotawatch/strmap.h"

typedef struct qw_idwin_s {
    qw_strmap_t set;
    char **ring; /* keys owned by the ring (the map holds its own copies) */
    size_t cap, head, n;
} qw_idwin_t;

/* cap: how many ids are remembered (> 0). Returns 0 or -1 (no memory). */
int qw_idwin_init(qw_idwin_t *w, size_t cap);
void qw_idwin_free(qw_idwin_t *w);
void qw_idwin_clear(qw_idwin_t *w);

int qw_idwin_has(const qw_idwin_t *w, const char *id, size_t len);
/* Remember an id (the oldest is forgotten when full). Adding an id already there does nothing.
 * Returns 0 or -1 (no memory). */
int qw_idwin_add(qw_idwin_t *w, const char *id, size_t len);

#endif
