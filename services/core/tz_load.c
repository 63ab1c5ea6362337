/* The thin I/O side of time zones: read a zoneinfo file and hand its bytes to qw_tz_parse. */
#include "quotawatch/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"

int qw_tz_load(qw_tz_t *tz, const char *name, const char *dir, char *errbuf, size_t errlen)
{
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        qw_tz_utc(tz);
        return 0;
    }
    if (name[0] == '\0' || name[0] == '/' || strstr(name, ".."))
        return qw_err_set(errbuf, errlen, "invalid time zone name \"%s\"", name);
    if (!dir) dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char path[512];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return qw_err_set(errbuf, errlen, "time zone path too long");
    FILE *f = fopen(path, "rb");
    if (!f) return qw_err_set(errbuf, errlen, "unknown time zone \"%s\" (no %s)", name, path);
    static const size_t cap = 256 * 1024; /* real zone files are a few KB */
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return qw_err_set(errbuf, errlen, "out of memory");
    }
    size_t n = fread(buf, 1, cap, f);
    int rc = ferror(f) ? qw_err_set(errbuf, errlen, "%s: read error", path)
                       : qw_tz_parse(tz, name, buf, n, errbuf, errlen);
    fclose(f);
    free(buf);
    return rc;
}
