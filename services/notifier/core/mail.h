/* RFC 5322 / MIME message building for e-mail notifications. Pure: the date and the ids are
 * passed in. */
#ifndef QW_MAIL_H
#define QW_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "render_escape.h"

typedef struct qw_mail_s {
    const char *from;    /* addr-spec, e.g. quotawatch@example.com */
    const char *to;      /* addr-spec */
    const char *subject; /* UTF-8, one line */
    const char *text;    /* text/plain body, UTF-8 */
    const char *html;    /* text/html body, UTF-8 */
    const char *decision_id;
    const char *channel;
    int64_t date_ms; /* the Date header */
} qw_mail_t;

/* Writes "<decision-id.channel@quotawatch>" with every character outside RFC 5322 atext
 * written as =XX, so distinct ids stay distinct and the id is always a valid msg-id. */
int qw_mail_message_id(const char *decision_id, const char *channel, char *out, size_t outlen);

/* RFC 5322 date: "Fri, 27 Nov 2026 00:08:44 +0000". */
char *qw_mail_date(int64_t ms, char *out, size_t outlen);

/* 1 when s is a plausible addr-spec without characters that could inject headers or SMTP
 * commands (CR, LF, <, >, spaces, commas). */
int qw_mail_addr_ok(const char *s);

/* The whole message, CRLF line ends: headers, then multipart/alternative with the text and the
 * HTML part, each base64 encoded (so no line is ever too long and no byte is misread). */
int qw_mail_build(const qw_mail_t *m, qw_buf_t *out, char *errbuf, size_t errlen);

#endif
