#include "render_slack.h"

#include "quotawatch/common.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char qw_ellipsis[] = "\xE2\x80\xA6"; /* U+2026, one character */

size_t qw_slack_truncate(const char *s, size_t n, size_t max, char *out, size_t outcap)
{
    size_t keep = n;
    int cut = qw_utf8_count(s, n) > max;
    if (cut) {
        keep = max ? qw_utf8_prefix(s, n, max - 1) : 0;
        /* Do not leave half of an entity such as &amp; behind. */
        for (size_t back = 1; back <= 6 && back <= keep; back++) {
            char c = s[keep - back];
            if (c == ';') break;
            if (c == '&') {
                keep -= back;
                break;
            }
        }
    }
    size_t total = keep + (cut ? 3 : 0);
    if (total + 1 > outcap) return 0;
    memcpy(out, s, keep);
    if (cut) memcpy(out + keep, qw_ellipsis, 3);
    out[total] = '\0';
    return total;
}

/* Truncates the string member key of obj in place; 0 ok, -1 when it is not a string. */
static int clamp(json_t *obj, const char *key, size_t max, int required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return required ? -1 : 0;
    if (!json_is_string(v)) return -1;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (qw_utf8_count(s, n) <= max) return 0;
    size_t cap = n + 8;
    char *tmp = malloc(cap);
    if (!tmp) return -1;
    size_t k = qw_slack_truncate(s, n, max, tmp, cap);
    int rc = json_object_set_new(obj, key, json_stringn(tmp, k));
    free(tmp);
    return rc;
}

static int clamp_text_obj(json_t *block, const char *key, size_t max, int required)
{
    json_t *t = json_object_get(block, key);
    if (!t) return required ? -1 : 0;
    if (!json_is_object(t)) return -1;
    return clamp(t, "text", max, 1);
}

static int finish_block(json_t *b, char *errbuf, size_t errlen, size_t i)
{
    const char *type = json_string_value(json_object_get(b, "type"));
    if (!type) return qw_err_set(errbuf, errlen, "block %zu has no type", i);
    if (strcmp(type, "header") == 0) {
        json_t *t = json_object_get(b, "text");
        const char *tt = json_string_value(json_object_get(t, "type"));
        if (!tt || strcmp(tt, "plain_text") != 0)
            return qw_err_set(errbuf, errlen, "header block %zu: text must be plain_text", i);
        if (clamp_text_obj(b, "text", QW_SLACK_HEADER_MAX, 1))
            return qw_err_set(errbuf, errlen, "header block %zu: bad text", i);
    } else if (strcmp(type, "section") == 0) {
        if (clamp_text_obj(b, "text", QW_SLACK_SECTION_MAX, 0))
            return qw_err_set(errbuf, errlen, "section block %zu: bad text", i);
        json_t *fields = json_object_get(b, "fields");
        if (fields) {
            if (!json_is_array(fields))
                return qw_err_set(errbuf, errlen, "section block %zu: fields not an array", i);
            while (json_array_size(fields) > QW_SLACK_FIELDS_MAX)
                json_array_remove(fields, json_array_size(fields) - 1);
            for (size_t k = 0; k < json_array_size(fields); k++)
                if (clamp(json_array_get(fields, k), "text", QW_SLACK_FIELD_MAX, 1))
                    return qw_err_set(errbuf, errlen, "section block %zu: bad field", i);
        }
        if (!json_object_get(b, "text") && !fields)
            return qw_err_set(errbuf, errlen, "section block %zu: no text or fields", i);
    } else if (strcmp(type, "context") == 0) {
        json_t *els = json_object_get(b, "elements");
        if (!json_is_array(els) || json_array_size(els) == 0)
            return qw_err_set(errbuf, errlen, "context block %zu: no elements", i);
        while (json_array_size(els) > QW_SLACK_CONTEXT_MAX)
            json_array_remove(els, json_array_size(els) - 1);
        for (size_t k = 0; k < json_array_size(els); k++) {
            json_t *e = json_array_get(els, k);
            if (json_object_get(e, "text") && clamp(e, "text", QW_SLACK_SECTION_MAX, 1))
                return qw_err_set(errbuf, errlen, "context block %zu: bad element", i);
        }
    }
    return QW_OK;
}

int qw_slack_finish(const char *json, size_t len, qw_buf_t *out, char *errbuf, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return qw_err_set(errbuf, errlen, "not JSON: %s (line %d)", jerr.text, jerr.line);
    int rc = QW_ERR;
    if (!json_is_object(root)) {
        qw_err_set(errbuf, errlen, "a Slack message must be a JSON object");
        goto done;
    }
    const char *text = json_string_value(json_object_get(root, "text"));
    if (!text || !*text) {
        /* Slack uses it for notifications and screen readers when blocks are present. */
        qw_err_set(errbuf, errlen, "a Slack message needs a non-empty top-level \"text\"");
        goto done;
    }
    if (clamp(root, "text", QW_SLACK_TEXT_MAX, 1)) {
        qw_err_set(errbuf, errlen, "bad top-level text");
        goto done;
    }
    json_t *blocks = json_object_get(root, "blocks");
    if (blocks) {
        if (!json_is_array(blocks)) {
            qw_err_set(errbuf, errlen, "\"blocks\" must be an array");
            goto done;
        }
        while (json_array_size(blocks) > QW_SLACK_MAX_BLOCKS)
            json_array_remove(blocks, json_array_size(blocks) - 1);
        for (size_t i = 0; i < json_array_size(blocks); i++) {
            json_t *b = json_array_get(blocks, i);
            if (!json_is_object(b)) {
                qw_err_set(errbuf, errlen, "block %zu is not an object", i);
                goto done;
            }
            if (finish_block(b, errbuf, errlen, i)) goto done;
        }
    }
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s) {
        qw_err_set(errbuf, errlen, "out of memory");
        goto done;
    }
    qw_buf_puts(out, s);
    free(s);
    if (out->overflow) {
        qw_err_set(errbuf, errlen, "Slack message exceeds %zu bytes", out->cap);
        goto done;
    }
    qw_buf_str(out);
    rc = QW_OK;
done:
    json_decref(root);
    return rc;
}
