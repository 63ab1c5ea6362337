/* One bounded body buffer instead of a write callback per libcurl user. */
#include "quotawatch/bytes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"

int qw_bytes_append(qw_bytes_t *b, const void *data, size_t n)
{
    if (n > b->max || b->len > b->max - n) return QW_ERR;
    char *np = realloc(b->p, b->len + n + 1);
    if (!np) return QW_ERR;
    if (n) memcpy(np + b->len, data, n);
    b->p = np;
    b->len += n;
    b->p[b->len] = '\0';
    return QW_OK;
}

size_t qw_bytes_curl_write(char *data, size_t size, size_t nmemb, void *bytes)
{
    if (nmemb && size > SIZE_MAX / nmemb) return 0;
    size_t n = size * nmemb;
    return qw_bytes_append(bytes, data, n) == QW_OK ? n : 0;
}

void qw_bytes_free(qw_bytes_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
}
