/* libFuzzer target: the TZif parser (zone files come from the host's /usr/share/zoneinfo or
 * $TZDIR, which an operator may point anywhere). Beyond no crash and no sanitizer report: a
 * refused file says why; an accepted one has its counts within the table sizes, ascending
 * transitions, and every offset it can produce (types, first, footer rule) inside the type
 * table's range, also when looked up and when finding local midnights.
 * Seeds: tests/fixtures/tz/ (a few zone files copied from /usr/share/zoneinfo). */
#include <stdint.h>
#include <stdlib.h>

#include "quotawatch/common.h"
#include "quotawatch/date.h"
#include "quotawatch/tz.h"

#define OFF_MIN (-25 * 3600)
#define OFF_MAX (26 * 3600)

static int off_ok(int32_t off)
{
    return off >= OFF_MIN && off <= OFF_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qw_tz_t tz;
    char err[QW_ERRSTR_MAX];
    err[0] = '\0';
    if (qw_tz_parse(&tz, "fuzz", data, size, err, sizeof(err)) != 0) {
        if (!err[0]) abort();
        return 0;
    }
    if (tz.ntypes < 1 || tz.ntypes > QW_TZ_TYPES_MAX || tz.ntrans < 0 ||
        tz.ntrans > QW_TZ_TRANS_MAX || !off_ok(tz.first_off))
        abort();
    for (int i = 0; i < tz.ntypes; i++)
        if (!off_ok(tz.type_off[i])) abort();
    for (int i = 0; i < tz.ntrans; i++)
        if (tz.trans_type[i] >= tz.ntypes || (i > 0 && tz.trans_at[i] <= tz.trans_at[i - 1]))
            abort();
    if (tz.rule.valid) {
        const qw_tz_rule_t *r = &tz.rule;
        if (!off_ok(r->std_off) || (r->has_dst && !off_ok(r->dst_off))) abort();
        if (r->has_dst &&
            (r->start.month < 1 || r->start.month > 12 || r->start.week < 1 || r->start.week > 5 ||
             r->start.wday < 0 || r->start.wday > 6 || r->end.month < 1 || r->end.month > 12 ||
             r->end.week < 1 || r->end.week > 5 || r->end.wday < 0 || r->end.wday > 6))
            abort();
    }
    /* Instants from 1900 to 2200, a few per year: both the table and the rule are exercised. */
    for (int64_t s = -2208988800LL; s < 7258118400LL; s += 86400LL * 331 + 3607) {
        if (!off_ok(qw_tz_offset(&tz, s * 1000))) abort();
        int32_t d = qw_tz_local_date(&tz, s * 1000);
        int64_t start = qw_tz_day_start_ms(&tz, d);
        /* Local midnight is within the offset range of the day's UTC midnight. */
        int64_t l = (int64_t)d * 86400000;
        if (start < l - (int64_t)OFF_MAX * 1000 - 86400000 ||
            start > l - (int64_t)OFF_MIN * 1000 + 86400000)
            abort();
    }
    return 0;
}
