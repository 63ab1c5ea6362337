/* Strict YAML loading shared by the policy and routing loaders (include/quotawatch/yaml.h). */
#include "quotawatch/yaml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/file.h"

int qw_yaml_err(char *errbuf, size_t errlen, const qw_yaml_t *y, qw_yaml_pos_t pos,
                const char *path, const char *fmt, ...)
{
    char msg[QW_ERRSTR_MAX], where[QW_YAML_NAME_MAX + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *name = y && y->name[0] ? y->name : "yaml";
    if (pos.line > 0)
        snprintf(where, sizeof(where), "%s:%d:%d", name, pos.line, pos.col);
    else
        snprintf(where, sizeof(where), "%s", name);
    if (path && *path)
        qw_err_set(errbuf, errlen, "%s: %s: %s", where, path, msg);
    else
        qw_err_set(errbuf, errlen, "%s: %s", where, msg);
    /* Values come from the file: a newline or escape in one must not forge a log line. */
    for (char *q = errbuf; errlen && *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f) *q = '?';
    return QW_ERR;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, surrogates or code points
 * above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < need || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return need;
}

int qw_yaml_screen(const char *text, size_t len, qw_yaml_pos_t *pos, char *errbuf, size_t errlen)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        if (s[i] == '\0') {
            *pos = (qw_yaml_pos_t){line, col};
            return qw_err_set(errbuf, errlen, "a NUL byte: the file is not text");
        }
        /* libfyaml 0.7.12 crashes (a wild read) rendering the diagnostic of some lines full of
         * tabs (found by fuzz_routes); YAML never needs a tab in a configuration file. */
        if (s[i] == '\t') {
            *pos = (qw_yaml_pos_t){line, col};
            return qw_err_set(errbuf, errlen, "a tab character: indent and separate with spaces");
        }
        size_t k = utf8_seq(s + i, len - i);
        if (k == 0) {
            *pos = (qw_yaml_pos_t){line, col};
            return qw_err_set(errbuf, errlen,
                              "invalid UTF-8 (byte 0x%02x): a YAML file must be UTF-8 text", s[i]);
        }
        if (s[i] == '\n')
            line++, col = 1;
        else
            col++;
        i += k;
    }
    return QW_OK;
}

qw_yaml_pos_t qw_yaml_pos(struct fy_node *n)
{
    qw_yaml_pos_t p = {0, 0};
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (m) p = (qw_yaml_pos_t){m->line + 1, m->column + 1};
    return p;
}

qw_yaml_pos_t qw_yaml_first_pos(struct fy_node *n)
{
    for (int depth = 0; n && depth < 256; depth++) { /* bounded like the parser's own depth */
        if (fy_node_is_scalar(n)) return qw_yaml_pos(n);
        void *it = NULL;
        if (fy_node_is_mapping(n)) {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
        } else {
            n = fy_node_sequence_iterate(n, &it);
        }
    }
    return (qw_yaml_pos_t){0, 0};
}

const char *qw_yaml_scalar(struct fy_node *n, char *buf, size_t cap, size_t *len)
{
    size_t l = 0;
    const char *s =
        n && fy_node_is_scalar(n) && !fy_node_is_alias(n) ? fy_node_get_scalar(n, &l) : NULL;
    if (len) *len = l;
    if (!s || l >= cap) return NULL;
    memcpy(buf, s, l);
    buf[l] = '\0';
    return buf;
}

/* A key as printed in a path: bounded, so a huge key cannot push the message out. */
static void key_text(struct fy_node *k, char *out, size_t cap)
{
    size_t l;
    const char *s = fy_node_get_scalar(k, &l);
    if (!s) s = "", l = 0;
    if (l > 60) l = 60;
    snprintf(out, cap, "%.*s", (int)l, s);
}

typedef struct {
    const char *s;
    size_t len;
    size_t at; /* input offset: file order */
    struct fy_node *key;
} keyref_t;

