/* UTF-8 for output that must not lose text: jansson refuses strings that are not valid UTF-8
 * (json_string returns NULL, and a NULL value silently drops the field it was meant for). */
#ifndef QW_UTF8_H
#define QW_UTF8_H

#include <jansson.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there are not one (also
 * when it is cut short by len). */
size_t qw_utf8_seq_len(const unsigned char *s, size_t len);

/* The largest n <= len such that s[0..n) does not end inside a character: where to cut a
 * buffer that snprintf truncated. Invalid bytes count as single characters. */
size_t qw_utf8_cut(const char *s, size_t len);

/* A JSON string of s[0..len) with every invalid sequence replaced by U+FFFD (one per maximal
 * invalid subpart, as Unicode recommends); NUL bytes are kept. Never NULL except on OOM. */
json_t *qw_utf8_json_lossy(const char *s, size_t len);

#endif
