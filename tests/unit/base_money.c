#include <criterion/criterion.h>

#include "quotawatch/date.h"
#include "quotawatch/money.h"
#include "quotawatch/rates.h"

Test(base_money, exponents)
{
    cr_assert_eq(qw_money_exponent("USD"), 2);
    cr_assert_eq(qw_money_exponent("JPY"), 0);
    cr_assert_eq(qw_money_exponent("KWD"), 3);
    cr_assert_eq(qw_money_exponent("XXX"), -1);
    cr_assert_eq(qw_money_exponent("usd"), -1);
    cr_assert_eq(qw_money_exponent("USDX"), -1);
    /* The two-digit list is binary-searched: its ends, and codes between entries. */
    cr_assert_eq(qw_money_exponent("AED"), 2);
    cr_assert_eq(qw_money_exponent("ZWL"), 2);
    cr_assert_eq(qw_money_exponent("EUR"), 2);
    cr_assert_eq(qw_money_exponent("AAA"), -1);
    cr_assert_eq(qw_money_exponent("AEE"), -1);
    cr_assert_eq(qw_money_exponent("USE"), -1);
    cr_assert_eq(qw_money_exponent("ZZZ"), -1);
}

Test(base_money, parse_decimal_is_exact)
{
    int64_t v;
    cr_assert_eq(qw_money_parse_decimal("12500.50", 8, 2, &v), 0);
    cr_assert_eq(v, 1250050);
    cr_assert_eq(qw_money_parse_decimal("0.1", 3, 2, &v), 0);
    cr_assert_eq(v, 10);
    cr_assert_eq(qw_money_parse_decimal("-7", 2, 2, &v), 0);
    cr_assert_eq(v, -700);
    cr_assert_eq(qw_money_parse_decimal("1.230", 5, 2, &v), 0, "trailing zeros are fine");
    cr_assert_eq(v, 123);
    cr_assert_eq(qw_money_parse_decimal("1.005", 5, 2, &v), -1, "finer than a cent");
    cr_assert_eq(qw_money_parse_decimal("1e3", 3, 2, &v), -1);
    cr_assert_eq(qw_money_parse_decimal("", 0, 2, &v), -1);
    cr_assert_eq(qw_money_parse_decimal(".", 1, 2, &v), -1);
    cr_assert_eq(qw_money_parse_decimal("99999999999999999999", 20, 2, &v), -1);
}

Test(base_money, from_double_recovers_the_written_decimal)
{
    int64_t v;
    cr_assert_eq(qw_money_from_double(0.1 + 0.2 - 0.3 + 19.99, 2, &v), 0);
    cr_assert_eq(v, 1999);
    cr_assert_eq(qw_money_from_double(12500.5, 2, &v), 0);
    cr_assert_eq(v, 1250050);
    cr_assert_eq(qw_money_from_double(1.005, 2, &v), -1);
}

Test(base_money, convert_rounds_half_away_from_zero)
{
    int64_t v;
    /* 1.00 USD at 0.92 EUR/USD = 0.92 EUR */
    cr_assert_eq(qw_money_convert(100, 2, 920000000, 2, &v), 0);
    cr_assert_eq(v, 92);
    /* 1 JPY (exp 0) at 0.0061 EUR = 0.0061 EUR -> 1 cent (0.61 rounds up) */
    cr_assert_eq(qw_money_convert(1, 0, 6100000, 2, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(qw_money_convert(-150, 2, 500000000, 2, &v), 0);
    cr_assert_eq(v, -75);
    cr_assert_eq(qw_money_convert(-1, 2, 500000000, 2, &v), 0);
    cr_assert_eq(v, -1, "half away from zero");
}

Test(base_money, rates_table)
{
    qw_rates_t r = {.base = "EUR"};
    int64_t v;
    cr_assert_eq(qw_rates_set(&r, "USD", 920000000), 0);
    cr_assert_eq(qw_rates_to_base(&r, "EUR", 123, &v), 0);
    cr_assert_eq(v, 123);
    cr_assert_eq(qw_rates_to_base(&r, "USD", 10000, &v), 0);
    cr_assert_eq(v, 9200);
    cr_assert_eq(qw_rates_to_base(&r, "GBP", 100, &v), -1, "unknown currency is an error");
    cr_assert_eq(qw_rates_set(&r, "ZZZ", 1), -1);
}

Test(base_money, format)
{
    char buf[32];
    cr_assert_str_eq(qw_money_format(1250050, 2, buf, sizeof(buf)), "12500.50");
    cr_assert_str_eq(qw_money_format(-5, 2, buf, sizeof(buf)), "-0.05");
    cr_assert_str_eq(qw_money_format(42, 0, buf, sizeof(buf)), "42");
}

Test(core_date, civil_round_trip_and_parse)
{
    char out[25];
    int32_t d;
    cr_assert_eq(qw_date_from_ymd(1970, 1, 1), 0);
    cr_assert_eq(qw_date_parse("2024-02-29", 10, &d), 0);
    qw_date_format(d, out);
    cr_assert_str_eq(out, "2024-02-29");
    cr_assert_eq(qw_date_parse("2023-02-29", 10, &d), -1);
    cr_assert_eq(qw_date_parse("2026-13-01", 10, &d), -1);
    for (int32_t x = -1000; x < 30000; x += 7) {
        int y, m, dd;
        qw_date_to_ymd(x, &y, &m, &dd);
        cr_assert_eq(qw_date_from_ymd(y, m, dd), x);
    }
}

Test(core_date, iso8601_instants)
{
    int64_t ms;
    char out[25];
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T10:15:00.123Z", 24, &ms), 0);
    qw_time_format_iso8601(ms, out);
    cr_assert_str_eq(out, "2026-11-27T10:15:00.123Z");
    int64_t ms2;
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T11:15:00.123+01:00", 29, &ms2), 0);
    cr_assert_eq(ms, ms2);
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T25:00:00Z", 20, &ms), -1);
    cr_assert_eq(qw_time_parse_iso8601("2026-11-27T10:00:00Zjunk", 24, &ms), -1);
    cr_assert_eq(qw_date_from_ms(-1), -1, "instants before 1970 floor to the previous day");
}
