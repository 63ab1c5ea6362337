/* CSV reader and the roster / quota rows built from it: every refused input of
 * docs/formats/csv.md with its message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/csv.h"
#include "quotawatch/date.h"
#include "quotawatch/policy.h"

Test(base_csv, quoted_fields_and_crlf)
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

Test(base_csv, malformed_is_an_error_with_line)
{
    const char *bad[] = {"a,\"open\n", "a,b\"c\n", "\"x\"y,z\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        qw_csv_t r;
        qw_csv_init(&r, bad[i], strlen(bad[i]));
        cr_assert_eq(qw_csv_next(&r), QW_ERR, "input %zu accepted", i);
        cr_assert_eq(r.line, 1, "input %zu: line %d", i, r.line);
        qw_csv_free(&r);
    }
}

typedef struct {
    qw_rep_profile_t p[8];
    int n;
    qw_quota_t q[8];
    int nq;
} sink_t;

static int on_rep(void *o, const qw_rep_profile_t *p)
{
    sink_t *s = o;
    if (s->n < 8) s->p[s->n] = *p;
    s->n++;
    return QW_OK;
}

static int on_quota(void *o, const qw_quota_t *q)
{
    sink_t *s = o;
    if (s->nq < 8) s->q[s->nq] = *q;
    s->nq++;
    return QW_OK;
}

/* Every message of a file, in order. */
typedef struct {
    char msg[32][QW_ERRSTR_MAX];
    int n;
} errs_t;

static void on_error(void *o, const char *msg)
{
    errs_t *e = o;
    if (e->n < 32) snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
    e->n++;
}

/* Parse as "roster.csv" and expect exactly one error with this message; nothing is applied. */
static void roster_refused(const char *text, const char *want)
{
    sink_t s = {0};
    errs_t e = {0};
    char err[QW_ERRSTR_MAX] = "";
    qw_csv_opts_t o = {
        .name = "roster.csv", .max_errors = 20, .on_error = on_error, .error_opaque = &e};
    cr_assert_eq(qw_csv_roster_read(text, strlen(text), &o, on_rep, &s, err, sizeof(err)), QW_ERR,
                 "accepted: %s", text);
    cr_assert_str_eq(err, want);
    cr_assert_eq(e.n, 1, "%d errors, first %s", e.n, e.msg[0]);
    cr_assert_eq(s.n, 0, "a refused file must apply nothing");
}

static void policy_of(qw_policy_t *p, qw_period_kind_t kind)
{
    qw_policy_defaults(p);
    p->period = kind;
    snprintf(p->rates.base, sizeof(p->rates.base), "EUR");
    cr_assert_eq(qw_rates_set(&p->rates, "USD", 920000000), 0);
}

static void quota_refused(const char *text, qw_period_kind_t kind, const char *want)
{
    sink_t s = {0};
    errs_t e = {0};
    char err[QW_ERRSTR_MAX] = "";
    qw_policy_t pol;
    policy_of(&pol, kind);
    qw_csv_opts_t o = {.name = "quotas.csv",
                       .policy = &pol,
                       .max_errors = 20,
                       .on_error = on_error,
                       .error_opaque = &e};
    cr_assert_eq(qw_csv_quota_read(text, strlen(text), &o, on_quota, &s, err, sizeof(err)), QW_ERR,
                 "accepted: %s", text);
    cr_assert_str_eq(err, want);
    cr_assert_eq(e.n, 1, "%d errors, first %s", e.n, e.msg[0]);
    cr_assert_eq(s.nq, 0, "a refused file must apply nothing");
}

#define QH "rep_id,period,amount,currency,version\n"

Test(base_csv, roster_rows)
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

