/* CSV (RFC 4180: quoted fields, "" escapes, CRLF or LF) and the roster and quota files that
 * operators keep in it (docs/formats/csv.md). The reader is pure over a memory buffer; the
 * *_load_file helpers read a file and call back once per row. Columns are found by header
 * name, so their order is free; an unknown column is an error (a typo must not go unnoticed). */
#ifndef QW_CSV_H
#define QW_CSV_H

#include <stddef.h>

#include "quotawatch/common.h"
#include "quotawatch/roster.h"

#define QW_CSV_FIELDS_MAX 32

typedef struct qw_csv_s {
    const char *buf;
    size_t len, pos;
    int line;      /* 1-based line where the last record started */
    int at_line;   /* line of the read position, minus one */
    char *scratch; /* unquoted field text, NUL-separated */
    size_t scap;
    int nfields;
    const char *field[QW_CSV_FIELDS_MAX];
    size_t flen[QW_CSV_FIELDS_MAX];
    char errstr[QW_ERRSTR_MAX];
} qw_csv_t;

void qw_csv_init(qw_csv_t *r, const char *buf, size_t len);
void qw_csv_free(qw_csv_t *r);

/* Read the next record into r->field / r->flen / r->nfields (each field NUL-terminated).
 * Returns 1 for a record, 0 at the end, QW_ERR on malformed input (r->errstr names the line).
 * Blank lines are skipped. */
int qw_csv_next(qw_csv_t *r);

/* Roster columns: rep_id (required), name, email, slack_user_id, manager_id, team_id,
 * hire_date (YYYY-MM-DD), leave ("START..END[:protected];..."), cohort, recognition_opt_out
 * (true/false), active (true/false, default true). */
typedef int (*qw_csv_roster_fn)(void *opaque, const qw_rep_profile_t *p);
/* Quota columns: rep_id, period, amount (decimal in the currency's units, "50000.00"),
 * currency, version (all required), effective (RFC 3339, optional). */
typedef int (*qw_csv_quota_fn)(void *opaque, const qw_quota_t *q);

/* Parse a whole file's text; the callback returning QW_ERR stops with that error. */
int qw_csv_roster_parse(const char *buf, size_t len, qw_csv_roster_fn fn, void *opaque,
                        char *errbuf, size_t errlen);
int qw_csv_quota_parse(const char *buf, size_t len, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                       size_t errlen);

/* Parse a leave column value into p->leave / p->nleave. */
int qw_csv_parse_leave(const char *s, size_t len, qw_rep_profile_t *p, char *errbuf, size_t errlen);

/* Read a file (I/O) and parse it. */
int qw_csv_roster_load_file(const char *path, qw_csv_roster_fn fn, void *opaque, char *errbuf,
                            size_t errlen);
int qw_csv_quota_load_file(const char *path, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                           size_t errlen);

/* Largest roster or quota file the *_load_file helpers read (a 100,000-rep roster is ~20 MB). */
#define QW_CSV_FILE_MAX (256u * 1024 * 1024)

#endif
