/* TZif parsing and local dates: DST in Berlin and New York, a half-hour zone, the footer rule
 * past the last transition, and garbage input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/common.h"
#include "quotawatch/tz.h"

static qw_tz_t tz;
static char err[QW_ERRSTR_MAX];

static int64_t at(const char *iso)
{
    int64_t ms;
    cr_assert_eq(qw_time_parse_iso8601(iso, strlen(iso), &ms), 0, "%s", iso);
    return ms;
}

static int32_t day(const char *ymd)
{
    int32_t d;
    cr_assert_eq(qw_date_parse(ymd, strlen(ymd), &d), 0);
    return d;
}

static void load(const char *name)
{
    cr_assert_eq(qw_tz_load(&tz, name, NULL, err, sizeof(err)), 0, "%s", err);
}

Test(base_tz, berlin_dst_2026)
{
    load("Europe/Berlin");
    cr_assert_eq(qw_tz_offset(&tz, at("2026-03-29T00:59:59Z")), 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-03-29T01:00:00Z")), 7200);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-10-25T00:59:59Z")), 7200);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-10-25T01:00:00Z")), 3600);
    /* 23:30 UTC on the 31st of October is already the 1st of November in Berlin. */
    cr_assert_eq(qw_tz_local_date(&tz, at("2026-10-31T23:30:00Z")), day("2026-11-01"));
    cr_assert_eq(qw_tz_local_date(&tz, at("2026-10-31T22:59:59Z")), day("2026-10-31"));
}

Test(base_tz, new_york_local_date_lags_utc)
{
    load("America/New_York");
    cr_assert_eq(qw_tz_offset(&tz, at("2026-03-08T06:59:59Z")), -5 * 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-03-08T07:00:00Z")), -4 * 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-11-01T06:00:00Z")), -5 * 3600);
    /* 23:30 local on 30 November is 04:30 UTC on 1 December. */
    cr_assert_eq(qw_tz_local_date(&tz, at("2026-12-01T04:30:00Z")), day("2026-11-30"));
}

Test(base_tz, kolkata_half_hour_offset)
{
    load("Asia/Kolkata");
    cr_assert_eq(qw_tz_offset(&tz, at("2026-06-01T00:00:00Z")), 5 * 3600 + 1800);
    cr_assert_eq(qw_tz_local_date(&tz, at("2026-06-30T18:29:59Z")), day("2026-06-30"));
    cr_assert_eq(qw_tz_local_date(&tz, at("2026-06-30T18:30:00Z")), day("2026-07-01"));
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-07-01")), at("2026-06-30T18:30:00Z"));
}

Test(base_tz, utc_needs_no_file)
{
    cr_assert_eq(qw_tz_load(&tz, "UTC", "/nonexistent", err, sizeof(err)), 0);
    cr_assert_eq(qw_tz_offset(&tz, at("2026-06-01T00:00:00Z")), 0);
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-06-01")), at("2026-06-01T00:00:00Z"));
}

Test(base_tz, day_start_follows_dst)
{
    load("Europe/Berlin");
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-01-15")), at("2026-01-14T23:00:00Z"));
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-07-15")), at("2026-07-14T22:00:00Z"));
    /* The DST day itself starts at midnight CET. */
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-03-29")), at("2026-03-28T23:00:00Z"));
    cr_assert_eq(qw_tz_day_start_ms(&tz, day("2026-03-30")), at("2026-03-29T22:00:00Z"));
}

