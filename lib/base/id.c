/* Id validation: one place, so every edge (adapters, roster loaders, notifier) agrees. */
#include "quotawatch/id.h"

#include <stdint.h>
#include <string.h>

#include "quotawatch/roster.h"

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point; 0 if malformed. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) return *cp = c, 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return 0; /* continuation byte, C0/C1 lead (overlong) or F5..FF */
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

int qw_id_valid_max(const char *s, size_t len, size_t maxlen, char *err, size_t errlen)
{
    if (!s || len == 0) return qw_err_set(err, errlen, "empty id");
    if (len > maxlen) return qw_err_set(err, errlen, "id of %zu bytes (at most %zu)", len, maxlen);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_next(p + i, len - i, &cp);
        if (n == 0) return qw_err_set(err, errlen, "id is not valid UTF-8 at byte %zu", i);
        /* Controls would be syntax downstream: CR/LF split headers, NUL cuts keys. */
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return qw_err_set(err, errlen, "id has control character U+%04X at byte %zu",
                              (unsigned)cp, i);
        i += n;
    }
    return QW_OK;
}

int qw_id_valid(const char *s, size_t len, char *err, size_t errlen)
{
    return qw_id_valid_max(s, len, QW_ID_LEN_MAX, err, errlen);
}

int qw_roster_ids_check(const qw_rep_profile_t *p, char *err, size_t errlen)
{
    const struct {
        const char *name, *v;
        int required;
    } f[] = {
        {"rep_id", p->rep_id, 1}, {"manager_id", p->manager_id, 0}, {"team_id", p->team_id, 0}};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        size_t n = strnlen(f[i].v, QW_ID_MAX);
        if (!n && !f[i].required) continue;
        char why[QW_ERRSTR_MAX / 2];
        if (qw_id_valid(f[i].v, n, why, sizeof(why)) != QW_OK)
            return qw_err_set(err, errlen, "%s: %s", f[i].name, why);
    }
    return QW_OK;
}
