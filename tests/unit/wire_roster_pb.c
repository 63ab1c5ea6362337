#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/roster_pb.h"
#include "quotawatch/utf8.h"
#include "quotawatch/v1/roster.pb-c.h"

Test(wire_roster_pb, profile_round_trips_through_protobuf)
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

Test(wire_roster_pb, quota_keeps_amount_currency_and_version)
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

/* Moved from evaluator_decision_pb.c (then evaluator_engine_pb.c). */
Test(wire_roster_pb, profile_and_quota_from_pb)
{
    Quotawatch__V1__LeaveRange l = QUOTAWATCH__V1__LEAVE_RANGE__INIT;
    l.start_date = "2026-11-01";
    l.end_date = "2026-11-10";
    l.protected_ = 1;
    Quotawatch__V1__LeaveRange *lp = &l;
    Quotawatch__V1__RepProfile m = QUOTAWATCH__V1__REP_PROFILE__INIT;
    m.rep_id = "ana";
    m.team_id = "east";
    m.hire_date = "2024-02-01";
    m.n_leave = 1;
    m.leave = &lp;
    m.cohort = "c1";
    m.recognition_opt_out = 1;
    qw_rep_profile_t p;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_roster_profile_from_pb(&m, &p, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(p.nleave, 1);
    cr_assert(p.leave[0].is_protected);
    cr_assert_eq(p.hire_date, qw_date_from_ymd(2024, 2, 1));
    cr_assert_str_eq(p.cohort, "c1");
    l.end_date = "2026-10-01"; /* before the start */
    cr_assert_eq(qw_roster_profile_from_pb(&m, &p, err, sizeof(err)), QW_ERR);
    Quotawatch__V1__QuotaAssignment qa = QUOTAWATCH__V1__QUOTA_ASSIGNMENT__INIT;
    qa.rep_id = "ana";
    qa.period = "2026-Q4";
    qa.amount_minor = 900000;
    qa.currency = "EUR";
    qa.version = "v3";
    qw_quota_t q;
    cr_assert_eq(qw_roster_quota_from_pb(&qa, &q, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(q.version, "v3");
    qa.period = "Q4";
    cr_assert_eq(qw_roster_quota_from_pb(&qa, &q, err, sizeof(err)), QW_ERR);
}

Test(wire_roster_pb, long_display_name_is_cut_at_a_character_ids_are_not)
{
    char name[512];
    size_t k = (size_t)snprintf(name, sizeof(name), "Ada <Lovelace> & Co ");
    while (k + 2 < sizeof(name)) {
        name[k++] = (char)0xc3; /* é, two bytes: a cut in the middle would split one */
        name[k++] = (char)0xa9;
    }
    name[k] = '\0';
    Quotawatch__V1__RepProfile m = QUOTAWATCH__V1__REP_PROFILE__INIT;
    m.rep_id = "rep-1";
    m.name = name;
    qw_rep_profile_t p;
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_roster_profile_from_pb(&m, &p, err, sizeof(err)), QW_OK, "%s", err);
    size_t n = strlen(p.name);
    cr_assert_lt(n, sizeof(p.name));
    cr_assert_geq(n, sizeof(p.name) - 2);
    cr_assert_eq(memcmp(p.name, name, n), 0);
    cr_assert_eq(qw_utf8_cut(p.name, n), n, "ends on a character boundary");
    cr_assert_eq(n % 2, (size_t)0, "20 ASCII bytes, then whole two-byte characters");
    /* Ids and addresses are never cut. */
    char longid[QW_ID_MAX + 8];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    m.manager_id = longid;
    cr_assert_eq(qw_roster_profile_from_pb(&m, &p, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "manager id") != NULL, "%s", err);
    m.manager_id = "";
    uint8_t *buf;
    size_t len;
    qw_rep_profile_t in = {
        .rep_id = "rep-2", .name = "Bea", .hire_date = QW_DATE_NONE, .active = 1};
    buf = qw_roster_profile_pack(&in, &len);
    cr_assert_not_null(buf);
    cr_assert_eq(qw_roster_profile_unpack(buf, len, &p, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(p.rep_id, "rep-2");
    cr_assert_str_eq(p.name, "Bea");
    cr_assert_eq(p.hire_date, QW_DATE_NONE);
    cr_assert_eq(p.active, 1);
    free(buf);
    cr_assert_eq(qw_roster_profile_unpack((const uint8_t *)"\xff\xff\xff", 3, &p, err, sizeof(err)),
                 QW_ERR);
    qw_quota_t q = {.rep_id = "rep-2",
                    .period = "2026-11",
                    .amount_minor = 5,
                    .currency = "USD",
                    .version = "v1",
                    .effective_ms = 7},
               qb;
    buf = qw_roster_quota_pack(&q, &len);
    cr_assert_eq(qw_roster_quota_unpack(buf, len, &qb, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(qb.period, "2026-11");
    cr_assert_eq(qb.amount_minor, 5);
    cr_assert_eq(qb.effective_ms, 7);
    free(buf);
}

Test(wire_roster_pb, role_and_digest_opt_out_round_trip_unknown_role_is_a_rep)
{
    qw_rep_profile_t in, out;
    memset(&in, 0, sizeof(in));
    snprintf(in.rep_id, sizeof(in.rep_id), "hr-1");
    in.role = QW_ROLE_HR;
    in.digest_opt_out = 1;
    in.active = 1;
    size_t len;
    uint8_t *buf = qw_roster_profile_pack(&in, &len);
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_roster_profile_unpack(buf, len, &out, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(out.role, QW_ROLE_HR);
    cr_assert_eq(out.digest_opt_out, 1);
    free(buf);
    /* A role from a newer writer is read as the least privileged one. */
    Quotawatch__V1__RepProfile m = QUOTAWATCH__V1__REP_PROFILE__INIT;
    m.rep_id = "x-1";
    m.role = (Quotawatch__V1__Role)9;
    uint8_t raw[64];
    size_t n = quotawatch__v1__rep_profile__pack(&m, raw);
    cr_assert_eq(qw_roster_profile_unpack(raw, n, &out, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_eq(out.role, QW_ROLE_REP);
}
