/* The fast JSON loader (yajl) takes the plain messages, to jansson's tree, and leaves every
 * message it is not sure of to json_loadb. fuzz_json_fast checks equality on random bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "adapters/adapt.h"
#include "quotawatch/common.h"
#include "quotawatch/source.h"

static json_t *fast(const char *s)
{
    return qw_json_fast_load(s, strlen(s));
}

Test(ingest_json_fast, every_valid_fixture_takes_the_fast_path_to_the_same_tree)
{
    for (int src = 0; src < QW_SRC_COUNT; src++) {
        char path[512], line[65536];
        snprintf(path, sizeof(path), "%s/%s/valid.jsonl", QW_FIXTURES, qw_source_name(src));
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        int n = 0, taken = 0;
        while (fgets(line, sizeof(line), f)) {
            size_t len = strcspn(line, "\n");
            if (!len) continue;
            n++;
            json_t *a = qw_json_fast_load(line, len);
            if (!a) continue;
            taken++;
            json_error_t e;
            json_t *b = json_loadb(line, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
            cr_assert(b && json_equal(a, b), "%s line %d: trees differ", path, n);
            json_decref(a);
            json_decref(b);
        }
        fclose(f);
        /* Only lines with a \u escape or a control byte may go to jansson. */
        cr_assert_gt(taken, n / 2, "%s: %d of %d lines on the fast path", path, taken, n);
    }
}

Test(ingest_json_fast, numbers_keep_jansson_kinds)
{
    json_t *v = fast("[1,-0,0.5,1e2,-9223372036854775808]");
    cr_assert_not_null(v);
    cr_assert(json_is_integer(json_array_get(v, 0)));
    cr_assert(json_is_integer(json_array_get(v, 1)));
    cr_assert(json_is_real(json_array_get(v, 2)));
    cr_assert(json_is_real(json_array_get(v, 3)), "an exponent makes a real, as in jansson");
    cr_assert_eq(json_integer_value(json_array_get(v, 4)), INT64_MIN);
    json_decref(v);
}

Test(ingest_json_fast, duplicate_keys_keep_the_last_as_jansson_does)
{
    json_t *v = fast("{\"a\":1,\"a\":2}");
    cr_assert_not_null(v);
    cr_assert_eq(json_object_size(v), 1);
    cr_assert_eq(json_integer_value(json_object_get(v, "a")), 2);
    json_decref(v);
}

Test(ingest_json_fast, leaves_what_it_is_not_sure_of_to_jansson)
{
    static const char *const unsure[] = {
        "{\"a\":9223372036854775808}", /* jansson: overflow, then the int-as-real retry */
        "[1e400]",                     /* real overflow: jansson's error */
        "{\"a\":\"\\u00e9\"}",         /* any \u escape (lone surrogates, NUL in keys) */
        "{\"a\":\"x\x01y\"}",          /* a control byte */
        "\"scalar\"",                  /* a top-level scalar */
        "123",
        "[1]x", /* trailing bytes */
        "[1][2]",
        "{\"a\":01}",
        "[1,]",
        "{\"k\":\"\xc0\xaf\"}",     /* overlong UTF-8 */
        "{\"k\":\"\xed\xa0\x80\"}", /* a surrogate in UTF-8 */
        "",
        "   ",
    };
    for (size_t i = 0; i < sizeof(unsure) / sizeof(unsure[0]); i++)
        cr_assert_null(fast(unsure[i]), "took %s", unsure[i]);
    char deep[2 * 200 + 1];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = '\0';
    cr_assert_null(fast(deep), "nesting past its depth is jansson's");
}
