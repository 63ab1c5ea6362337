/* libFuzzer target: qw-gateway's verification of untrusted requests. The input is split at
 * NUL bytes into path/query, timestamp, signature, Authorization and body; nothing may crash,
 * the rebuilt URI is always NUL-terminated within its buffer, and a random signature is never
 * accepted for a fixed secret (a hit would mean the compare is broken). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_verify.h"

static const char *next(const char **p, const char *end)
{
    const char *s = *p;
    const char *z = memchr(s, '\0', (size_t)(end - s));
    *p = z ? z + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *p = buf, *end = buf + size;
    const char *pq = next(&p, end), *ts = next(&p, end), *sig = next(&p, end);
    const char *auth = next(&p, end);
    const char *body = p;
    size_t body_len = (size_t)(end - p);

    static qw_gw_secrets_t s;
    static const char keys[] = "fuzz-secret\nwhsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
    char err[256];
    if (qw_gw_secrets_parse(&s, keys, sizeof(keys) - 1, err, sizeof(err)) || s.n != 2) abort();
    char uri[QW_GW_URI_MAX];
    if (qw_gw_hubspot_uri("https://h.example", pq, uri, sizeof(uri)) != 0)
        uri[0] = '\0';
    else if (strlen(uri) >= sizeof(uri))
        abort();
    if (qw_gw_hubspot_verify(&s, "POST", uri, body, body_len, ts, sig, 0, NULL) == QW_GW_OK)
        abort();
    /* The scheme is case-insensitive (RFC 7235) and may be followed by spaces; the credentials
     * must be exactly base64("fuzz-secret"). */
    if (qw_gw_basic_verify(&s, auth, NULL) == QW_GW_OK) {
        if (strncasecmp(auth, "Basic ", 6)) abort();
        const char *cred = auth + 6;
        while (*cred == ' ')
            cred++;
        if (strcmp(cred, "ZnV6ei1zZWNyZXQ=")) abort();
    }
    if (qw_gw_canonical_verify(&s, pq, ts, sig, body, body_len, 0, NULL) == QW_GW_OK) abort();
    for (int src = 0; src < 3; src++)
        (void)qw_gw_shape_check((qw_gw_source_t)src, body, body_len);
    (void)qw_gw_secrets_parse(&s, body, body_len, err, sizeof(err));
    free(buf);
    return 0;
}
