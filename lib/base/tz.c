/* TZif parsing and zone offset lookup: pure functions over bytes (the loader is tz_load.c). */
#include "quotawatch/tz.h"

#include <string.h>

#include "quotawatch/common.h"
#include "quotawatch/date.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

void qw_tz_utc(qw_tz_t *tz)
{
    memset(tz, 0, sizeof(*tz));
    memcpy(tz->name, "UTC", 4);
    tz->ntypes = 1;
}

/* ---- the POSIX TZ footer ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static const char *skip_name(const char *s)
{
    if (*s == '<') {
        while (*s && *s != '>')
            s++;
        return *s ? s + 1 : NULL;
    }
    const char *b = s;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
        s++;
    return s - b >= 3 ? s : NULL;
}

/* Footer offsets are held to the type table's range (qw_tz_parse): a rule may not produce an
 * offset that no TZif type could. */
#define TZ_OFF_MIN (-25 * 3600)
#define TZ_OFF_MAX (26 * 3600)

/* A decimal number of at most max (a small bound: checked after each digit, which cannot
 * overflow because v <= max before it). */
static const char *parse_uint(const char *s, int max, int *out)
{
    if (*s < '0' || *s > '9') return NULL;
    int v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        if (v > max) return NULL;
    }
    *out = v;
    return s;
}

/* [+-]hh[:mm[:ss]] into seconds (RFC 8536 allows hours up to 167); returns the end or NULL. */
static const char *parse_hms(const char *s, int32_t *out)
{
    int sign = 1;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    static const int max[3] = {167, 59, 59};
    int parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (!(s = parse_uint(s, max[i], &parts[i]))) return NULL;
        if (*s != ':' || i == 2) break;
        s++;
    }
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return s;
}

static const char *parse_rule_date(const char *s, int *month, int *week, int *wday, int32_t *time)
{
    if (*s != 'M') return NULL; /* Jn and n forms are not used by the zones we ship */
    s++;
    static const int max[3] = {12, 5, 6};
    int v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (!(s = parse_uint(s, max[i], &v[i]))) return NULL;
        if (i < 2 && *s++ != '.') return NULL;
    }
    if (v[0] < 1 || v[1] < 1) return NULL;
    *month = v[0], *week = v[1], *wday = v[2];
    *time = 7200;
    if (*s == '/') {
        s = parse_hms(s + 1, time);
        if (!s) return NULL;
    }
    return s;
}

static int parse_footer(qw_tz_rule_t *r, const char *s)
{
    memset(r, 0, sizeof(*r));
    int32_t off;
    if (!(s = skip_name(s)) || !(s = parse_hms(s, &off))) return -1;
    r->std_off = -off; /* POSIX offsets are west of UTC */
    if (r->std_off < TZ_OFF_MIN || r->std_off > TZ_OFF_MAX) return -1;
    if (*s == '\0') {
        r->valid = 1;
        return 0;
    }
    if (!(s = skip_name(s))) return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (!(s = parse_hms(s, &off))) return -1;
        r->dst_off = -off;
    }
    if (r->dst_off < TZ_OFF_MIN || r->dst_off > TZ_OFF_MAX) return -1;
    if (*s++ != ',') return -1;
    s = parse_rule_date(s, &r->start.month, &r->start.week, &r->start.wday, &r->start.time);
    if (!s || *s++ != ',') return -1;
    s = parse_rule_date(s, &r->end.month, &r->end.week, &r->end.wday, &r->end.time);
    if (!s || *s != '\0') return -1;
    r->valid = 1;
    return 0;
}

/* Day (since epoch) of the w-th (5 = last) weekday d of month m of year y. */
static int32_t rule_day(int y, int m, int w, int d)
{
    int32_t first = qw_date_from_ymd(y, m, 1);
    int wfirst = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int32_t day = first + (d - wfirst + 7) % 7 + (w - 1) * 7;
    int32_t last = first + qw_date_days_in_month(y, m) - 1;
    while (day > last)
        day -= 7;
    return day;
}

