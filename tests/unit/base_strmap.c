/* The string-keyed hash map (lib/base/strmap.c) every service uses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/strmap.h"

Test(base_strmap, put_get_del_iterate)
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
