/* Civil dates and instants (lib/base/date.c): round trips over the calendar's edge cases and
 * strict parsing of what CRMs send. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/date.h"

Test(base_date, days_round_trip_over_four_centuries)
{
    for (int32_t d = qw_date_from_ymd(1900, 1, 1); d <= qw_date_from_ymd(2300, 12, 31); d++) {
        int y, m, dd;
        qw_date_to_ymd(d, &y, &m, &dd);
        cr_assert_eq(qw_date_from_ymd(y, m, dd), d);
    }
    cr_assert_eq(qw_date_from_ymd(1970, 1, 1), 0);
    cr_assert_eq(qw_date_from_ymd(2000, 3, 1) - qw_date_from_ymd(2000, 2, 28), 2); /* leap */
    cr_assert_eq(qw_date_from_ymd(1900, 3, 1) - qw_date_from_ymd(1900, 2, 28), 1); /* not */
    cr_assert_eq(qw_date_days_in_month(2024, 2), 29);
    cr_assert_eq(qw_date_days_in_month(2100, 2), 28);
    cr_assert_eq(qw_date_days_in_month(2026, 12), 31);
}

Test(base_date, parse_is_strict)
{
    int32_t d;
    cr_assert_eq(qw_date_parse("2026-12-02", 10, &d), 0);
    char out[11];
    qw_date_format(d, out);
    cr_assert_str_eq(out, "2026-12-02");
    cr_assert_eq(qw_date_parse("2026-12-02T10:00:00Z", 20, &d), 0, "a timestamp's date part");
    const char *bad[] = {"2026-02-30", "2026-13-01", "2026-00-10", "2026-1-01",  "20261202",
                         "2026/12/02", "2026-12-0a", "",           "2026-12-02x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(qw_date_parse(bad[i], strlen(bad[i]), &d), -1, "%s", bad[i]);
}

Test(base_date, instants_parse_with_offsets_and_format_in_utc)
{
    int64_t ms;
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T10:15:00.123Z", 24, &ms), 0);
    char out[25];
    qw_time_format_iso8601(ms, out);
    cr_assert_str_eq(out, "2026-11-27T10:15:00.123Z");
    int64_t off;
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T11:15:00.123+01:00", 29, &off), 0);
    cr_assert_eq(off, ms);
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27", 10, &ms), 0, "a date is midnight UTC");
    cr_assert_eq(ms % 86400000, 0);
    cr_assert_eq(qw_date_from_ms(ms), qw_date_from_ymd(2026, 11, 27));
    cr_assert_eq(qw_date_from_ms(-1), qw_date_from_ymd(1969, 12, 31), "before the epoch");
    int64_t bare, utc;
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T10:15", 16, &bare), 0);
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T10:15:00Z", 20, &utc), 0);
    cr_assert_eq(bare, utc, "no offset reads as UTC (docs/formats/crm-sources.md)");
    const char *bad[] = {"2026-11-27T25:00:00Z", "2026-11-27T10:61:00Z", "2026-11-27T10:15:00+1",
                         "not a time"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(qw_time_parse_iso8601(bad[i], strlen(bad[i]), &ms), -1, "%s", bad[i]);
}
