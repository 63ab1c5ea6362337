#include "dedup.h"

#include <string.h>

int qw_dedup_prune(qw_redis_args_t *prune, int rep_index, qw_rep_state_t *st)
{
    if (st->nperiods == 0) return 0;
    int pushed = 0;
    /* An empty floor: a new rep or a blob from before the id sets, whose hash holds nothing of
     * an evicted period. */
    if (st->ids_floor[0] && strcmp(st->ids_floor, st->p[0].period) != 0) {
        qw_redis_args_add_i64(prune, rep_index);
        qw_redis_args_add_i64(prune, st->nperiods);
        for (int i = 0; i < st->nperiods; i++)
            qw_redis_args_add(prune, st->p[i].period, strlen(st->p[i].period));
        pushed = 1;
    }
    memcpy(st->ids_floor, st->p[0].period, sizeof(st->ids_floor));
    return pushed;
}
