/* libFuzzer target: OAuth token endpoint answers. The first byte picks the HTTP status (200 or
 * another). An accepted answer has a printable, non-empty token and an allowed instance URL
 * without a trailing '/'; a refused one leaves no token behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    long status = data[0] & 1 ? 200 : 400 + data[0];
    static qw_sf_token_t t;
    char err[QW_ERRSTR_MAX];
    int rc = qw_sf_token_parse((const char *)data + 1, size - 1, status, &t, err, sizeof(err));
    if (rc == QW_OK) {
        size_t n = strnlen(t.access_token, sizeof(t.access_token));
        if (status != 200 || n == 0 || n >= sizeof(t.access_token)) abort();
        for (size_t i = 0; i < n; i++)
            if (t.access_token[i] <= ' ' || t.access_token[i] > '~') abort();
        size_t u = strnlen(t.instance_url, sizeof(t.instance_url));
        if (u >= sizeof(t.instance_url) || !qw_sf_url_allowed(t.instance_url)) abort();
        if (t.instance_url[u - 1] == '/') abort();
    } else {
        if (t.access_token[0] || !err[0]) abort();
        for (const char *p = err; *p; p++)
            if ((unsigned char)*p < ' ') abort(); /* errors go to log lines */
    }
    return 0;
}
