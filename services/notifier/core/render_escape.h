/* Output buffers and escaping of values for each rendering target. Pure: no I/O, no clock. */
#ifndef QW_RENDER_ESCAPE_H
#define QW_RENDER_ESCAPE_H

#include <stddef.h>

/* A caller-owned output buffer; writes past cap set overflow and are dropped, so rendering is
 * bounded by construction. */
typedef struct qw_buf_s {
    char *p;
    size_t len, cap;
    int overflow;
} qw_buf_t;

void qw_buf_init(qw_buf_t *b, char *storage, size_t cap);
void qw_buf_put(qw_buf_t *b, const char *s, size_t n);
void qw_buf_puts(qw_buf_t *b, const char *s);
/* NUL-terminates (within cap) and returns the string. */
const char *qw_buf_str(qw_buf_t *b);

/* The escaping a value gets; chosen by the template's target, never by the value. */
typedef enum {
    QW_ESC_TEXT,   /* plain text: control characters other than \n and \t dropped */
    QW_ESC_HEADER, /* one header line: no CR/LF/controls (mail Subject, Slack plain_text) */
    QW_ESC_HTML,   /* HTML text and attribute values */
    QW_ESC_JSON,   /* inside a JSON string literal */
    QW_ESC_MRKDWN, /* Slack mrkdwn text inside a JSON string: & < > as entities, then JSON */
} qw_esc_t;

/* Appends s[0..n) escaped for target; invalid UTF-8 bytes become U+FFFD. */
void qw_escape(qw_buf_t *b, qw_esc_t target, const char *s, size_t n);

/* Length in bytes of the longest prefix of s (n bytes) holding at most max_chars code points
 * and not splitting a UTF-8 sequence. */
size_t qw_utf8_prefix(const char *s, size_t n, size_t max_chars);

/* Number of code points in s (n bytes); invalid bytes count one each. */
size_t qw_utf8_count(const char *s, size_t n);

#endif
