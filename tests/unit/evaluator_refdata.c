/* Reference data in memory (roster, versioned quotas) and the injectable business clock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evclock.h"
#include "refdata.h"

Test(evaluator_refdata, newest_quota_version_wins_per_rep_and_period)
{
    qw_refdata_t d;
    qw_refdata_init(&d);
    qw_quota_t q = {.rep_id = "r1",
                    .period = "2026-11",
                    .amount_minor = 100,
                    .currency = "USD",
                    .version = "v1"};
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    q.amount_minor = 200;
    snprintf(q.version, sizeof(q.version), "v2");
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    snprintf(q.period, sizeof(q.period), "2026-12");
    q.amount_minor = 300;
    cr_assert_eq(qw_refdata_put_quota(&d, &q), QW_OK);
    const qw_quota_t *got = qw_refdata_quota(&d, "r1", "2026-11");
    cr_assert_not_null(got);
    cr_assert_eq(got->amount_minor, 200);
    cr_assert_str_eq(got->version, "v2");
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-12")->amount_minor, 300);
    cr_assert_null(qw_refdata_quota(&d, "r1", "2027-01"));
    cr_assert_null(qw_refdata_quota(&d, "r2", "2026-11"));
    /* "r1" + "2026-11" must not collide with another split of the same characters. */
    qw_quota_t odd = {.rep_id = "r12026", .period = "-11", .currency = "USD", .version = "x"};
    cr_assert_eq(qw_refdata_put_quota(&d, &odd), QW_OK);
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-11")->amount_minor, 200);
    qw_rep_profile_t p;
    memset(&p, 0, sizeof(p));
    snprintf(p.rep_id, sizeof(p.rep_id), "r1");
    snprintf(p.team_id, sizeof(p.team_id), "east");
    cr_assert_eq(qw_refdata_put_profile(&d, &p), QW_OK);
    snprintf(p.team_id, sizeof(p.team_id), "west");
    cr_assert_eq(qw_refdata_put_profile(&d, &p), QW_OK);
    cr_assert_str_eq(qw_refdata_profile(&d, "r1")->team_id, "west");
    cr_assert_null(qw_refdata_profile(&d, "r2"));
    qw_refdata_free(&d);
}

Test(evaluator_refdata, csv_files_load)
{
    char dir[] = "/tmp/qw-ev-ref-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/q.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("rep_id,period,amount,currency,version\nr1,2026-11,50000.00,USD,v1\n"
          "r1,2026-11,60000.00,USD,v2\n",
          f);
    fclose(f);
    qw_refdata_t d;
    qw_refdata_init(&d);
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_refdata_load_quotas_csv(&d, path, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(qw_refdata_quota(&d, "r1", "2026-11")->amount_minor, 6000000,
                 "a later row is a newer version");
    cr_assert_eq(qw_refdata_load_roster_csv(&d, "/nonexistent/roster.csv", err, sizeof(err)),
                 QW_ERR);
    cr_assert(strstr(err, "/nonexistent/roster.csv"), "%s", err);
    qw_refdata_free(&d);
    unlink(path);
    rmdir(dir);
}

Test(evaluator_refdata, clock_fake_offset_and_file)
{
    qw_evclock_t c;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_evclock_init(&c, "2026-12-04T00:00:00Z", 1000, NULL, err, sizeof(err)), QW_OK);
    qw_clock_t k = qw_evclock_clock(&c);
    cr_assert_eq(qw_clock_now(&k), 1796342400000LL + 1000);
    cr_assert_eq(qw_evclock_init(&c, "yesterday", 0, NULL, err, sizeof(err)), QW_ERR);

    char path[] = "/tmp/qw-ev-clock-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "1796342400123\n", 14), 14);
    close(fd);
    cr_assert_eq(qw_evclock_init(&c, NULL, 0, path, err, sizeof(err)), QW_OK);
    k = qw_evclock_clock(&c);
    cr_assert_eq(qw_clock_now(&k), 1796342400123LL);
    FILE *f = fopen(path, "w");
    fputs("2026-12-05T00:00:00Z\n", f);
    fclose(f);
    usleep(150000); /* re-read at most every 100 ms */
    cr_assert_eq(qw_clock_now(&k), 1796342400000LL + 86400000LL);
    unlink(path);

    cr_assert_eq(qw_evclock_init(&c, NULL, -5000, NULL, err, sizeof(err)), QW_OK);
    k = qw_evclock_clock(&c);
    int64_t sys = qw_clock_now(&qw_clock_system);
    int64_t t = qw_clock_now(&k);
    cr_assert(t <= sys - 5000 + 50 && t >= sys - 5000 - 50, "system clock shifted");
}
