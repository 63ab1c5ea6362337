/* qwctl publish: the whole file is validated before anything is sent; a bad file is exit 2
 * (these tests reach no broker: a refused file never creates a producer). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qwctl.h"

static char path[64];

static const char *write_tmp(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/qw-publish-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int publish(const char *what, const char *file, const char *policy, int dry_run)
{
    static qwctl_t ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.brokers = "127.0.0.1:1"; /* nothing listens: a test that sends would fail */
    ctl.topic_prefix = "";
    ctl.policy = policy;
    ctl.dry_run = dry_run;
    char *argv[] = {(char *)what, (char *)file, NULL};
    return qwctl_publish(&ctl, 2, argv);
}

Test(qwctl_publish, a_bad_row_publishes_nothing)
{
    const char *f = write_tmp("rep_id,name,team_id\nr1,Ann,east\nr2,Doe, Jane,east\n");
    cr_assert_eq(publish("roster", f, NULL, 0), 2);
    unlink(f);
}

Test(qwctl_publish, quotas_checked_against_the_policy)
{
    /* The example policy is monthly: a quarter quota is refused with --policy only. */
    const char *f = write_tmp("rep_id,period,amount,currency,version\nr1,2026-Q4,10,EUR,v1\n");
    cr_assert_eq(publish("quotas", f, QW_FIXTURES "/../../deploy/policy.example.yaml", 1), 2);
    cr_assert_eq(publish("quotas", f, NULL, 1), 0, "without a policy those checks are skipped");
    unlink(f);
}

Test(qwctl_publish, demo_files_are_valid)
{
    const char *pol = QW_FIXTURES "/../../deploy/policy.example.yaml";
    cr_assert_eq(publish("roster", QW_FIXTURES "/../../deploy/demo/roster.csv", pol, 1), 0);
    cr_assert_eq(publish("quotas", QW_FIXTURES "/../../deploy/demo/quotas.csv", pol, 1), 0);
}
