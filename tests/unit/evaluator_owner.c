/* Partition ownership bookkeeping (owner.c): assignment, revocation, fencing, the cache. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "owner.h"

Test(evaluator_owner, partitions_are_created_on_first_use)
{
    qw_owners_t o;
    qw_owners_init(&o, 16);
    cr_assert_null(qw_owners_get(&o, -1));
    qw_owner_part_t *p3 = qw_owners_get(&o, 3);
    cr_assert_not_null(p3);
    cr_assert_eq(o.nparts, 4);
    cr_assert_not(qw_owner_usable(p3), "not ours until assigned");
    cr_assert_not(qw_owner_usable(NULL));
    qw_owners_free(&o);
}

Test(evaluator_owner, assign_takes_the_epoch_and_asks_for_the_relay)
{
    qw_owners_t o;
    qw_owners_init(&o, 16);
    qw_owner_part_t *p = qw_owners_get(&o, 0);
    p->fenced = 1;
    qw_owner_assign(p, 7, 2, 100);
    cr_assert(qw_owner_usable(p));
    cr_assert_eq(p->epoch, 7);
    cr_assert_eq(p->gen, 2);
    cr_assert_eq(p->next, 100);
    cr_assert(p->relay_due, "drain what a predecessor left first");
    p->fenced = 1;
    cr_assert_not(qw_owner_usable(p), "fenced: stop until reassigned");
    qw_owners_free(&o);
}

Test(evaluator_owner, revoke_and_drop_forget_the_cache)
{
    qw_owners_t o;
    qw_owners_init(&o, 16);
    qw_owner_part_t *p = qw_owners_get(&o, 1);
    qw_owner_assign(p, 1, 0, 0);
    qw_rep_state_t *st = malloc(sizeof(*st));
    qw_rep_state_init(st, "ana");
    qw_strmap_put(&p->reps, "ana", 3, st, NULL);
    qw_idwin_add(&p->win, "deal:1:ana", 10);
    p->ids_loaded = 1;
    p->outbox_len = 5;
    qw_owner_drop_cache(p);
    cr_assert_null(qw_strmap_get(&p->reps, "ana", 3));
    cr_assert_not(qw_idwin_has(&p->win, "deal:1:ana", 10));
    cr_assert_not(p->ids_loaded, "the window is reloaded too");
    cr_assert(p->owned, "dropping the cache keeps the partition");
    qw_owner_revoke(p);
    cr_assert_not(p->owned);
    cr_assert_eq(p->outbox_len, 0, "its backlog is the next owner's");
    qw_owners_free(&o);
}