Test(base_csv, roster_errors)
{
    const char *bad[] = {
        "rep_id,nmae\nr1,x\n",                              /* typo in a column name */
        "name\nx\n",                                        /* no rep_id */
        "rep_id,hire_date\nr1,2026-02-30\n",                /* impossible date */
        "rep_id,leave\nr1,2026-03-05..2026-03-01\n",        /* reversed range */
        "rep_id,recognition_opt_out\nr1,maybe\n",           /* not a boolean */
        "rep_id\n,\n",                                      /* empty id */
        "rep_id,manager_id\nr1,\"m\r\nX-Injected: yes\"\n", /* CR/LF in an id */
        "rep_id,team_id\nr1,t\x7f\n",                       /* DEL */
        "rep_id\nr\xc3\n",                                  /* invalid UTF-8 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sink_t s = {0};
        char err[QW_ERRSTR_MAX] = "";
        cr_assert_eq(qw_csv_roster_parse(bad[i], strlen(bad[i]), on_rep, &s, err, sizeof(err)),
                     QW_ERR, "input %zu accepted", i);
        cr_assert(err[0], "input %zu: no message", i);
    }
}

Test(base_csv, roster_id_with_a_newline_names_its_column)
{
    const char *text = "rep_id,team_id\nr1,\"t\nx\"\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(qw_csv_roster_parse(text, strlen(text), on_rep, &s, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "team_id") && strstr(err, "control character"), "%s", err);
    cr_assert_eq(s.n, 0);
}

Test(base_csv, quota_rows_in_minor_units)
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

Test(base_csv, roster_row_with_an_extra_field_is_refused)
{
    /* An unquoted comma in a name: every later column shifts (the rep "moves" team). */
    roster_refused("rep_id,name,team_id\nr1,Ann,east\nr2,Doe, Jane,east\n",
                   "roster.csv:3: 4 fields where the header has 3 (a comma in a value must be "
                   "quoted: \"Doe, Jane\")");
}

Test(base_csv, roster_row_with_a_missing_field_is_refused)
{
    roster_refused("rep_id,name,team_id\nr1,Ann\n",
                   "roster.csv:2: 2 fields where the header has 3 (a comma in a value must be "
                   "quoted: \"Doe, Jane\")");
}

Test(base_csv, roster_roles_and_digest_opt_out)
{
    const char *text = "rep_id,email,role,digest_opt_out\n"
                       "r1,r1@x.io,,\n"
                       "m1,m1@x.io,manager,true\n"
                       "ops,ops@x.io,sales_ops,\n"
                       "hr1,hr@x.io,hr,no\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX] = "";
    cr_assert_eq(qw_csv_roster_parse(text, strlen(text), on_rep, &s, err, sizeof(err)), QW_OK, "%s",
                 err);
    cr_assert_eq(s.n, 4);
    cr_assert_eq(s.p[0].role, QW_ROLE_REP, "role defaults to rep");
    cr_assert_eq(s.p[1].role, QW_ROLE_MANAGER);
    cr_assert_eq(s.p[2].role, QW_ROLE_SALES_OPS);
    cr_assert_eq(s.p[3].role, QW_ROLE_HR);
    cr_assert_eq(s.p[1].digest_opt_out, 1);
    cr_assert_eq(s.p[3].digest_opt_out, 0);
    /* Sales ops and HR are listed for their identity, never evaluated. */
    cr_assert(qw_roster_evaluated(&s.p[0]) && qw_roster_evaluated(&s.p[1]));
    cr_assert(!qw_roster_evaluated(&s.p[2]) && !qw_roster_evaluated(&s.p[3]));
    s.p[0].active = 0;
    cr_assert(!qw_roster_evaluated(&s.p[0]));
    cr_assert_str_eq(qw_roster_role_name(QW_ROLE_SALES_OPS), "sales_ops");
}

Test(base_csv, roster_role_and_email_refusals)
{
    roster_refused("rep_id,role\nr1,admin\n",
                   "roster.csv:2: column \"role\": \"admin\" is not rep, manager, sales_ops or hr");
    roster_refused(
        "rep_id,role\nr1,Manager\n",
        "roster.csv:2: column \"role\": \"Manager\" is not rep, manager, sales_ops or hr");
    roster_refused("rep_id,digest_opt_out\nr1,sometimes\n",
                   "roster.csv:2: column \"digest_opt_out\": \"sometimes\" is not true or false");
    roster_refused("rep_id,email\nr1,Ada <ada@x.io>\n",
                   "roster.csv:2: column \"email\": byte 0x20 at 4 is not allowed in an address");
    roster_refused("rep_id,email\nr1,\"a@x.io\r\nBcc: all@x.io\"\n",
                   "roster.csv:2: column \"email\": byte 0x0d at 7 is not allowed in an address");
    roster_refused("rep_id,email\nr1,ada.x.io\n",
                   "roster.csv:2: column \"email\": not local@domain");
    roster_refused("rep_id,email\nr1,a@@x.io\n",
                   "roster.csv:2: column \"email\": more than one '@'");
    roster_refused("rep_id,email\nr1,ada@x.io\nr2,ADA@X.IO\n",
                   "roster.csv:3: column \"email\": duplicate \"ADA@X.IO\" (first on line 2; an "
                   "address identifies one person)");
}

Test(base_csv, roster_duplicate_rep_id_is_refused)
{
    roster_refused("rep_id,team_id\nr1,east\nr2,east\nr1,west\n",
                   "roster.csv:4: column \"rep_id\": duplicate \"r1\" (first on line 2)");
}

Test(base_csv, roster_messages_name_file_line_column_and_value)
{
    roster_refused("rep_id,hire_date\nr1,2026-02-30\n",
                   "roster.csv:2: column \"hire_date\": bad date \"2026-02-30\" (expected "
                   "YYYY-MM-DD)");
    roster_refused("rep_id,leave\nr1,2026-03-05..2026-03-01\n",
                   "roster.csv:2: column \"leave\": bad leave range \"2026-03-05..2026-03-01\" "
                   "(expected START..END[:protected])");
    roster_refused("rep_id,active\nr1,maybe\n",
                   "roster.csv:2: column \"active\": \"maybe\" is not true or false");
    roster_refused(
        "rep_id,recognition_opt_out\nr1,perhaps\n",
        "roster.csv:2: column \"recognition_opt_out\": \"perhaps\" is not true or false");
    roster_refused("rep_id,name\n,x\n", "roster.csv:2: column \"rep_id\": empty (required)");
    roster_refused("rep_id,nmae\nr1,x\n", "roster.csv:1: unknown column \"nmae\"");
    roster_refused("name\nx\n", "roster.csv:1: column \"rep_id\" is missing (required)");
    roster_refused("rep_id,rep_id\nr1,r1\n", "roster.csv:1: column \"rep_id\" appears twice");
    roster_refused("", "roster.csv: empty file (no header line)");
    roster_refused("rep_id,name\nr1,\"Doe\n", "roster.csv:2: unterminated quoted field");
    char longid[200];
    memset(longid, 'a', 150);
    snprintf(longid + 150, sizeof(longid) - 150, "\n");
    char text[300];
    snprintf(text, sizeof(text), "rep_id\n%s", longid);
    roster_refused(text, "roster.csv:2: column \"rep_id\": "
                         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is too long (150 bytes, "
                         "max 127)");
}

Test(base_csv, file_with_a_bad_row_applies_nothing)
{
    /* The bad row comes last: the rows before it must not have reached the callback. */
    const char *text = "rep_id,team_id\nr1,east\nr2,east\nr3,east,extra\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_csv_roster_parse(text, strlen(text), on_rep, &s, err, sizeof(err)), QW_ERR);
    cr_assert_eq(s.n, 0);
    cr_assert_str_eq(err, "roster:4: 3 fields where the header has 2 (a comma in a value must be "
                          "quoted: \"Doe, Jane\")");
}

Test(base_csv, every_error_is_listed_up_to_the_limit)
{
    char text[4096] = "rep_id,active\n";
    for (int i = 0; i < 30; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "r%d,maybe\n", i);
    errs_t e = {0};
    char err[QW_ERRSTR_MAX];
    qw_csv_opts_t o = {.name = "r.csv", .max_errors = 20, .on_error = on_error, .error_opaque = &e};
    cr_assert_eq(qw_csv_roster_read(text, strlen(text), &o, NULL, NULL, err, sizeof(err)), QW_ERR);
    cr_assert_eq(e.n, 21, "20 errors and a count of the rest, got %d", e.n);
    cr_assert_str_eq(e.msg[0], "r.csv:2: column \"active\": \"maybe\" is not true or false");
    cr_assert_str_eq(e.msg[19], "r.csv:21: column \"active\": \"maybe\" is not true or false");
    cr_assert_str_eq(e.msg[20], "r.csv: 10 more errors not shown");
    cr_assert_str_eq(err, e.msg[0]);
}

Test(base_csv, quota_versions_of_one_period_are_kept_in_order)
{
    const char *text = QH "r1,2026-11,100,USD,v1\nr1,2026-11,200,USD,v2\n";
    sink_t s = {0};
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_csv_quota_parse(text, strlen(text), on_quota, &s, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(s.nq, 2);
    cr_assert_str_eq(s.q[1].version, "v2");
}

Test(base_csv, quota_duplicate_rep_period_version_is_refused)
{
    quota_refused(QH "r1,2026-11,100,USD,v1\nr1,2026-11,200,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:3: column \"version\": duplicate \"v1\" for rep \"r1\" period "
                  "2026-11 (first on line 2; a new version needs a new version name)");
}

Test(base_csv, quota_row_field_count_is_checked)
{
    quota_refused(QH "r1,2026-11,100,USD\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: 4 fields where the header has 5 (a comma in a value must be "
                  "quoted: \"Doe, Jane\")");
}

Test(base_csv, quota_month_under_a_quarter_policy_is_refused)
{
    quota_refused(QH "r1,2026-11,100,USD,v1\n", QW_PERIOD_QUARTER,
                  "quotas.csv:2: column \"period\": \"2026-11\" is a month but the policy's period "
                  "is quarter");
    quota_refused(QH "r1,2026-Q4,100,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"period\": \"2026-Q4\" is a quarter but the policy's "
                  "period is month");
    quota_refused(QH "r1,2026-13,100,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"period\": bad period \"2026-13\" (expected YYYY-MM or "
                  "YYYY-Qn)");
}

Test(base_csv, quota_currency_without_a_rate_is_refused)
{
    quota_refused(QH "r1,2026-11,100,GBP,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"currency\": \"GBP\" has no rate in the policy's rate "
                  "table (base EUR)");
    quota_refused(QH "r1,2026-11,10,XYZ,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"currency\": unknown currency \"XYZ\" (expected an ISO "
                  "4217 code)");
}

Test(base_csv, quota_thousands_separators_say_so)
{
    quota_refused(QH "r1,2026-11,\"100,000.00\",USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"amount\": \"100,000.00\": thousands separators are not "
                  "allowed");
    /* Unquoted, the separator splits the amount: still the same message, not a field count. */
    quota_refused(QH "r1,2026-11,1,100,000.00,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"amount\": \"1,100,000.00\": thousands separators are not "
                  "allowed");
}

Test(base_csv, quota_amount_messages)
{
    quota_refused(QH "r1,2026-11,50000.001,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"amount\": bad amount \"50000.001\" (a plain decimal such "
                  "as 50000.00, at most 2 decimals for USD)");
    quota_refused(QH "r1,2026-11,-5,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"amount\": negative amount \"-5\"");
    quota_refused(QH "r1,2026-11,,USD,v1\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"amount\": empty (required)");
    quota_refused(QH "r1,2026-11,10,USD,\n", QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"version\": empty (required)");
    quota_refused("rep_id,period,amount,currency,version,effective\nr1,2026-11,10,USD,v1,soon\n",
                  QW_PERIOD_MONTH,
                  "quotas.csv:2: column \"effective\": bad time \"soon\" (expected RFC 3339)");
    quota_refused("rep_id,period,amount,currency\nr1,2026-11,10,USD\n", QW_PERIOD_MONTH,
                  "quotas.csv:1: column \"version\" is missing (required)");
}

Test(base_csv, quota_check_alone_gives_its_reason)
{
    qw_policy_t pol;
    policy_of(&pol, QW_PERIOD_QUARTER);
    qw_quota_t q = {.rep_id = "r1", .period = "2026-Q4", .currency = "USD", .version = "v"};
    const char *reason = "x";
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_csv_quota_check(&q, &pol, &reason, err, sizeof(err)), QW_OK, "%s", err);
    snprintf(q.period, sizeof(q.period), "2026-11");
    cr_assert_eq(qw_csv_quota_check(&q, &pol, &reason, err, sizeof(err)), QW_ERR);
    cr_assert_str_eq(reason, "period");
    snprintf(q.period, sizeof(q.period), "2026-Q1");
    memcpy(q.currency, "JPY", 4);
    cr_assert_eq(qw_csv_quota_check(&q, &pol, &reason, err, sizeof(err)), QW_ERR);
    cr_assert_str_eq(reason, "currency");
}

Test(base_csv, demo_files_are_valid)
{
    qw_policy_t pol;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_policy_load_file(&pol, QW_FIXTURES "/../../deploy/policy.example.yaml", NULL,
                                     err, sizeof(err)),
                 QW_OK, "%s", err);
    qw_csv_opts_t o = {.policy = &pol};
    sink_t s = {0};
    cr_assert_eq(qw_csv_roster_load(QW_FIXTURES "/../../deploy/demo/roster.csv", &o, on_rep, &s,
                                    err, sizeof(err)),
                 QW_OK, "%s", err);
    cr_assert_eq(qw_csv_quota_load(QW_FIXTURES "/../../deploy/demo/quotas.csv", &o, on_quota, &s,
                                   err, sizeof(err)),
                 QW_OK, "%s", err);
    cr_assert_eq(s.n, 10, "six reps, two managers, sales ops and HR (qw-web's demo logins)");
    cr_assert_eq(s.nq, 6);
    cr_assert_eq(
        qw_csv_roster_load(QW_FIXTURES "/e2e/roster.csv", &o, NULL, NULL, err, sizeof(err)), QW_OK,
        "%s", err);
    cr_assert_eq(qw_csv_quota_load(QW_FIXTURES "/e2e/quotas.csv", &o, NULL, NULL, err, sizeof(err)),
                 QW_OK, "%s", err);
}

/* Found by fuzz_csv: NUL bytes before an id made it an empty C string that had passed the
 * "required" check (its field was not empty). */
Test(base_csv, nul_byte_in_a_field_is_refused)
{
    static const char text[] = QH "\0\0r1,2026-11,10,USD,v1\n";
    char err[QW_ERRSTR_MAX];
    sink_t s = {0};
    cr_assert_eq(qw_csv_quota_parse(text, sizeof(text) - 1, on_quota, &s, err, sizeof(err)),
                 QW_ERR);
    cr_assert_str_eq(err, "quotas:2: NUL byte in a field (not UTF-8 text: a UTF-16 export?)");
    cr_assert_eq(s.nq, 0);
    static const char quoted[] = "rep_id\n\"r\0\"\n";
    cr_assert_eq(qw_csv_roster_parse(quoted, sizeof(quoted) - 1, on_rep, &s, err, sizeof(err)),
                 QW_ERR);
    cr_assert_eq(s.n, 0);
}
