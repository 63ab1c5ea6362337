/* Civil dates and instants as plain integers: no time zone, no clock, no libc state. */
#ifndef QW_DATE_H
#define QW_DATE_H

#include <stddef.h>
#include <stdint.h>

#define QW_DATE_NONE INT32_MIN /* "no date" */

/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
int32_t qw_date_from_ymd(int y, int m, int d);
void qw_date_to_ymd(int32_t days, int *y, int *m, int *d);

/* Parse "YYYY-MM-DD" (exactly len bytes, or a longer ISO 8601 timestamp whose first 10 bytes
 * are the date). Returns 0 and sets *days, or -1 when it is not a valid date. */
int qw_date_parse(const char *s, size_t len, int32_t *days);

/* Writes "YYYY-MM-DD" and a NUL into out (at least 11 bytes). */
void qw_date_format(int32_t days, char out[11]);

/* Days in a month; 1 <= m <= 12. */
int qw_date_days_in_month(int y, int m);

/* Parse an RFC 3339 / ISO 8601 timestamp ("2026-11-27T10:15:00.123Z", "+01:00" offsets, or
 * a date alone, taken as midnight UTC) into epoch milliseconds. Returns 0 or -1. */
int qw_time_parse_iso8601(const char *s, size_t len, int64_t *ms);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL into out (at least 25 bytes); a time outside the
 * years 0000..9999 is clamped to the nearest end (records carry any int64). */
void qw_time_format_iso8601(int64_t ms, char out[25]);

/* The UTC civil date of an instant. */
int32_t qw_date_from_ms(int64_t ms);

#endif
