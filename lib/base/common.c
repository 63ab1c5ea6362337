#include "quotawatch/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int qw_err_set(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (errbuf && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return QW_ERR;
}

int qw_strlcpy_checked(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    if (srclen >= dstlen) return QW_ERR;
    memcpy(dst, src, srclen);
    dst[srclen] = '\0';
    return QW_OK;
}

int qw_str_field(char *dst, size_t cap, const char *src, const char *what, char *err, size_t errlen)
{
    if (!src) src = "";
    if (qw_strlcpy_checked(dst, cap, src, strlen(src)) != QW_OK)
        return qw_err_set(err, errlen, "%s too long", what);
    return QW_OK;
}
