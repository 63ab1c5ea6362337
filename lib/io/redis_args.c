/* The Redis argument builder (quotawatch/redis.h): borrowed byte strings and owned copies in
 * one list, resolved to the argv/lens pair hiredis takes. Reset keeps every buffer, so a
 * builder reused per batch stops allocating once it has seen the largest batch. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/redis.h"

/* An owned argument lives in the arena, which moves as it grows: its slot holds the arena
 * offset, tagged by the top bit of its length, and is resolved only when the command is built. */
#define OWN_TAG ((size_t)1 << (sizeof(size_t) * 8 - 1))

void qw_redis_args_init(qw_redis_args_t *a)
{
    memset(a, 0, sizeof(*a));
}

void qw_redis_args_reset(qw_redis_args_t *a)
{
    a->n = 0;
    a->own_len = 0;
    a->oom = 0;
}

void qw_redis_args_free(qw_redis_args_t *a)
{
    free(a->v);
    free(a->l);
    free(a->own);
    free(a->argv);
    free(a->lens);
    memset(a, 0, sizeof(*a));
}

static int grow_slots(qw_redis_args_t *a)
{
    if (a->n < a->cap) return QW_OK;
    int ncap = a->cap ? a->cap * 2 : 64;
    const char **nv = realloc(a->v, (size_t)ncap * sizeof(*nv));
    if (!nv) return QW_ERR;
    a->v = nv;
    size_t *nl = realloc(a->l, (size_t)ncap * sizeof(*nl));
    if (!nl) return QW_ERR;
    a->l = nl;
    a->cap = ncap;
    return QW_OK;
}

static void put(qw_redis_args_t *a, const char *p, size_t len)
{
    if (a->oom) return;
    if (grow_slots(a) != QW_OK) {
        a->oom = 1;
        return;
    }
    a->v[a->n] = p;
    a->l[a->n] = len;
    a->n++;
}

void qw_redis_args_add(qw_redis_args_t *a, const void *p, size_t len)
{
    if (len & OWN_TAG) {
        a->oom = 1; /* not a length any buffer has */
        return;
    }
    put(a, p, len);
}

void qw_redis_args_add_copy(qw_redis_args_t *a, const void *p, size_t len)
{
    if (a->oom) return;
    if (len & OWN_TAG || a->own_len + len + 1 < a->own_len) {
        a->oom = 1;
        return;
    }
    if (a->own_len + len + 1 > a->own_cap) {
        size_t ncap = a->own_cap ? a->own_cap * 2 : 1024;
        while (ncap < a->own_len + len + 1)
            ncap *= 2;
        char *n = realloc(a->own, ncap);
        if (!n) {
            a->oom = 1;
            return;
        }
        a->own = n;
        a->own_cap = ncap;
    }
    if (len) memcpy(a->own + a->own_len, p, len);
    a->own[a->own_len + len] = '\0'; /* a copied string reads as one in a debugger */
    put(a, (const char *)(uintptr_t)a->own_len, len | OWN_TAG);
    if (!a->oom) a->own_len += len + 1;
}

void qw_redis_args_add_str(qw_redis_args_t *a, const char *s)
{
    qw_redis_args_add_copy(a, s, strlen(s));
}

void qw_redis_args_add_i64(qw_redis_args_t *a, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%" PRId64, v);
    qw_redis_args_add_copy(a, b, (size_t)n);
}

const char *qw_redis_args_at(const qw_redis_args_t *a, int i, size_t *len)
{
    if (a->l[i] & OWN_TAG) {
        *len = a->l[i] & ~OWN_TAG;
        return a->own + (uintptr_t)a->v[i];
    }
    *len = a->l[i];
    return a->v[i];
}

void qw_redis_args_add_all(qw_redis_args_t *a, const qw_redis_args_t *from)
{
    if (from->oom) a->oom = 1;
    for (int i = 0; i < from->n && !a->oom; i++) {
        size_t len;
        const char *p = qw_redis_args_at(from, i, &len);
        put(a, p, len); /* borrowed from `from`, which must not change until the command ran */
    }
}

void qw_redis_args_set(qw_redis_args_t *a, int i, const void *p, size_t len)
{
    if (i < 0 || i >= a->n || len & OWN_TAG) {
        a->oom = 1;
        return;
    }
    a->v[i] = p;
    a->l[i] = len;
}

int qw_redis_args_count(const qw_redis_args_t *a)
{
    return a->n;
}

int qw_redis_args_argv(qw_redis_args_t *a, const char ***argv, size_t **lens)
{
    if (a->oom) return QW_ERR;
    if (a->argv_cap < a->cap) {
        const char **nv = realloc(a->argv, (size_t)a->cap * sizeof(*nv));
        if (!nv) return QW_ERR;
        a->argv = nv;
        size_t *nl = realloc(a->lens, (size_t)a->cap * sizeof(*nl));
        if (!nl) return QW_ERR;
        a->lens = nl;
        a->argv_cap = a->cap;
    }
    for (int i = 0; i < a->n; i++)
        a->argv[i] = qw_redis_args_at(a, i, &a->lens[i]);
    *argv = a->argv;
    *lens = a->lens;
    return QW_OK;
}
