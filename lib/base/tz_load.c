/* The thin I/O side of time zones: read a zoneinfo file and hand its bytes to qw_tz_parse. */
#include "quotawatch/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"
#include "quotawatch/file.h"

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
    char e[QW_ERRSTR_MAX];
    size_t n;
    /* Real zone files are a few KB. */
    uint8_t *buf = (uint8_t *)qw_file_read(path, 256 * 1024, &n, e, sizeof(e));
    if (!buf) return qw_err_set(errbuf, errlen, "unknown time zone \"%s\" (%s)", name, e);
    int rc = qw_tz_parse(tz, name, buf, n, errbuf, errlen);
    free(buf);
    return rc;
}
