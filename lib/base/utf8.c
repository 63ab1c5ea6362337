/* UTF-8 repair for logs and qwctl output (see utf8.h). */
#include "quotawatch/utf8.h"

#include <stdlib.h>
#include <string.h>

/* How many leading bytes of s form a prefix of some valid sequence (RFC 3629 table: no
 * overlongs, no surrogates, nothing above U+10FFFF), and the full length that lead byte needs. */
static size_t valid_prefix(const unsigned char *s, size_t len, size_t *need)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) return *need = 1, 1;
    if (c >= 0xC2 && c <= 0xDF)
        *need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        *need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        *need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return *need = 1, 0;
    size_t n = 1;
    while (n < *need && n < len && s[n] >= (n == 1 ? lo : 0x80) && s[n] <= (n == 1 ? hi : 0xBF))
        n++;
    return n;
}

size_t qw_utf8_seq_len(const unsigned char *s, size_t len)
{
    if (!len) return 0;
    size_t need, n = valid_prefix(s, len, &need);
    return n == need ? n : 0;
}

size_t qw_utf8_cut(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t need, n = valid_prefix(u + i, len - i, &need);
        if (n == need) {
            i += n;
            continue;
        }
        /* A valid start that the end of the buffer cut off: cut before it. */
        if (n > 0 && i + n == len) return i;
        i += n ? n : 1;
    }
    return len;
}

json_t *qw_utf8_json_lossy(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len && qw_utf8_seq_len(u + i, len - i))
        i += qw_utf8_seq_len(u + i, len - i);
    if (i == len) return json_stringn(s, len); /* the usual case: no copy */
    /* Each replaced subpart is at least one byte and becomes three. */
    char *out = malloc(len * 3 + 1);
    if (!out) return NULL;
    size_t o = 0;
    i = 0;
    while (i < len) {
        size_t need, n = valid_prefix(u + i, len - i, &need);
        if (n == need) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += n ? n : 1;
        }
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}
