/* Calendar months and quarters of local civil dates. */
#include "quotawatch/period.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/date.h"

/* "YYYY-" without snprintf: period ids are formatted for every credit. */
static void put_year(char *out, int year)
{
    unsigned y = (unsigned)(year < 0 ? 0 : year % 10000);
    for (int i = 3; i >= 0; i--, y /= 10)
        out[i] = (char)('0' + y % 10);
    out[4] = '-';
}

static void fill(qw_period_t *p, qw_period_kind_t kind, int year, int index)
{
    p->kind = kind;
    p->year = year;
    p->index = index;
    if (kind == QW_PERIOD_QUARTER) {
        int m0 = (index - 1) * 3 + 1;
        p->first_day = qw_date_from_ymd(year, m0, 1);
        p->last_day = qw_date_from_ymd(year, m0 + 2, qw_date_days_in_month(year, m0 + 2));
        put_year(p->id, year);
        p->id[5] = 'Q';
        p->id[6] = (char)('0' + index % 10);
        p->id[7] = '\0';
    } else {
        p->first_day = qw_date_from_ymd(year, index, 1);
        p->last_day = qw_date_from_ymd(year, index, qw_date_days_in_month(year, index));
        put_year(p->id, year);
        p->id[5] = (char)('0' + index / 10 % 10);
        p->id[6] = (char)('0' + index % 10);
        p->id[7] = '\0';
    }
}

void qw_period_of_date(qw_period_kind_t kind, int32_t local_date, qw_period_t *out)
{
    int y, m, d;
    qw_date_to_ymd(local_date, &y, &m, &d);
    fill(out, kind, y, kind == QW_PERIOD_QUARTER ? (m - 1) / 3 + 1 : m);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int qw_period_parse(const char *id, qw_period_t *out)
{
    size_t len = strlen(id);
    if (len != 7 || id[4] != '-') return -1;
    int y = digits(id, 4);
    if (y < 1) return -1;
    if (id[5] == 'Q') {
        int q = digits(id + 6, 1);
        if (q < 1 || q > 4) return -1;
        fill(out, QW_PERIOD_QUARTER, y, q);
        return 0;
    }
    int m = digits(id + 5, 2);
    if (m < 1 || m > 12) return -1;
    fill(out, QW_PERIOD_MONTH, y, m);
    return 0;
}

int32_t qw_period_days(const qw_period_t *p)
{
    return p->last_day - p->first_day + 1;
}

static int per_year(const qw_period_t *p)
{
    return p->kind == QW_PERIOD_QUARTER ? 4 : 12;
}

void qw_period_prev(const qw_period_t *p, qw_period_t *out)
{
    int n = per_year(p), k = p->year * n + p->index - 2;
    fill(out, p->kind, k / n, k % n + 1);
}

void qw_period_next(const qw_period_t *p, qw_period_t *out)
{
    int n = per_year(p), k = p->year * n + p->index;
    fill(out, p->kind, k / n, k % n + 1);
}

int qw_period_distance(const qw_period_t *a, const qw_period_t *b)
{
    int n = per_year(a);
    return (b->year * n + b->index) - (a->year * n + a->index);
}

int64_t qw_period_start_ms(const qw_period_t *p, const qw_tz_t *tz)
{
    return qw_tz_day_start_ms(tz, p->first_day);
}

int64_t qw_period_end_ms(const qw_period_t *p, const qw_tz_t *tz)
{
    return qw_tz_day_start_ms(tz, p->last_day + 1);
}

int32_t qw_period_elapsed_bp(const qw_period_t *p, const qw_tz_t *tz, int64_t now_ms)
{
    int64_t s = qw_period_start_ms(p, tz), e = qw_period_end_ms(p, tz);
    if (now_ms <= s) return 0;
    if (now_ms >= e) return 10000;
    return (int32_t)((now_ms - s) * 10000 / (e - s));
}

int64_t qw_period_checkpoint_ms(const qw_period_t *p, const qw_tz_t *tz, int32_t checkpoint_bp)
{
    int64_t s = qw_period_start_ms(p, tz), e = qw_period_end_ms(p, tz);
    /* Round up so that elapsed_bp at the checkpoint instant is at least checkpoint_bp. */
    return s + ((e - s) * checkpoint_bp + 9999) / 10000;
}

int64_t qw_period_close_ms(const qw_period_t *p, const qw_tz_t *tz, int grace_days)
{
    return qw_tz_day_start_ms(tz, p->last_day + 1 + grace_days);
}
