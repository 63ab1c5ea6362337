/* Exact de-duplication of credit ids, the shell's half (docs/evaluator.md, "Credit ids"): each
 * rep's applied ids live in a Redis hash (id -> period) next to its state, checked and extended
 * by the batch step; this decides when the ids of periods a state evicted are dropped. Pure. */
#ifndef QW_DEDUP_H
#define QW_DEDUP_H

#include "engine.h"
#include "store.h"

/* For a rep state about to be written as rep number rep_index of the batch step: when its
 * oldest period moved past st->ids_floor (periods were evicted since the ids were last
 * pruned), append a prune group (rep index, number of periods kept, the periods) to `prune`
 * and return 1; else 0. Either way the floor becomes the oldest period kept. */
int qw_dedup_prune(qw_redis_args_t *prune, int rep_index, qw_rep_state_t *st);

#endif