static int keyref_cmp(const void *a, const void *b)
{
    const keyref_t *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static size_t input_pos(struct fy_node *n)
{
    struct fy_token *t = fy_node_get_scalar_token(n);
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->input_pos : SIZE_MAX;
}

static int check_node(const qw_yaml_t *y, struct fy_node *n, const char *path, qw_yaml_pos_t at,
                      char *errbuf, size_t errlen);

static int check_mapping(const qw_yaml_t *y, struct fy_node *n, const char *path, qw_yaml_pos_t at,
                         char *errbuf, size_t errlen)
{
    int count = fy_node_mapping_item_count(n);
    if (count <= 0) return QW_OK;
    keyref_t *keys = calloc((size_t)count, sizeof(*keys));
    if (!keys) return qw_yaml_err(errbuf, errlen, y, at, path, "out of memory");
    int rc = QW_OK, nk = 0;
    void *it = NULL;
    struct fy_node_pair *pair;
    while (rc == QW_OK && nk < count && (pair = fy_node_mapping_iterate(n, &it))) {
        struct fy_node *k = fy_node_pair_key(pair);
        char kt[64], sub[256];
        if (!k || !fy_node_is_scalar(k) || fy_node_is_alias(k)) {
            qw_yaml_pos_t kp = qw_yaml_pos(k);
            rc = qw_yaml_err(errbuf, errlen, y, kp.line ? kp : at, path,
                             "keys must be plain names, not %s",
                             !k                      ? "empty"
                             : fy_node_is_alias(k)   ? "aliases"
                             : fy_node_is_mapping(k) ? "mappings"
                                                     : "lists");
            break;
        }
        keys[nk].s = fy_node_get_scalar(k, &keys[nk].len);
        if (!keys[nk].s) keys[nk].s = "", keys[nk].len = 0;
        if (keys[nk].len == 0) {
            qw_yaml_pos_t kp = qw_yaml_pos(k), vp = qw_yaml_first_pos(fy_node_pair_value(pair));
            rc = qw_yaml_err(errbuf, errlen, y,
                             kp.line   ? kp
                             : vp.line ? vp
                                       : at,
                             path, "an empty key");
            break;
        }
        keys[nk].at = input_pos(k);
        keys[nk].key = k;
        nk++;
        key_text(k, kt, sizeof(kt));
        snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", kt);
        rc = check_node(y, fy_node_pair_value(pair), sub, qw_yaml_pos(k), errbuf, errlen);
    }
    if (rc == QW_OK && nk > 1) {
        qsort(keys, (size_t)nk, sizeof(*keys), keyref_cmp);
        const keyref_t *first = NULL, *dup = NULL;
        /* Equal keys sort together in file order: the earliest second occurrence is reported. */
        for (int i = 1; i < nk; i++)
            if (keys[i].len == keys[i - 1].len && !memcmp(keys[i].s, keys[i - 1].s, keys[i].len) &&
                (!dup || keys[i].at < dup->at))
                dup = &keys[i], first = &keys[i - 1];
        if (dup) {
            char kt[64], sub[256];
            key_text(dup->key, kt, sizeof(kt));
            snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", kt);
            rc = qw_yaml_err(errbuf, errlen, y, qw_yaml_pos(dup->key), sub,
                             "duplicate key (first at line %d)", qw_yaml_pos(first->key).line);
        }
    }
    free(keys);
    return rc;
}

static int check_node(const qw_yaml_t *y, struct fy_node *n, const char *path, qw_yaml_pos_t at,
                      char *errbuf, size_t errlen)
{
    if (!n) return QW_OK;
    if (fy_node_is_alias(n)) {
        char a[64];
        key_text(n, a, sizeof(a));
        return qw_yaml_err(errbuf, errlen, y, qw_yaml_pos(n), path,
                           "aliases (*%s) are not supported: write the value out", a);
    }
    if (fy_node_is_mapping(n)) return check_mapping(y, n, path, at, errbuf, errlen);
    if (fy_node_is_sequence(n)) {
        void *it = NULL;
        struct fy_node *item;
        int i = 0;
        while ((item = fy_node_sequence_iterate(n, &it))) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
            qw_yaml_pos_t ip = qw_yaml_pos(item);
            if (check_node(y, item, sub, ip.line ? ip : at, errbuf, errlen) != QW_OK) return QW_ERR;
        }
    }
    return QW_OK;
}

/* Digits at *q (at most 8), advancing *q; -1 when there are none. */
static int digits(const char **q, const char *end)
{
    int v = 0, n = 0;
    while (*q < end && **q >= '0' && **q <= '9' && n < 8)
        v = v * 10 + (*(*q)++ - '0'), n++;
    return n ? v : -1;
}

/* libfyaml 0.7.12 leaks the errors it collects (FYPCF_COLLECT_DIAG), so the first error is
 * taken from the text it would print instead: "<memory-@...>:LINE:COL: error: MESSAGE". The
 * layout is matched from the start of the line: the message itself may quote the input. */
static void capture(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    qw_yaml_t *y = user;
    const char *end = buf + len, *q = buf;
    if (y->emsg[0] || len < 2 || buf[0] != '<') return;
    while (q < end && *q != '>')
        q++;
    if (end - q < 2 || q[1] != ':') return;
    q += 2;
    int line = digits(&q, end);
    if (line < 0 || q >= end || *q++ != ':') return;
    int col = digits(&q, end);
    if (col < 0 || end - q < 9 || memcmp(q, ": error: ", 9) != 0) return;
    q += 9;
    size_t ml = (size_t)(end - q);
    while (ml && (q[ml - 1] == '\n' || q[ml - 1] == ' '))
        ml--;
    y->epos = line > 0 ? (qw_yaml_pos_t){line, col} : (qw_yaml_pos_t){0, 0};
    snprintf(y->emsg, sizeof(y->emsg), "%.*s", (int)(ml ? ml : 1), ml ? q : "?");
}