Test(base_tz, footer_rule_beyond_the_last_transition)
{
    load("Europe/Berlin");
    cr_assert(tz.rule.valid && tz.rule.has_dst, "the POSIX footer was parsed");
    int64_t last = tz.trans_at[tz.ntrans - 1] * 1000;
    cr_assert_lt(last, at("2060-01-01T00:00:00Z"));
    cr_assert_eq(qw_tz_offset(&tz, at("2060-01-15T12:00:00Z")), 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2060-07-15T12:00:00Z")), 7200);
    /* 2060: last Sunday of March is the 28th; the switch is at 01:00 UTC. */
    cr_assert_eq(qw_tz_offset(&tz, at("2060-03-28T00:59:59Z")), 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2060-03-28T01:00:00Z")), 7200);
    load("America/New_York");
    /* 2060: second Sunday of March is the 14th, 07:00 UTC. */
    cr_assert_eq(qw_tz_offset(&tz, at("2060-03-14T06:59:59Z")), -5 * 3600);
    cr_assert_eq(qw_tz_offset(&tz, at("2060-03-14T07:00:00Z")), -4 * 3600);
}

static size_t read_zone(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

Test(base_tz, garbage_and_truncation_are_errors)
{
    uint8_t buf[8192];
    size_t n = read_zone("Europe/Berlin", buf, sizeof(buf));
    cr_assert_eq(qw_tz_parse(&tz, "x", buf, n, err, sizeof(err)), 0, "%s", err);
    for (size_t cut = 0; cut < n - 60; cut += 37)
        cr_assert_eq(qw_tz_parse(&tz, "x", buf, cut, err, sizeof(err)), -1, "cut at %zu", cut);
    uint8_t junk[64] = "not a zone file at all";
    cr_assert_eq(qw_tz_parse(&tz, "x", junk, sizeof(junk), err, sizeof(err)), -1);
    cr_assert(strstr(err, "TZif") != NULL);
    cr_assert_eq(qw_tz_load(&tz, "Nowhere/Land", NULL, err, sizeof(err)), -1);
    cr_assert_eq(qw_tz_load(&tz, "../../etc/passwd", NULL, err, sizeof(err)), -1);
}

/* UTC's zone file with its footer ("UTC0") replaced; returns 0 and the parsed zone. */
static int parse_with_footer(const char *footer)
{
    static uint8_t buf[512];
    size_t n = read_zone("UTC", buf, sizeof(buf));
    cr_assert(n > 6 && memcmp(buf + n - 6, "\nUTC0\n", 6) == 0, "UTC ends with its footer");
    size_t fl = strlen(footer);
    cr_assert_lt(n - 5 + fl + 1, sizeof(buf));
    memcpy(buf + n - 5, footer, fl);
    buf[n - 5 + fl] = '\n';
    return qw_tz_parse(&tz, "x", buf, n - 5 + fl + 1, err, sizeof(err));
}

Test(base_tz, footer_numbers_do_not_overflow)
{
    cr_assert_eq(parse_with_footer("CET-1CEST,M3.5.0,M10.5.0/3"), 0, "%s", err);
    cr_assert(tz.rule.valid && tz.rule.has_dst);
    /* 2^32 + 3 wraps to a plausible month 3 in an int accumulator: must be refused, not used. */
    const char *bad[] = {
        "CET-1CEST,M4294967299.5.0,M10.5.0/3", "CET-1CEST,M99999999999.5.0,M10.5.0/3",
        "CET-1CEST,M3.4294967301.0,M10.5.0/3", "CET-1CEST,M3.5.4294967296,M10.5.0/3",
        "CET-1CEST,M3.5.0,M10.5.0/99999999999:00", "CET-99999999999",
        "CET-1CEST-4294967297,M3.5.0,M10.5.0/3",
        /* Found by fuzz_tz: single digits just above the bound (week 6). */
        "CET-1CEST,M3.5.0,M10.6.0/3", "CET-1CEST,M13.5.0,M10.5.0/3", "CET-1CEST,M3.5.7,M10.5.0/3",
        "CET-1CEST,M3.5.0,M10.5.0/168"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse_with_footer(bad[i]), 0, "the TZif data itself is fine: %s", err);
        cr_assert_not(tz.rule.valid, "footer refused: %s", bad[i]);
        cr_assert_eq(qw_tz_offset(&tz, at("2060-07-15T12:00:00Z")), 0, "%s", bad[i]);
    }
}

Test(base_tz, footer_offsets_stay_in_the_type_table_range)
{
    /* The type table refuses offsets outside -25 h .. +26 h; the footer may not exceed them. */
    const char *bad[] = {"<-100>100", "<+27>-27", "CET-1CEST-30,M3.5.0,M10.5.0/3",
                         "XXX-25:59:59YYY,M3.5.0,M10.5.0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse_with_footer(bad[i]), 0, "%s", err);
        cr_assert_not(tz.rule.valid, "footer refused: %s", bad[i]);
    }
    cr_assert_eq(parse_with_footer("<+14>-14"), 0, "%s", err);
    cr_assert(tz.rule.valid);
    cr_assert_eq(qw_tz_offset(&tz, at("2060-07-15T12:00:00Z")), 14 * 3600);
    cr_assert_eq(parse_with_footer("<-12>12"), 0, "%s", err);
    cr_assert_eq(qw_tz_offset(&tz, at("2060-07-15T12:00:00Z")), -12 * 3600);
}

Test(base_tz, local_time_of_day_follows_dst_gaps_and_repeats)
{
    load("Europe/Berlin");
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-03-30"), 8 * 3600), at("2026-03-30T06:00:00Z"));
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-03-23"), 8 * 3600), at("2026-03-23T07:00:00Z"));
    /* On the DST day 08:00 is CEST already; 02:30 does not exist: the transition (03:00). */
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-03-29"), 8 * 3600), at("2026-03-29T06:00:00Z"));
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-03-29"), 2 * 3600 + 1800),
                 at("2026-03-29T01:00:00Z"));
    /* 02:30 on 25 October happens twice: the first (CEST). */
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-10-25"), 2 * 3600 + 1800),
                 at("2026-10-25T00:30:00Z"));
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-10-25"), 0),
                 qw_tz_day_start_ms(&tz, day("2026-10-25")));
    load("America/New_York");
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-11-02"), 8 * 3600), at("2026-11-02T13:00:00Z"));
    cr_assert_eq(qw_tz_local_time_ms(&tz, day("2026-10-26"), 8 * 3600), at("2026-10-26T12:00:00Z"));
}
