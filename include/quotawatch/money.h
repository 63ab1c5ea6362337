/* Money as integer minor units of an ISO 4217 currency. Never floating point. */
#ifndef QW_MONEY_H
#define QW_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Largest absolute amount accepted, in minor units: far above any real deal, far below
 * overflow when amounts are summed, split and converted. */
#define QW_MONEY_MAX_MINOR 1000000000000000LL /* 1e15 */

/* Minor-unit exponent of an ISO 4217 code (USD 2, JPY 0, KWD 3), or -1 if the code is unknown.
 * code must be 3 upper-case letters. */
int qw_money_exponent(const char *code);

/* Parse a decimal string ("12500", "-12,500.5" is rejected, "12500.50", "1.2e3" is rejected)
 * into minor units of a currency with the given exponent. More fractional digits than the
 * exponent allows are an error unless they are zeros. Returns 0 or -1. */
int qw_money_parse_decimal(const char *s, size_t len, int exponent, int64_t *minor);

/* A JSON number that a parser already turned into a double: recover its decimal text (at most
 * 15 significant digits, which a double reproduces exactly) and parse that. Returns 0 or -1. */
int qw_money_from_double(double v, int exponent, int64_t *minor);

/* A fixed exchange rate, as a decimal with 9 fractional digits: 1.082500000 -> 1082500000.
 * Parsed from a decimal string; returns 0 or -1. */
int qw_money_parse_rate(const char *s, size_t len, int64_t *rate_e9);

/* Convert minor units of a currency (exponent from_exp) at rate_e9 (base units per unit of the
 * source currency) into minor units of the base currency (exponent to_exp), rounding half away
 * from zero. Returns 0, or -1 on overflow. */
int qw_money_convert(int64_t minor, int from_exp, int64_t rate_e9, int to_exp, int64_t *out);

/* Writes the amount with its decimal point ("-1234.50") into out; returns out. */
char *qw_money_format(int64_t minor, int exponent, char *out, size_t outlen);

#endif
