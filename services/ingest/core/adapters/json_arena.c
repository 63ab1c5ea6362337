/* A bump allocator for jansson's parse of one message. jansson mallocs every object, hash
 * table, key and string of a tree and frees each again on json_decref: in qw-ingest that was
 * ≈12% of the CPU (malloc and free) on top of the parse itself (docs/benchmarks.md, "The JSON
 * arena"). Between qw_json_arena_begin and qw_json_arena_end, jansson's allocations on this
 * thread come from one reusable block and its frees cost nothing; the block is emptied at the
 * end. Anything beyond the block, any other thread and anything outside the bracket go to
 * malloc and free as before. jansson's allocator is process-wide (json_set_alloc_funcs), so
 * the free function tells the two apart by address.
 *
 * Under AddressSanitizer every allocation is followed by a poisoned gap and the emptied block
 * is poisoned whole, so the fuzzers still see an overflow or a use after the message. */
#include "adapters/adapt.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define QW_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QW_ARENA_ASAN 1
#endif
#endif
#ifdef QW_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define QW_ARENA_GAP      16
#define QW_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define QW_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define QW_ARENA_GAP      0
#define QW_POISON(p, n)   ((void)(p), (void)(n))
#define QW_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A 1 MiB message of small objects needs ~6 MiB of tree; typical webhooks a few KiB. */
#define QW_ARENA_BYTES (8u << 20)

typedef struct {
    unsigned char *base;
    size_t used;
    int active;
} qw_arena_t;

static _Thread_local qw_arena_t qw_arena;
static pthread_once_t qw_arena_once = PTHREAD_ONCE_INIT;

static int qw_arena_owns(const qw_arena_t *a, const void *p)
{
    uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->base;
    return a->base && u >= b && u < b + QW_ARENA_BYTES;
}

static void *qw_arena_malloc(size_t n)
{
    qw_arena_t *a = &qw_arena;
    size_t need = ((n + 15) & ~(size_t)15) + QW_ARENA_GAP;
    if (a->active && n <= QW_ARENA_BYTES && need <= QW_ARENA_BYTES - a->used) {
        void *p = a->base + a->used;
        a->used += need;
        QW_UNPOISON(p, n);
        return p;
    }
    return malloc(n);
}

static void qw_arena_free(void *p)
{
    /* A block from any thread's arena is only ever freed by the parse that made it, on that
     * thread: the tree never outlives qw_adapter_parse. */
    if (qw_arena_owns(&qw_arena, p)) return;
    free(p);
}

static void qw_arena_install(void)
{
    json_set_alloc_funcs(qw_arena_malloc, qw_arena_free);
}

void qw_json_arena_begin(void)
{
    pthread_once(&qw_arena_once, qw_arena_install);
    qw_arena_t *a = &qw_arena;
    if (!a->base) {
        a->base = malloc(QW_ARENA_BYTES);
        if (!a->base) return; /* no arena: plain malloc, as before */
        QW_POISON(a->base, QW_ARENA_BYTES);
    }
    a->used = 0;
    a->active = 1;
}

void qw_json_arena_end(void)
{
    qw_arena_t *a = &qw_arena;
    if (!a->base) return;
    QW_POISON(a->base, a->used);
    a->used = 0;
    a->active = 0;
}
