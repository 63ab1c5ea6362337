/* Time zones from TZif (RFC 8536) data: a pure parser over bytes, and a thin loader that reads
 * /usr/share/zoneinfo/<name>. Fixed-size: no allocation. */
#ifndef QW_TZ_H
#define QW_TZ_H

#include <stddef.h>
#include <stdint.h>

#define QW_TZ_NAME_MAX  64
#define QW_TZ_TRANS_MAX 1200
#define QW_TZ_TYPES_MAX 32

/* A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), used past the last transition. */
typedef struct qw_tz_rule_s {
    int valid;
    int32_t std_off; /* seconds east of UTC */
    int32_t dst_off;
    int has_dst;
    struct {
        int month, week, wday; /* Mm.w.d; week 5 = last */
        int32_t time;          /* seconds after local midnight (may be negative or > 24h) */
    } start, end;
} qw_tz_rule_t;

typedef struct qw_tz_s {
    char name[QW_TZ_NAME_MAX];
    int ntrans;
    int64_t trans_at[QW_TZ_TRANS_MAX]; /* epoch seconds, ascending */
    uint8_t trans_type[QW_TZ_TRANS_MAX];
    int ntypes;
    int32_t type_off[QW_TZ_TYPES_MAX]; /* seconds east of UTC */
    int32_t first_off;                 /* offset before the first transition */
    qw_tz_rule_t rule;                 /* the footer; after the last transition */
} qw_tz_t;

/* Parse TZif bytes (version 2 or later; the 64-bit block is used). Returns 0 or -1 with a reason
 * in errbuf. */
int qw_tz_parse(qw_tz_t *tz, const char *name, const uint8_t *buf, size_t len, char *errbuf,
                size_t errlen);

/* UTC: offset 0 everywhere. */
void qw_tz_utc(qw_tz_t *tz);

/* I/O: read <dir>/<name> (dir NULL = $TZDIR or /usr/share/zoneinfo) and parse it. "UTC" and
 * "Etc/UTC" need no file. Names with ".." are refused. Returns 0 or -1. */
int qw_tz_load(qw_tz_t *tz, const char *name, const char *dir, char *errbuf, size_t errlen);

/* Offset from UTC in seconds at an instant. */
int32_t qw_tz_offset(const qw_tz_t *tz, int64_t epoch_ms);

/* The local civil date (days since epoch) of an instant. */
int32_t qw_tz_local_date(const qw_tz_t *tz, int64_t epoch_ms);

/* The first instant of a local civil date (local midnight, or the first local instant of that
 * day when midnight falls into a DST gap), in epoch ms. */
int64_t qw_tz_day_start_ms(const qw_tz_t *tz, int32_t local_date);

/* The first instant at which the local wall clock shows `secs` seconds after midnight of a
 * local civil date (0 <= secs < 86400): the earlier one when the time occurs twice (DST ends),
 * the transition when it falls into a DST gap (it never occurs). In epoch ms. */
int64_t qw_tz_local_time_ms(const qw_tz_t *tz, int32_t local_date, int32_t secs);

#endif
