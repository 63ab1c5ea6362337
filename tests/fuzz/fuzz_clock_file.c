/* libFuzzer target: the evaluator's --clock-file line (epoch ms or RFC 3339), read as it is
 * read in service: at most 63 bytes up to the first newline, NUL-terminated. An accepted time
 * formats back to RFC 3339 and, when it was a date, parses to the same instant. Seeds:
 * tests/fixtures/clock_file/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evclock.h"
#include "quotawatch/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[64];
    size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
    memcpy(line, data, n);
    line[n] = 0;
    char *nl = memchr(line, '\n', n);
    if (nl) nl[1] = 0; /* fgets keeps the newline and stops there */
    int64_t ms, again;
    if (qw_evclock_parse(line, &ms) != 0) return 0;
    char iso[40];
    if (ms >= 0 && ms < 253402300800000LL) { /* years 1970..9999 format and parse back */
        qw_time_format_iso8601(ms, iso);
        if (qw_time_parse_iso8601(iso, strlen(iso), &again) != 0 || again != ms) abort();
    }
    return 0;
}
