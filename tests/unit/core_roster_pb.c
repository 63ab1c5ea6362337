#include <criterion/criterion.h>
#include <stdlib.h>

#include "quotawatch/date.h"
#include "quotawatch/roster_pb.h"
#include "quotawatch/v1/roster.pb-c.h"

Test(core_roster_pb, profile_round_trips_through_protobuf)
{
    qw_rep_profile_t p = {.rep_id = "rep-1",
                          .name = "Ada",
                          .email = "ada@example.com",
                          .manager_id = "mgr-1",
                          .team_id = "east",
                          .cohort = "c1",
                          .recognition_opt_out = 1,
                          .active = 1,
                          .nleave = 1};
    p.hire_date = qw_date_from_ymd(2024, 1, 15);
    p.leave[0].start = qw_date_from_ymd(2026, 3, 1);
    p.leave[0].end = qw_date_from_ymd(2026, 4, 15);
    p.leave[0].is_protected = 1;
    size_t len;
    uint8_t *buf = qw_roster_profile_pack(&p, &len);
    cr_assert_not_null(buf);
    Quotawatch__V1__RepProfile *m = quotawatch__v1__rep_profile__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->rep_id, "rep-1");
    cr_assert_str_eq(m->hire_date, "2024-01-15");
    cr_assert_eq(m->n_leave, 1);
    cr_assert_str_eq(m->leave[0]->start_date, "2026-03-01");
    cr_assert_str_eq(m->leave[0]->end_date, "2026-04-15");
    cr_assert(m->leave[0]->protected_);
    cr_assert(m->recognition_opt_out);
    cr_assert_str_eq(m->cohort, "c1");
    quotawatch__v1__rep_profile__free_unpacked(m, NULL);
    free(buf);
}

Test(core_roster_pb, quota_keeps_amount_currency_and_version)
{
    qw_quota_t q = {.rep_id = "rep-1",
                    .period = "2026-Q4",
                    .amount_minor = 5000000,
                    .currency = "EUR",
                    .version = "fy26-v2"};
    size_t len;
    uint8_t *buf = qw_roster_quota_pack(&q, &len);
    Quotawatch__V1__QuotaAssignment *m = quotawatch__v1__quota_assignment__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    cr_assert_eq(m->amount_minor, 5000000);
    cr_assert_str_eq(m->currency, "EUR");
    cr_assert_str_eq(m->version, "fy26-v2");
    cr_assert_str_eq(m->period, "2026-Q4");
    quotawatch__v1__quota_assignment__free_unpacked(m, NULL);
    free(buf);
}