/* The first error libfyaml reported, with its position. */
static int diag_error(const qw_yaml_t *y, char *errbuf, size_t errlen)
{
    return qw_yaml_err(errbuf, errlen, y, y->epos, NULL, "invalid YAML: %s",
                       y->emsg[0] ? y->emsg : "syntax error");
}

void qw_yaml_free(qw_yaml_t *y)
{
    if (y->doc) fy_parse_document_destroy(y->fyp, y->doc);
    if (y->fyp) fy_parser_destroy(y->fyp);
    if (y->diag) fy_diag_unref(y->diag);
    free(y->owned);
    y->doc = NULL, y->fyp = NULL, y->diag = NULL, y->owned = NULL;
}

struct fy_node *qw_yaml_root(const qw_yaml_t *y)
{
    return y->doc ? fy_document_root(y->doc) : NULL;
}

static int parse(qw_yaml_t *y, const char *text, size_t len, char *errbuf, size_t errlen)
{
    qw_yaml_pos_t pos = {0, 0};
    char why[QW_ERRSTR_MAX];
    /* Before libfyaml: 0.7.12 never returns from `%` + an invalid UTF-8 byte at a line start. */
    if (qw_yaml_screen(text, len, &pos, why, sizeof(why)) != QW_OK)
        return qw_yaml_err(errbuf, errlen, y, pos, NULL, "%s", why);
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = capture;
    dc.user = y;
    dc.colorize = false;
    dc.show_source = false;
    dc.show_position = true;
    dc.show_type = true;
    dc.show_module = false;
    if (!(y->diag = fy_diag_create(&dc))) return qw_err_set(errbuf, errlen, "out of memory");
    struct fy_parse_cfg cfg = {0};
    /* Duplicates are allowed through so that check_mapping can name the key path. */
    cfg.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS | FYPCF_JSON_NONE;
    cfg.diag = y->diag;
    if (!(y->fyp = fy_parser_create(&cfg)) || fy_parser_set_string(y->fyp, text, len) != 0)
        return qw_err_set(errbuf, errlen, "%s: cannot start the YAML parser", y->name);
    y->doc = fy_parse_load_document(y->fyp);
    if (!y->doc) {
        if (fy_diag_got_error(y->diag) || y->emsg[0]) return diag_error(y, errbuf, errlen);
        return qw_yaml_err(errbuf, errlen, y, pos, NULL, "empty: no YAML document");
    }
    struct fy_document *more = fy_parse_load_document(y->fyp);
    if (more) {
        struct fy_document_state *ds = fy_document_get_document_state(more);
        const struct fy_mark *m = ds ? fy_document_state_start_mark(ds) : NULL;
        if (m) pos = (qw_yaml_pos_t){m->line + 1, m->column + 1};
        fy_parse_document_destroy(y->fyp, more);
        return qw_yaml_err(errbuf, errlen, y, pos, NULL,
                           "a second YAML document: one document per file (remove the ---)");
    }
    if (fy_diag_got_error(y->diag) || y->emsg[0]) return diag_error(y, errbuf, errlen);
    struct fy_node *root = fy_document_root(y->doc);
    if (!root || !fy_node_is_mapping(root))
        return qw_yaml_err(errbuf, errlen, y, qw_yaml_pos(root), NULL,
                           "the document must be a mapping of keys");
    return check_node(y, root, "", (qw_yaml_pos_t){1, 1}, errbuf, errlen);
}

static int parse_named(qw_yaml_t *y, const char *name, const char *text, size_t len, char *owned,
                       char *errbuf, size_t errlen)
{
    memset(y, 0, sizeof(*y));
    y->owned = owned;
    snprintf(y->name, sizeof(y->name), "%s", name && *name ? name : "yaml");
    int rc = parse(y, text, len, errbuf, errlen);
    if (rc != QW_OK) qw_yaml_free(y);
    return rc;
}

int qw_yaml_parse(qw_yaml_t *y, const char *name, const char *text, size_t len, char *errbuf,
                  size_t errlen)
{
    return parse_named(y, name, text, len, NULL, errbuf, errlen);
}

int qw_yaml_parse_file(qw_yaml_t *y, const char *path, size_t max, char *errbuf, size_t errlen)
{
    size_t n;
    char *buf = qw_file_read(path, max, &n, errbuf, errlen);
    if (!buf) {
        memset(y, 0, sizeof(*y));
        return QW_ERR;
    }
    return parse_named(y, path, buf, n, buf, errbuf, errlen);
}