static int32_t rule_offset(const qw_tz_rule_t *r, int64_t t)
{
    if (!r->has_dst) return r->std_off;
    int y, m, d;
    qw_date_to_ymd(qw_date_from_ms((t + r->std_off) * 1000), &y, &m, &d);
    int64_t start = (int64_t)rule_day(y, r->start.month, r->start.week, r->start.wday) * 86400 +
                    r->start.time - r->std_off;
    int64_t end = (int64_t)rule_day(y, r->end.month, r->end.week, r->end.wday) * 86400 +
                  r->end.time - r->dst_off;
    int dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

int qw_tz_parse(qw_tz_t *tz, const char *name, const uint8_t *buf, size_t len, char *errbuf,
                size_t errlen)
{
    memset(tz, 0, sizeof(*tz));
    if (qw_strlcpy_checked(tz->name, sizeof(tz->name), name, strlen(name)) != QW_OK)
        return qw_err_set(errbuf, errlen, "time zone name too long");
    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return qw_err_set(errbuf, errlen, "%s: not a TZif file", name);
    if (buf[4] < '2')
        return qw_err_set(errbuf, errlen, "%s: TZif version 1 is not supported", name);
    /* Skip the 32-bit block: its size follows from its header's counts. */
    uint32_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be32(buf + 20 + 4 * i);
    uint64_t v1 = (uint64_t)c[3] * 5 + (uint64_t)c[4] * 6 + c[5] + (uint64_t)c[2] * 8 + c[1] + c[0];
    if (44 + v1 + 44 > len) return qw_err_set(errbuf, errlen, "%s: truncated TZif data", name);
    const uint8_t *h = buf + 44 + v1;
    if (memcmp(h, "TZif", 4) != 0)
        return qw_err_set(errbuf, errlen, "%s: missing the 64-bit TZif block", name);
    for (int i = 0; i < 6; i++)
        c[i] = be32(h + 20 + 4 * i);
    uint32_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4], chars = c[5];
    if (typecnt == 0 || typecnt > QW_TZ_TYPES_MAX || timecnt > QW_TZ_TRANS_MAX)
        return qw_err_set(errbuf, errlen, "%s: %u transitions / %u types exceed the limits", name,
                          timecnt, typecnt);
    uint64_t v2 =
        (uint64_t)timecnt * 9 + (uint64_t)typecnt * 6 + chars + (uint64_t)leap * 12 + isstd + isut;
    const uint8_t *d = h + 44, *end = buf + len;
    if ((uint64_t)(end - d) < v2)
        return qw_err_set(errbuf, errlen, "%s: truncated TZif data", name);
    tz->ntrans = (int)timecnt;
    for (uint32_t i = 0; i < timecnt; i++) {
        tz->trans_at[i] = be64(d + 8 * i);
        if (i > 0 && tz->trans_at[i] <= tz->trans_at[i - 1])
            return qw_err_set(errbuf, errlen, "%s: transitions out of order", name);
        tz->trans_type[i] = d[8 * timecnt + i];
        if (tz->trans_type[i] >= typecnt)
            return qw_err_set(errbuf, errlen, "%s: bad transition type", name);
    }
    const uint8_t *ti = d + 9 * timecnt;
    tz->ntypes = (int)typecnt;
    for (uint32_t i = 0; i < typecnt; i++) {
        int32_t off = (int32_t)be32(ti + 6 * i);
        if (off < TZ_OFF_MIN || off > TZ_OFF_MAX)
            return qw_err_set(errbuf, errlen, "%s: implausible UTC offset %d", name, off);
        tz->type_off[i] = off;
    }
    tz->first_off = tz->type_off[0];
    /* The footer: "\n<POSIX TZ>\n" after the data block. */
    const uint8_t *f = d + v2;
    if (f < end && *f == '\n') {
        const uint8_t *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
        char rule[64];
        if (nl && (size_t)(nl - f - 1) < sizeof(rule)) {
            memcpy(rule, f + 1, (size_t)(nl - f - 1));
            rule[nl - f - 1] = '\0';
            if (rule[0] && parse_footer(&tz->rule, rule) != 0) tz->rule.valid = 0;
        }
    }
    return 0;
}

int32_t qw_tz_offset(const qw_tz_t *tz, int64_t epoch_ms)
{
    int64_t t = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
    if (tz->ntrans == 0) return tz->rule.valid ? rule_offset(&tz->rule, t) : tz->first_off;
    if (t < tz->trans_at[0]) return tz->first_off;
    if (t >= tz->trans_at[tz->ntrans - 1] && tz->rule.valid) return rule_offset(&tz->rule, t);
    int lo = 0, hi = tz->ntrans - 1; /* the last transition at or before t */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (tz->trans_at[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return tz->type_off[tz->trans_type[lo]];
}

int32_t qw_tz_local_date(const qw_tz_t *tz, int64_t epoch_ms)
{
    return qw_date_from_ms(epoch_ms + (int64_t)qw_tz_offset(tz, epoch_ms) * 1000);
}

static int64_t local_secs(const qw_tz_t *tz, int64_t t)
{
    return t + qw_tz_offset(tz, t * 1000);
}

int64_t qw_tz_day_start_ms(const qw_tz_t *tz, int32_t local_date)
{
    return qw_tz_local_time_ms(tz, local_date, 0);
}

int64_t qw_tz_local_time_ms(const qw_tz_t *tz, int32_t local_date, int32_t secs)
{
    int64_t l = (int64_t)local_date * 86400 + secs;
    /* Try each offset in force near that day; the earliest consistent instant is the first
     * time the wall clock shows l. */
    int32_t cand[3] = {qw_tz_offset(tz, (l - 86400) * 1000), qw_tz_offset(tz, l * 1000),
                       qw_tz_offset(tz, (l + 86400) * 1000)};
    int64_t best = INT64_MAX;
    int32_t omin = cand[0], omax = cand[0];
    for (int i = 0; i < 3; i++) {
        int64_t t = l - cand[i];
        if (qw_tz_offset(tz, t * 1000) == cand[i] && t < best) best = t;
        if (cand[i] < omin) omin = cand[i];
        if (cand[i] > omax) omax = cand[i];
    }
    if (best != INT64_MAX) return best * 1000;
    /* The wall time fell into a DST gap: the first instant after it (the transition). */
    int64_t lo = l - omax, hi = l - omin;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (local_secs(tz, mid) >= l)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo * 1000;
}
