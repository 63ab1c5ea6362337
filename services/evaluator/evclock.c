#include "evclock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"

int qw_evclock_parse(const char *s, int64_t *ms)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s + len && len) {
        *ms = v;
        return 0;
    }
    return qw_time_parse_iso8601(s, len, ms);
}

static int64_t now_ms(void *opaque)
{
    qw_evclock_t *c = opaque;
    if (c->file) {
        int64_t t = qw_clock_mono_ns();
        if (!c->file_read_ns || t - c->file_read_ns > 100000000LL) {
            c->file_read_ns = t;
            FILE *f = fopen(c->file, "r");
            char buf[64] = "";
            if (f) {
                if (!fgets(buf, sizeof(buf), f)) buf[0] = 0;
                fclose(f);
            }
            int64_t v;
            if (buf[0] && qw_evclock_parse(buf, &v) == 0) c->file_ms = v;
        }
        if (c->file_ms) return c->file_ms + c->offset_ms;
    }
    if (c->fixed_ms != INT64_MIN) return c->fixed_ms + c->offset_ms;
    return qw_clock_now(&qw_clock_system) + c->offset_ms;
}

int qw_evclock_init(qw_evclock_t *c, const char *fake_now, int64_t offset_ms, const char *file,
                    char *errbuf, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->offset_ms = offset_ms;
    c->fixed_ms = INT64_MIN;
    if (fake_now && *fake_now && qw_evclock_parse(fake_now, &c->fixed_ms) != 0)
        return qw_err_set(errbuf, errlen, "--fake-now %s: expected RFC 3339 or epoch ms", fake_now);
    if (file && *file) c->file = file;
    return QW_OK;
}

qw_clock_t qw_evclock_clock(qw_evclock_t *c)
{
    qw_clock_t k = {now_ms, c};
    return k;
}

int qw_evclock_simulated(const qw_evclock_t *c)
{
    return c->file != NULL || c->fixed_ms != INT64_MIN;
}
