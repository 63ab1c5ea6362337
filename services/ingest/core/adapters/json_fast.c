/* The hot path's JSON loader (issue 13): yajl's lexer builds the same jansson tree the adapters
 * read, without jansson's byte-at-a-time lexer (most of qw-ingest's instructions). It only
 * takes what it is sure jansson would load to the same tree, and says "not sure" (NULL) for
 * everything else - a \u escape, a control byte, an integer or real beyond range, nesting past
 * FAST_DEPTH, any yajl error - so the caller loads those with json_loadb, which stays the
 * definition (errors, their messages, the int-as-real retry). fuzz_json_fast checks that what
 * it loads equals json_loadb's tree. */
#include "adapters/adapt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define FAST_DEPTH 128

typedef struct {
    yajl_handle h;
    size_t end; /* where the root container closed (bytes consumed then), 0 before */
    json_t *root;
    json_t *stack[FAST_DEPTH]; /* open containers, borrowed (their parent owns them) */
    int depth;
    char *key; /* the pending object key, copied: yajl reuses its buffer for the value */
    size_t key_len, key_cap;
    char num[64];
} fast_t;

/* Adds v (a new reference) where the parser stands: the root, an array or the pending key.
 * Returns 1, or 0 (v released) to stop the parse. */
static int put(fast_t *f, json_t *v)
{
    if (!v) return 0;
    if (f->depth == 0) {
        /* A scalar at the top, or a second value: jansson's (yajl ends a top-level value
         * early and would not see what follows it). */
        if (f->root || (!json_is_object(v) && !json_is_array(v))) return json_decref(v), 0;
        f->root = v;
        return 1;
    }
    json_t *c = f->stack[f->depth - 1];
    if (json_is_array(c)) return json_array_append_new(c, v) == 0;
    /* Checked: a key that is not UTF-8 is refused here as jansson's parser refuses it. */
    return json_object_setn_new(c, f->key, f->key_len, v) == 0;
}

static int open_container(fast_t *f, json_t *c)
{
    if (f->depth == FAST_DEPTH) return json_decref(c), 0;
    json_incref(c); /* put() gives one reference away; the stack borrows the other */
    if (!put(f, c)) return json_decref(c), 0;
    json_decref(c);
    f->stack[f->depth++] = c;
    return 1;
}

static int on_null(void *ctx)
{
    return put(ctx, json_null());
}

static int on_boolean(void *ctx, int b)
{
    return put(ctx, json_boolean(b));
}

/* jansson's rule: a number with '.', 'e' or 'E' is a real, else an integer; out of range is
 * its error (or its int-as-real retry), so not ours to decide. */
static int on_number(void *ctx, const char *s, size_t len)
{
    fast_t *f = ctx;
    if (len >= sizeof(f->num)) return 0;
    memcpy(f->num, s, len);
    f->num[len] = '\0';
    char *end;
    errno = 0;
    if (strpbrk(f->num, ".eE")) {
        double d = strtod(f->num, &end);
        if (errno || *end) return 0;
        return put(f, json_real(d));
    }
    long long v = strtoll(f->num, &end, 10);
    if (errno || *end) return 0;
    return put(f, json_integer(v));
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    /* Checked: invalid UTF-8 (overlong, surrogates, past U+10FFFF) is refused as jansson does. */
    return put(ctx, json_stringn((const char *)s, len));
}

static int on_start_map(void *ctx)
{
    json_t *o = json_object();
    return o && open_container(ctx, o);
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    fast_t *f = ctx;
    if (len + 1 > f->key_cap) {
        size_t cap = len + 64;
        char *nk = realloc(f->key, cap);
        if (!nk) return 0;
        f->key = nk;
        f->key_cap = cap;
    }
    memcpy(f->key, k, len);
    f->key[len] = '\0';
    f->key_len = len;
    return 1;
}

static int on_end(void *ctx)
{
    fast_t *f = ctx;
    if (f->depth == 0) return 0;
    if (--f->depth == 0) f->end = yajl_get_bytes_consumed(f->h);
    return 1;
}

static int on_start_array(void *ctx)
{
    json_t *a = json_array();
    return a && open_container(ctx, a);
}

static const yajl_callbacks fast_callbacks = {
    on_null,      on_boolean, NULL,   NULL,           on_number, on_string,
    on_start_map, on_map_key, on_end, on_start_array, on_end,
};

/* Bytes that send a message to jansson: a \u escape (jansson refuses lone surrogates and NUL
 * in keys where yajl substitutes or passes them) and any control byte that is not JSON
 * whitespace (invalid inside strings; which side is right is jansson's call). */
static int needs_jansson(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\\' && i + 1 < len && buf[i + 1] == 'u') return 1;
        if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r') return 1;
    }
    return 0;
}

json_t *qw_json_fast_load(const char *buf, size_t len)
{
    if (needs_jansson(buf, len)) return NULL;
    fast_t f;
    f.end = 0;
    f.root = NULL;
    f.depth = 0;
    f.key = NULL;
    f.key_len = f.key_cap = 0;
    yajl_handle h = yajl_alloc(&fast_callbacks, NULL, &f);
    if (!h) return NULL;
    f.h = h;
    /* Strict JSON, one value: yajl's defaults, with its UTF-8 check on; after the root's
     * closing bracket only whitespace. */
    int ok = yajl_parse(h, (const unsigned char *)buf, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok && f.root && f.depth == 0 && f.end;
    for (size_t i = f.end; ok && i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r') ok = 0;
    yajl_free(h);
    free(f.key);
    if (!ok) {
        json_decref(f.root);
        return NULL;
    }
    return f.root;
}
