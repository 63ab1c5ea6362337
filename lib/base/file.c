#include "quotawatch/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"

char *qw_file_read(const char *path, size_t max, size_t *len, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qw_err_set(errbuf, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = max < 65536 ? max + 1 : 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max || got == 0) break;
        if (n == cap) {
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        qw_err_set(errbuf, errlen, buf ? "cannot read %s" : "cannot read %s: out of memory", path);
        free(buf);
        return NULL;
    }
    if (n > max) {
        free(buf);
        qw_err_set(errbuf, errlen, "%s is larger than %zu bytes", path, max);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
