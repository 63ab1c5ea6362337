/* The in-memory window of applied credit ids, and the string map under it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "idwin.h"
#include "quotawatch/strmap.h"

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

Test(evaluator_idwin, strmap_put_get_del_iterate)
{
    qw_strmap_t m;
    qw_strmap_init(&m);
    int vals[200];
    char k[16];
    for (int i = 0; i < 200; i++) {
        vals[i] = i;
        int n = snprintf(k, sizeof(k), "k%d", i);
        cr_assert_eq(qw_strmap_put(&m, k, (size_t)n, &vals[i], NULL), 0);
    }
    for (int i = 0; i < 200; i += 2) {
        int n = snprintf(k, sizeof(k), "k%d", i);
        cr_assert_eq(qw_strmap_del(&m, k, (size_t)n), &vals[i]);
    }
    void *old;
    cr_assert_eq(qw_strmap_put(&m, "k1", 2, &vals[0], &old), 0);
    cr_assert_eq(old, &vals[1]);
    cr_assert_eq(m.n, 100);
    size_t it = 0, seen = 0;
    const char *key;
    void *v;
    while (qw_strmap_next(&m, &it, &key, &v)) {
        int i = atoi(key + 1);
        cr_assert(i % 2 == 1, "deleted key %s still there", key);
        seen++;
    }
    cr_assert_eq(seen, 100);
    cr_assert_null(qw_strmap_get(&m, "k2", 2));
    cr_assert_null(qw_strmap_get(&m, "k", 1));
    qw_strmap_free(&m, NULL);
}
