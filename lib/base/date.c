/* Civil-date arithmetic after Howard Hinnant's days_from_civil: exact for any year we meet. */
#include "quotawatch/date.h"

#include <string.h>

int32_t qw_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void qw_date_to_ymd(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)yoe + era * 400 + (*m <= 2);
}

int qw_date_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dim[m - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int qw_date_parse(const char *s, size_t len, int32_t *days)
{
    int y, m, d;
    if (len < 10 || s[4] != '-' || s[7] != '-') return -1;
    if (len > 10 && s[10] != 'T' && s[10] != ' ') return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return -1;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > qw_date_days_in_month(y, m))
        return -1;
    *days = qw_date_from_ymd(y, m, d);
    return 0;
}

static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

void qw_date_format(int32_t days, char out[11])
{
    int y, m, d;
    qw_date_to_ymd(days, &y, &m, &d);
    put_digits(out, (unsigned)(y < 0 ? 0 : y % 10000), 4);
    out[4] = '-';
    put_digits(out + 5, (unsigned)m, 2);
    out[7] = '-';
    put_digits(out + 8, (unsigned)d, 2);
    out[10] = '\0';
}

int32_t qw_date_from_ms(int64_t ms)
{
    int64_t days = ms / 86400000;
    if (ms % 86400000 < 0) days--;
    return (int32_t)days;
}

int qw_time_parse_iso8601(const char *s, size_t len, int64_t *ms)
{
    int32_t days;
    if (qw_date_parse(s, len, &days)) return -1;
    int64_t t = (int64_t)days * 86400000;
    if (len == 10) {
        *ms = t;
        return 0;
    }
    int hh, mm, ss = 0;
    size_t i = 11;
    if (len < 16 || digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm)) return -1;
    i = 16;
    if (i < len && s[i] == ':') {
        if (len < 19 || digits(s + 17, 2, &ss)) return -1;
        i = 19;
    }
    if (hh > 23 || mm > 59 || ss > 60) return -1;
    int frac = 0, scale = 1000;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (s[i] - '0') * scale;
            }
            i++;
        }
        if (i == start) return -1;
    }
    t += ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om = 0, sign = s[i] == '+' ? 1 : -1;
        i++;
        if (i + 2 > len || digits(s + i, 2, &oh)) return -1;
        i += 2;
        if (i < len && s[i] == ':') i++;
        if (i + 2 <= len && digits(s + i, 2, &om) == 0) i += 2;
        if (oh > 23 || om > 59) return -1;
        t -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
    }
    if (i != len) return -1;
    *ms = t;
    return 0;
}

void qw_time_format_iso8601(int64_t ms, char out[25])
{
    /* Four-digit years only: a hostile time (a record's int64) is clamped, never overflowed. */
    const int64_t lo = -62167219200000LL, hi = 253402300799999LL; /* 0000-01-01, 9999-12-31 */
    ms = ms < lo ? lo : ms > hi ? hi : ms;
    int32_t days = qw_date_from_ms(ms);
    int64_t rem = ms - (int64_t)days * 86400000;
    qw_date_format(days, out);
    out[10] = 'T';
    put_digits(out + 11, (unsigned)(rem / 3600000), 2);
    out[13] = ':';
    put_digits(out + 14, (unsigned)(rem / 60000 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (unsigned)(rem / 1000 % 60), 2);
    out[19] = '.';
    put_digits(out + 20, (unsigned)(rem % 1000), 3);
    out[23] = 'Z';
    out[24] = '\0';
}
