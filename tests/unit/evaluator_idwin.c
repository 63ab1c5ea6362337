/* The in-memory window of applied credit ids (idwin.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "idwin.h"

Test(evaluator_idwin, remembers_and_forgets_oldest_first)
{
    qw_idwin_t w;
    cr_assert_eq(qw_idwin_init(&w, 3), 0);
    cr_assert_eq(qw_idwin_add(&w, "a", 1), 0);
    cr_assert_eq(qw_idwin_add(&w, "b", 1), 0);
    cr_assert_eq(qw_idwin_add(&w, "a", 1), 0); /* already there: no second slot */
    cr_assert_eq(w.n, 2);
    cr_assert_eq(qw_idwin_add(&w, "c", 1), 0);
    cr_assert(qw_idwin_has(&w, "a", 1));
    cr_assert_eq(qw_idwin_add(&w, "d", 1), 0); /* evicts a */
    cr_assert_not(qw_idwin_has(&w, "a", 1));
    cr_assert(qw_idwin_has(&w, "b", 1) && qw_idwin_has(&w, "c", 1) && qw_idwin_has(&w, "d", 1));
    cr_assert_not(qw_idwin_has(&w, "dd", 2));
    qw_idwin_clear(&w);
    cr_assert_not(qw_idwin_has(&w, "d", 1));
    cr_assert_eq(qw_idwin_add(&w, "e", 1), 0);
    cr_assert(qw_idwin_has(&w, "e", 1));
    qw_idwin_free(&w);
}

Test(evaluator_idwin, many_ids_keep_exactly_the_last_cap)
{
    qw_idwin_t w;
    cr_assert_eq(qw_idwin_init(&w, 1000), 0);
    char id[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(id, sizeof(id), "deal%d:1:rep", i);
        cr_assert_eq(qw_idwin_add(&w, id, (size_t)n), 0);
    }
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(id, sizeof(id), "deal%d:1:rep", i);
        cr_assert_eq(qw_idwin_has(&w, id, (size_t)n), i >= 4000, "id %d", i);
    }
    cr_assert_eq(w.set.n, 1000);
    qw_idwin_free(&w);
}
