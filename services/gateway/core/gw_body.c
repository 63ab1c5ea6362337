#include "gw_body.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void key_from(json_t *v, char *key)
{
    if (!key || !v) return;
    if (json_is_integer(v)) {
        snprintf(key, QW_GW_KEY_MAX, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    }
    if (!json_is_string(v)) return;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n >= QW_GW_KEY_MAX) return;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e) return; /* a header-safe key or none */
    memcpy(key, s, n + 1);
}

qw_gw_verdict_t qw_gw_body_inspect(qw_gw_source_t src, const char *body, size_t body_len, char *key)
{
    if (key) key[0] = '\0';
    /* A full parse (bounded by the body limit): a body that is not JSON would only become a
     * dead letter downstream, while the sender can still be told now. */
    json_t *j = json_loadb(body, body_len, 0, NULL);
    int ok = 0;
    if (j) switch (src) {
        case QW_GW_SRC_HUBSPOT: /* a batch of events */
            ok = json_is_array(j);
            key_from(json_object_get(json_array_get(j, 0), "objectId"), key);
            break;
        case QW_GW_SRC_PIPEDRIVE: { /* one event */
            ok = json_is_object(j);
            /* The deal id where qw-ingest's adapter finds it, in the same order. */
            json_t *meta = json_object_get(j, "meta"), *data = json_object_get(j, "data");
            json_t *id = json_object_get(meta, "entity_id");
            if (!data) data = json_object_get(j, "current");
            if (!id) id = json_object_get(data, "id");
            if (!id) id = json_object_get(json_object_get(j, "previous"), "id");
            if (!id) id = json_object_get(meta, "id");
            key_from(id, key);
            break;
        }
        case QW_GW_SRC_CANONICAL: /* one change or a non-empty all-or-nothing batch */
            ok = json_is_object(j) || (json_is_array(j) && json_array_size(j) > 0);
            key_from(json_object_get(json_is_array(j) ? json_array_get(j, 0) : j, "deal_id"), key);
            break;
        }
    json_decref(j);
    if (!ok && key) key[0] = '\0';
    return ok ? QW_GW_OK : QW_GW_BAD_SHAPE;
}

qw_gw_verdict_t qw_gw_shape_check(qw_gw_source_t src, const char *body, size_t body_len)
{
    return qw_gw_body_inspect(src, body, body_len, NULL);
}
