/* libFuzzer target, differential: whatever the fast loader (yajl) takes, json_loadb loads too,
 * to an equal tree (same types: an integer is never a real) - else the adapters would read a
 * message differently on the hot path than jansson does. What it leaves (NULL) is jansson's. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "adapters/adapt.h"

/* json_equal compares values; this also compares kinds, recursively. */
static int same(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b)) return 0;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i))) return 0;
        return 1;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return 0;
        const char *k;
        size_t kl;
        json_t *v;
        json_object_keylen_foreach((json_t *)a, k, kl, v)
        {
            const json_t *w = json_object_getn(b, k, kl);
            if (!w || !same(v, w)) return 0;
        }
        return 1;
    }
    return json_equal(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *fast = qw_json_fast_load((const char *)data, size);
    if (!fast) return 0;
    json_error_t e;
    json_t *ref = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
    if (!ref || !same(fast, ref)) abort();
    json_decref(ref);
    json_decref(fast);
    return 0;
}
