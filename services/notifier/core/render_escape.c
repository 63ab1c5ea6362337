#include "render_escape.h"

#include <stdio.h>
#include <string.h>

void qw_buf_init(qw_buf_t *b, char *storage, size_t cap)
{
    b->p = storage;
    b->len = 0;
    b->cap = cap;
    b->overflow = 0;
    if (cap) storage[0] = '\0';
}

void qw_buf_put(qw_buf_t *b, const char *s, size_t n)
{
    /* One byte is kept for the terminating NUL. */
    if (b->overflow || b->cap == 0 || n > b->cap - 1 - b->len) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0'; /* always a string, also when a later put overflows */
}

void qw_buf_puts(qw_buf_t *b, const char *s)
{
    qw_buf_put(b, s, strlen(s));
}

const char *qw_buf_str(qw_buf_t *b)
{
    if (b->cap) b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
    return b->p;
}

/* Length of the valid UTF-8 sequence starting at s, or 0 when the bytes are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len) return 0;
    unsigned cp = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

size_t qw_utf8_prefix(const char *s, size_t n, size_t max_chars)
{
    size_t i = 0, chars = 0;
    while (i < n && chars < max_chars) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        i += l ? l : 1;
        chars++;
    }
    return i;
}

size_t qw_utf8_count(const char *s, size_t n)
{
    size_t i = 0, chars = 0;
    while (i < n) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        i += l ? l : 1;
        chars++;
    }
    return chars;
}

static const char qw_replacement[] = "\xEF\xBF\xBD";

void qw_escape(qw_buf_t *b, qw_esc_t t, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0) { /* not UTF-8: never pass the byte through */
            qw_buf_put(b, qw_replacement, 3);
            i++;
            continue;
        }
        if (l > 1) {
            qw_buf_put(b, s + i, l);
            i += l;
            continue;
        }
        i++;
        int ctl = c < 0x20 || c == 0x7F;
        switch (t) {
        case QW_ESC_TEXT:
            if (!ctl || c == '\n' || c == '\t') qw_buf_put(b, (const char *)&c, 1);
            break;
        case QW_ESC_HEADER:
            if (c == '\n' || c == '\r' || c == '\t')
                qw_buf_put(b, " ", 1);
            else if (!ctl)
                qw_buf_put(b, (const char *)&c, 1);
            break;
        case QW_ESC_HTML:
            if (c == '&')
                qw_buf_puts(b, "&amp;");
            else if (c == '<')
                qw_buf_puts(b, "&lt;");
            else if (c == '>')
                qw_buf_puts(b, "&gt;");
            else if (c == '"')
                qw_buf_puts(b, "&quot;");
            else if (c == '\'')
                qw_buf_puts(b, "&#39;");
            else if (!ctl || c == '\n' || c == '\t')
                qw_buf_put(b, (const char *)&c, 1);
            break;
        case QW_ESC_MRKDWN:
            /* Slack's rule: only & < > are control characters of mrkdwn text; escaping them
             * also stops a value from forming <!channel> mentions or links. */
            if (c == '&') {
                qw_buf_puts(b, "&amp;");
                break;
            } else if (c == '<') {
                qw_buf_puts(b, "&lt;");
                break;
            } else if (c == '>') {
                qw_buf_puts(b, "&gt;");
                break;
            }
            /* the mrkdwn text is itself inside a JSON string */
            __attribute__((fallthrough));
        case QW_ESC_JSON:
            if (c == '"')
                qw_buf_puts(b, "\\\"");
            else if (c == '\\')
                qw_buf_puts(b, "\\\\");
            else if (c == '\n')
                qw_buf_puts(b, "\\n");
            else if (c == '\t')
                qw_buf_puts(b, "\\t");
            else if (c == '\r')
                qw_buf_puts(b, "\\r");
            else if (ctl) {
                char u[8];
                snprintf(u, sizeof(u), "\\u%04x", c);
                qw_buf_puts(b, u);
            } else
                qw_buf_put(b, (const char *)&c, 1);
            break;
        }
    }
}
