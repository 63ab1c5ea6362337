/* CSV (RFC 4180: quoted fields, "" escapes, CRLF or LF) and the roster and quota files that
 * operators keep in it (docs/formats/csv.md). The reader is pure over a memory buffer; the
 * *_load_file helpers read a file and call back once per row. Columns are found by header
 * name, so their order is free; an unknown column is an error (a typo must not go unnoticed). */
#ifndef QW_CSV_H
#define QW_CSV_H

#include <stddef.h>

#include "quotawatch/common.h"
#include "quotawatch/policy.h"
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
 * Returns 1 for a record, 0 at the end, QW_ERR on malformed input (r->errstr says what, r->line
 * is the line where the record started).
 * Blank lines are skipped. */
int qw_csv_next(qw_csv_t *r);

/* Roster columns: rep_id (required), name, email, slack_user_id, manager_id, team_id,
 * hire_date (YYYY-MM-DD), leave ("START..END[:protected];..."), cohort, recognition_opt_out
 * (true/false), active (true/false, default true). */
typedef int (*qw_csv_roster_fn)(void *opaque, const qw_rep_profile_t *p);
/* Quota columns: rep_id, period, amount (decimal in the currency's units, "50000.00"),
 * currency, version (all required), effective (RFC 3339, optional). */
typedef int (*qw_csv_quota_fn)(void *opaque, const qw_quota_t *q);

/* How a file is checked and how its errors are reported. Every message has the form
 * `<name>:<line>: column "<column>": <problem with the value>` (docs/formats/csv.md). */
typedef struct qw_csv_opts_s {
    const char *name;          /* file name in messages; NULL: "roster" / "quotas" */
    const qw_policy_t *policy; /* quotas: the period kind and rate table they must fit; NULL:
                                  those two checks are skipped */
    int max_errors;            /* row errors reported before giving up; <= 0: 1 */
    void (*on_error)(void *opaque, const char *msg); /* every error; NULL: errbuf only */
    void *error_opaque;
} qw_csv_opts_t;

/* Check the whole text first, then (only when every row is valid) call fn once per row, so a
 * bad file is refused as a whole and nothing of it is applied. fn may be NULL (validate only).
 * Returns QW_OK, or QW_ERR with the first error in errbuf; fn returning QW_ERR stops with
 * that error. o may be NULL (the defaults above). */
int qw_csv_roster_read(const char *buf, size_t len, const qw_csv_opts_t *o, qw_csv_roster_fn fn,
                       void *opaque, char *errbuf, size_t errlen);
int qw_csv_quota_read(const char *buf, size_t len, const qw_csv_opts_t *o, qw_csv_quota_fn fn,
                      void *opaque, char *errbuf, size_t errlen);

/* The same for a file (the file name is the path unless o->name is set). */
int qw_csv_roster_load(const char *path, const qw_csv_opts_t *o, qw_csv_roster_fn fn, void *opaque,
                       char *errbuf, size_t errlen);
int qw_csv_quota_load(const char *path, const qw_csv_opts_t *o, qw_csv_quota_fn fn, void *opaque,
                      char *errbuf, size_t errlen);

/* The checks a quota must pass against a policy wherever it comes from (CSV or qw.quotas.v1):
 * the period is of the policy's kind and the currency converts with its rate table. Returns
 * QW_OK, or QW_ERR with "column \"<name>\": <problem>" in errbuf and the failing check in
 * *reason ("period" or "currency"). */
int qw_csv_quota_check(const qw_quota_t *q, const qw_policy_t *policy, const char **reason,
                       char *errbuf, size_t errlen);

/* Parse a whole file's text with the default options (qw_csv_*_read with o = NULL). */
int qw_csv_roster_parse(const char *buf, size_t len, qw_csv_roster_fn fn, void *opaque,
                        char *errbuf, size_t errlen);
int qw_csv_quota_parse(const char *buf, size_t len, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                       size_t errlen);

/* Parse a leave column value into p->leave / p->nleave. */
int qw_csv_parse_leave(const char *s, size_t len, qw_rep_profile_t *p, char *errbuf, size_t errlen);

/* Read a file (I/O) and parse it with the default options. */
int qw_csv_roster_load_file(const char *path, qw_csv_roster_fn fn, void *opaque, char *errbuf,
                            size_t errlen);
int qw_csv_quota_load_file(const char *path, qw_csv_quota_fn fn, void *opaque, char *errbuf,
                           size_t errlen);

/* Largest roster or quota file the *_load_file helpers read (a 100,000-rep roster is ~20 MB). */
#define QW_CSV_FILE_MAX (256u * 1024 * 1024)

#endif
