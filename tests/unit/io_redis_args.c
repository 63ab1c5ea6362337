/* The Redis argument builder (lib/io/redis_args.c): no server needed. What goes in comes out
 * byte for byte, copies survive the arena moving, and a reused builder stops allocating. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/redis.h"

static void assert_arg(qw_redis_args_t *a, int i, const void *want, size_t len)
{
    const char **argv;
    size_t *lens;
    cr_assert_eq(qw_redis_args_argv(a, &argv, &lens), QW_OK);
    cr_assert_eq(lens[i], len, "argument %d: length %zu, want %zu", i, lens[i], len);
    cr_assert_eq(memcmp(argv[i], want, len), 0, "argument %d differs", i);
    size_t l;
    const char *p = qw_redis_args_at(a, i, &l);
    cr_assert_eq(l, len);
    cr_assert_eq(memcmp(p, want, len), 0);
}

Test(io_redis_args, strings_numbers_and_binary_in_order)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    const char bin[] = {'a', 0, 'b', (char)0xff, 0};
    char word[] = "borrowed";
    qw_redis_args_add(&a, "EVALSHA", 7);
    qw_redis_args_add_str(&a, "copied");
    qw_redis_args_add_i64(&a, -9223372036854775807LL - 1);
    qw_redis_args_add_i64(&a, 0);
    qw_redis_args_add(&a, bin, sizeof(bin));
    qw_redis_args_add_copy(&a, bin, sizeof(bin));
    qw_redis_args_add(&a, word, strlen(word));
    qw_redis_args_add_str(&a, "");
    cr_assert_eq(qw_redis_args_count(&a), 8);
    assert_arg(&a, 0, "EVALSHA", 7);
    assert_arg(&a, 1, "copied", 6);
    assert_arg(&a, 2, "-9223372036854775808", 20);
    assert_arg(&a, 3, "0", 1);
    assert_arg(&a, 4, bin, sizeof(bin));
    assert_arg(&a, 5, bin, sizeof(bin));
    assert_arg(&a, 7, "", 0);
    /* Borrowed means borrowed: the builder sees the caller's bytes as they are when sent. */
    word[0] = 'B';
    assert_arg(&a, 6, "Borrowed", 8);
    qw_redis_args_free(&a);
}

Test(io_redis_args, copies_survive_the_arena_moving)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    char want[5000][24];
    for (int i = 0; i < 5000; i++) {
        snprintf(want[i], sizeof(want[i]), "value-%d", i * 7919);
        if (i % 2)
            qw_redis_args_add_str(&a, want[i]);
        else
            qw_redis_args_add_i64(&a, (int64_t)i * 1000003);
    }
    cr_assert_eq(qw_redis_args_count(&a), 5000);
    for (int i = 0; i < 5000; i++) {
        char n[24];
        const char *w = want[i];
        if (i % 2 == 0) {
            snprintf(n, sizeof(n), "%lld", (long long)i * 1000003);
            w = n;
        }
        size_t l;
        const char *p = qw_redis_args_at(&a, i, &l);
        cr_assert(l == strlen(w) && !memcmp(p, w, l), "argument %d", i);
    }
    assert_arg(&a, 4999, want[4999], strlen(want[4999]));
    qw_redis_args_free(&a);
}

Test(io_redis_args, reused_builder_allocates_nothing_once_warm)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    const char **argv;
    size_t *lens;
    for (int round = 0; round < 2; round++) {
        qw_redis_args_reset(&a);
        for (int i = 0; i < 300; i++) {
            qw_redis_args_add_i64(&a, i);
            qw_redis_args_add(&a, "blob", 4);
        }
        cr_assert_eq(qw_redis_args_argv(&a, &argv, &lens), QW_OK);
    }
    const void *v = a.v, *l = a.l, *own = a.own, *av = a.argv, *al = a.lens;
    for (int round = 0; round < 50; round++) {
        qw_redis_args_reset(&a);
        cr_assert_eq(qw_redis_args_count(&a), 0);
        for (int i = 0; i < 300; i++) {
            qw_redis_args_add_i64(&a, 1000 + i);
            qw_redis_args_add(&a, "blob", 4);
        }
        cr_assert_eq(qw_redis_args_argv(&a, &argv, &lens), QW_OK);
        assert_arg(&a, 598, "1299", 4);
    }
    cr_assert(a.v == v && a.l == l && a.own == own && a.argv == av && a.lens == al,
              "a warm builder reallocated");
    qw_redis_args_free(&a);
}

Test(io_redis_args, add_all_and_set)
{
    qw_redis_args_t head, tail;
    qw_redis_args_init(&head);
    qw_redis_args_init(&tail);
    qw_redis_args_add_str(&tail, "t0");
    qw_redis_args_add_i64(&tail, 42);
    qw_redis_args_add(&tail, "t2", 2);
    qw_redis_args_add(&head, "EVALSHA", 7);
    qw_redis_args_add(&head, "", 0);
    qw_redis_args_add_all(&head, &tail);
    qw_redis_args_set(&head, 1, "0123456789012345678901234567890123456789", 40);
    cr_assert_eq(qw_redis_args_count(&head), 5);
    assert_arg(&head, 1, "0123456789012345678901234567890123456789", 40);
    assert_arg(&head, 2, "t0", 2);
    assert_arg(&head, 3, "42", 2);
    assert_arg(&head, 4, "t2", 2);
    qw_redis_args_free(&head);
    qw_redis_args_free(&tail);
}

Test(io_redis_args, a_failed_add_stops_the_command_until_reset)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    const char **argv;
    size_t *lens;
    qw_redis_args_add(&a, "SET", 3);
    qw_redis_args_add(&a, "k", (size_t)-1); /* no buffer is that long */
    qw_redis_args_add_str(&a, "v");
    cr_assert(a.oom);
    cr_assert_eq(qw_redis_args_argv(&a, &argv, &lens), QW_ERR);
    qw_redis_args_set(&a, 7, "x", 1); /* out of range: the same */
    qw_redis_args_reset(&a);
    cr_assert(!a.oom);
    qw_redis_args_add_str(&a, "PING");
    cr_assert_eq(qw_redis_args_argv(&a, &argv, &lens), QW_OK);
    assert_arg(&a, 0, "PING", 4);
    /* A builder that failed makes every builder it is added to fail too. */
    qw_redis_args_t b;
    qw_redis_args_init(&b);
    qw_redis_args_set(&a, 3, "x", 1);
    qw_redis_args_add_all(&b, &a);
    cr_assert_eq(qw_redis_args_argv(&b, &argv, &lens), QW_ERR);
    qw_redis_args_free(&a);
    qw_redis_args_free(&b);
}
