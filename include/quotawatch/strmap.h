/* A string-keyed hash map (open addressing, linear probing) for the evaluator's in-memory
 * tables: rep caches, roster, quotas. Keys are copied; values are caller-owned pointers. */
#ifndef QW_STRMAP_H
#define QW_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct qw_strmap_slot_s {
    char *key; /* NULL = empty; QW_STRMAP_TOMB = deleted */
    uint64_t hash;
    void *val;
} qw_strmap_slot_t;

typedef struct qw_strmap_s {
    qw_strmap_slot_t *slots;
    size_t cap;  /* power of two, or 0 */
    size_t n;    /* live entries */
    size_t used; /* live + tombstones */
} qw_strmap_t;

void qw_strmap_init(qw_strmap_t *m);
/* Frees the keys and the table; calls free_val on each value when not NULL. */
void qw_strmap_free(qw_strmap_t *m, void (*free_val)(void *));

void *qw_strmap_get(const qw_strmap_t *m, const char *key, size_t klen);
/* Insert or replace; *old (if not NULL) gets the replaced value or NULL. Returns 0, or -1 when
 * out of memory. */
int qw_strmap_put(qw_strmap_t *m, const char *key, size_t klen, void *val, void **old);
/* Remove; returns the value or NULL. */
void *qw_strmap_del(qw_strmap_t *m, const char *key, size_t klen);

/* Iterate: *it starts at 0; returns 1 with *key and *val set, 0 at the end. No mutation meanwhile.
 */
int qw_strmap_next(const qw_strmap_t *m, size_t *it, const char **key, void **val);

uint64_t qw_strmap_hash(const char *key, size_t klen);

#endif
