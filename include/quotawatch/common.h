/* Shared conventions of quotawatch: return codes and error buffers, as hiredis does it. */
#ifndef QW_COMMON_H
#define QW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define QW_OK  0
#define QW_ERR -1

/* Every context that can fail carries an error buffer of this size. */
#define QW_ERRSTR_MAX 256

/* Identifiers (deal, rep, team ids) are bounded: longer input is rejected, never truncated. */
#define QW_ID_MAX 128

/* printf into an error buffer; returns QW_ERR so callers can `return qw_err_set(...)`. */
int qw_err_set(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy a string into a fixed buffer; returns QW_ERR (and copies nothing) when it does not fit. */
int qw_strlcpy_checked(char *dst, size_t dstlen, const char *src, size_t srclen);
/* A decoded message's string field into a fixed buffer: src (NULL = "") copied whole, or QW_ERR
 * with "<what> too long" in err. What every wire decoder uses. */
int qw_str_field(char *dst, size_t cap, const char *src, const char *what, char *err,
                 size_t errlen);

#endif
