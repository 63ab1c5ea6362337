#include "quotawatch/money.h"

#include <stdio.h>
#include <string.h>

/* ISO 4217 codes whose minor unit is not 2 digits; every other listed code has 2. */
static const struct {
    const char code[4];
    int exp;
} qw_money_odd[] = {
    {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"ISK", 0}, {"JPY", 0}, {"KMF", 0},
    {"KRW", 0}, {"PYG", 0}, {"RWF", 0}, {"UGX", 0}, {"UYI", 0}, {"VND", 0}, {"VUV", 0},
    {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"BHD", 3}, {"IQD", 3}, {"JOD", 3}, {"KWD", 3},
    {"LYD", 3}, {"OMR", 3}, {"TND", 3}, {"CLF", 4}, {"UYW", 4},
};

/* Active ISO 4217 codes with 2-digit minor units (the common trading currencies and the rest). */
static const char qw_money_two[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "
    "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD "
    "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UZS VES WST XCD YER ZAR ZMW ZWL ";

int qw_money_exponent(const char *code)
{
    if (!code || strlen(code) != 3) return -1;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z') return -1;
    for (size_t i = 0; i < sizeof(qw_money_odd) / sizeof(qw_money_odd[0]); i++)
        if (memcmp(qw_money_odd[i].code, code, 3) == 0) return qw_money_odd[i].exp;
    /* The list is sorted: a binary search, as this runs for every amount ingested. */
    size_t lo = 0, hi = (sizeof(qw_money_two) - 1) / 4;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(qw_money_two + 4 * mid, code, 3);
        if (c == 0) return 2;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const int64_t qw_pow10[] = {1,        10,        100,        1000, 10000, 100000, 1000000,
                                   10000000, 100000000, 1000000000, 1e10, 1e11,  1e12,   1e13,
                                   1e14,     1e15,      1e16,       1e17, 1e18};

/* Parse [-]digits[.digits] into an integer scaled by 10^scale. */
static int parse_scaled(const char *s, size_t len, int scale, int64_t max, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    size_t int_start = i;
    int64_t v = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > max) return -1;
    }
    int int_digits = (int)(i - int_start);
    int frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (frac_digits < scale) {
                v = v * 10 + (s[i] - '0');
                frac_digits++;
            } else if (s[i] != '0') {
                return -1; /* finer than the currency's minor unit */
            }
        }
        if (frac_digits == 0 && int_digits == 0) return -1;
    }
    if (int_digits == 0 && frac_digits == 0) return -1;
    if (i != len) return -1;
    v *= qw_pow10[scale - frac_digits];
    if (v / qw_pow10[scale] > max) return -1;
    *out = neg ? -v : v;
    return 0;
}

int qw_money_parse_decimal(const char *s, size_t len, int exponent, int64_t *minor)
{
    if (exponent < 0 || exponent > 4) return -1;
    int64_t v;
    if (parse_scaled(s, len, exponent, QW_MONEY_MAX_MINOR, &v)) return -1;
    if (v > QW_MONEY_MAX_MINOR || v < -QW_MONEY_MAX_MINOR) return -1;
    *minor = v;
    return 0;
}

int qw_money_from_double(double v, int exponent, int64_t *minor)
{
    char buf[64];
    if (!(v == v) || v > 1e16 || v < -1e16) return -1; /* NaN or absurd */
    /* %.15g reproduces the decimal a JSON writer wrote for any number of <= 15 digits. */
    int n = snprintf(buf, sizeof(buf), "%.15g", v);
    if (n <= 0 || (size_t)n >= sizeof(buf) || strchr(buf, 'e')) {
        n = snprintf(buf, sizeof(buf), "%.*f", exponent, v);
        if (n <= 0 || (size_t)n >= sizeof(buf)) return -1;
    }
    return qw_money_parse_decimal(buf, (size_t)n, exponent, minor);
}

int qw_money_parse_rate(const char *s, size_t len, int64_t *rate_e9)
{
    int64_t v;
    if (parse_scaled(s, len, 9, 1000000000LL, &v) || v <= 0) return -1;
    *rate_e9 = v;
    return 0;
}

int qw_money_convert(int64_t minor, int from_exp, int64_t rate_e9, int to_exp, int64_t *out)
{
    if (from_exp < 0 || to_exp < 0 || from_exp > 4 || to_exp > 4) return -1;
    __int128 num = (__int128)minor * rate_e9;
    __int128 den = (__int128)1000000000;
    if (to_exp >= from_exp)
        num *= qw_pow10[to_exp - from_exp];
    else
        den *= qw_pow10[from_exp - to_exp];
    __int128 q = num / den, r = num % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += num < 0 ? -1 : 1;
    if (q > QW_MONEY_MAX_MINOR * 1000 || q < -QW_MONEY_MAX_MINOR * 1000) return -1;
    *out = (int64_t)q;
    return 0;
}

char *qw_money_format(int64_t minor, int exponent, char *out, size_t outlen)
{
    if (exponent <= 0) {
        snprintf(out, outlen, "%lld", (long long)minor);
        return out;
    }
    int64_t p = qw_pow10[exponent];
    unsigned long long a =
        minor < 0 ? (unsigned long long)(-(minor + 1)) + 1 : (unsigned long long)minor;
    char frac[8];
    unsigned long long f = a % (unsigned long long)p;
    for (int i = exponent - 1; i >= 0; i--, f /= 10)
        frac[i] = (char)('0' + f % 10);
    frac[exponent] = '\0';
    snprintf(out, outlen, "%s%llu.%s", minor < 0 ? "-" : "", a / (unsigned long long)p, frac);
    return out;
}
