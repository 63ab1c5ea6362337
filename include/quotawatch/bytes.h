/* A bounded, growable, NUL-terminated byte buffer: what an HTTP answer is read into. */
#ifndef QW_BYTES_H
#define QW_BYTES_H

#include <stddef.h>

typedef struct qw_bytes_s {
    char *p; /* NULL until the first byte; always NUL-terminated after it */
    size_t len;
    size_t max; /* the most it may hold: more is refused, never cut */
} qw_bytes_t;

/* Appends n bytes: QW_OK, or QW_ERR (over max, or no memory) leaving b as it was. */
int qw_bytes_append(qw_bytes_t *b, const void *data, size_t n);

/* libcurl's CURLOPT_WRITEFUNCTION with a qw_bytes_t as CURLOPT_WRITEDATA: an answer over max
 * ends the transfer (CURLE_WRITE_ERROR) instead of growing without bound. */
size_t qw_bytes_curl_write(char *data, size_t size, size_t nmemb, void *bytes);

void qw_bytes_free(qw_bytes_t *b);

#endif
