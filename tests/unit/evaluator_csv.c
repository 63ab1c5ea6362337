/* CSV reader and the roster / quota rows built from it. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/csv.h"
#include "quotawatch/date.h"

Test(evaluator_csv, quoted_fields_and_crlf)
{
    const char *text = "a,\"b,c\",\"he said \"\"hi\"\"\"\r\n\r\n,x,\"multi\nline\"\n";
    qw_csv_t r;
    qw_csv_init(&r, text, strlen(text));
    cr_assert_eq(qw_csv_next(&r), 1);
    cr_assert_eq(r.nfields, 3);
    cr_assert_str_eq(r.field[0], "a");
    cr_assert_str_eq(r.field[1], "b,c");
    cr_assert_str_eq(r.field[2], "he said \"hi\"");
    cr_assert_eq(r.line, 1);
    cr_assert_eq(qw_csv_next(&r), 1);
    cr_assert_eq(r.nfields, 3);
    cr_assert_str_eq(r.field[0], "");
    cr_assert_eq(r.flen[0], 0);
    cr_assert_str_eq(r.field[2], "multi\nline");
    cr_assert_eq(r.line, 3, "blank line skipped, record starts on line 3 (got %d)", r.line);
    cr_assert_eq(qw_csv_next(&r), 0);
    qw_csv_free(&r);
}

Test(evaluator_csv, malformed_is_an_error_with_line)
{
    const char *bad[] = {"a,\"open\n", "a,b\"c\n", "\"x\"y,z\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        qw_csv_t r;
        qw_csv_init(&r, bad[i], strlen(bad[i]));
        cr_assert_eq(qw_csv_next(&r), QW_ERR, "input %zu accepted", i);
        cr_assert(strstr(r.errstr, "line 1"), "%s", r.errstr);
        qw_csv_free(&r);
    }
}

typedef struct {
    qw_rep_profile_t p[4];
    int n;
    qw_quota_t q[4];
    int nq;
} sink_t;

static int on_rep(void *o, const qw_rep_profile_t *p)
{
    sink_t *s = o;
    s->p[s->n++] = *p;
    return QW_OK;
}

static int on_quota(void *o, const qw_quota_t *q)
{
    sink_t *s = o;
    s->q[s->nq++] = *q;
    return QW_OK;
}

Test(evaluator_csv, roster_rows)
{
    const char *text =
        "\xEF\xBB\xBFrep_id,name,email,slack_user_id,manager_id,team_id,hire_date,leave,cohort,"
        "recognition_opt_out\n"
        "r1,\"Doe, Jane\",jane@x.io,U1,m1,t1,2026-01-15,"
        "2026-03-01..2026-04-15;2026-06-02:protected,c1,true\n"
        "r2,Bob,,,m1,t1,,,,\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(qw_csv_roster_parse(text, strlen(text), on_rep, &s, err, sizeof(err)), QW_OK, "%s",
                 err);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.p[0].name, "Doe, Jane");
    cr_assert_str_eq(s.p[0].team_id, "t1");
    cr_assert_eq(s.p[0].hire_date, qw_date_from_ymd(2026, 1, 15));
    cr_assert_eq(s.p[0].nleave, 2);
    cr_assert_eq(s.p[0].leave[0].start, qw_date_from_ymd(2026, 3, 1));
    cr_assert_eq(s.p[0].leave[0].end, qw_date_from_ymd(2026, 4, 15));
    cr_assert_eq(s.p[0].leave[0].is_protected, 0);
    cr_assert_eq(s.p[0].leave[1].start, s.p[0].leave[1].end);
    cr_assert_eq(s.p[0].leave[1].is_protected, 1);
    cr_assert_eq(s.p[0].recognition_opt_out, 1);
    cr_assert_eq(s.p[0].active, 1, "active defaults to true");
    cr_assert_str_eq(s.p[0].cohort, "c1");
    cr_assert_eq(s.p[1].hire_date, QW_DATE_NONE);
    cr_assert_eq(s.p[1].nleave, 0);
    cr_assert_eq(s.p[1].recognition_opt_out, 0);
}

Test(evaluator_csv, roster_errors)
{
    const char *bad[] = {
        "rep_id,nmae\nr1,x\n",                       /* typo in a column name */
        "name\nx\n",                                 /* no rep_id */
        "rep_id,hire_date\nr1,2026-02-30\n",         /* impossible date */
        "rep_id,leave\nr1,2026-03-05..2026-03-01\n", /* reversed range */
        "rep_id,recognition_opt_out\nr1,maybe\n",    /* not a boolean */
        "rep_id\n,\n",                               /* empty id */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sink_t s = {0};
        char err[QW_ERRSTR_MAX] = "";
        cr_assert_eq(qw_csv_roster_parse(bad[i], strlen(bad[i]), on_rep, &s, err, sizeof(err)),
                     QW_ERR, "input %zu accepted", i);
        cr_assert(err[0], "input %zu: no message", i);
    }
}

Test(evaluator_csv, quota_rows_in_minor_units)
{
    const char *text = "rep_id,period,amount,currency,version\n"
                       "r1,2026-11,50000.00,USD,v1\n"
                       "r2,2026-Q4,1200000,JPY,v2\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(qw_csv_quota_parse(text, strlen(text), on_quota, &s, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nq, 2);
    cr_assert_eq(s.q[0].amount_minor, 5000000);
    cr_assert_str_eq(s.q[0].currency, "USD");
    cr_assert_str_eq(s.q[0].version, "v1");
    cr_assert_str_eq(s.q[1].period, "2026-Q4");
    cr_assert_eq(s.q[1].amount_minor, 1200000, "JPY has no minor unit");

    const char *bad[] = {
        "rep_id,period,amount,currency,version\nr1,2026-11,50000.001,USD,v1\n",
        "rep_id,period,amount,currency,version\nr1,2026-11,1e5,USD,v1\n",
        "rep_id,period,amount,currency,version\nr1,2026-11,10,XYZ,v1\n",
        "rep_id,period,amount,currency,version\nr1,2026-11,10,USD,\n",
        "rep_id,period,amount,currency\nr1,2026-11,10,USD\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sink_t t = {0};
        cr_assert_eq(qw_csv_quota_parse(bad[i], strlen(bad[i]), on_quota, &t, err, sizeof(err)),
                     QW_ERR, "input %zu accepted", i);
    }
}
