/* libFuzzer target: the Redis URL parser (--redis / QW_REDIS_URL: configuration, but echoed in
 * errors). It must never crash, and an error message must not depend on the URL's password:
 * the same URL with every password byte replaced gives the same message, so the password is not
 * in it. Seeds: tests/fixtures/redis_url/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char url[1024], other[1024], err[QW_ERRSTR_MAX], err2[QW_ERRSTR_MAX];
    if (size >= sizeof(url) || memchr(data, '\0', size)) return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    qw_redis_t r;
    err[0] = '\0';
    if (qw_redis_init(&r, url, err, sizeof(err)) == QW_OK) {
        qw_redis_close(&r);
        return 0;
    }
    /* redis://[user]:<password>@...: the password runs from the first ':' to the last '@'. */
    if (strncmp(url, "redis://", 8)) return 0;
    const char *at = strrchr(url + 8, '@');
    const char *colon = at ? memchr(url + 8, ':', (size_t)(at - url - 8)) : NULL;
    if (!colon || at - colon < 2) return 0;
    memcpy(other, url, size + 1);
    for (const char *c = colon + 1; c < at; c++)
        other[c - url] = *c == 'Z' ? 'Y' : 'Z';
    err2[0] = '\0';
    if (qw_redis_init(&r, other, err2, sizeof(err2)) == QW_OK) abort(); /* same shape, same fate */
    if (strcmp(err, err2)) abort();
    return 0;
}
