#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/audience.h"
#include "quotawatch/common.h"

Test(wire_audience, names_are_the_wire_names)
{
    cr_assert_str_eq(qw_aud_name(QW_AUD_REP), "rep");
    cr_assert_str_eq(qw_aud_name(QW_AUD_MANAGER), "manager");
    cr_assert_str_eq(qw_aud_name(QW_AUD_TEAM), "team");
    cr_assert_str_eq(qw_aud_name(QW_AUD_HR), "hr");
    cr_assert_str_eq(qw_aud_name(QW_AUD_SALES_OPS), "sales_ops");
    cr_assert_str_eq(qw_aud_name(QW_AUD_WEBHOOK), "webhook");
    cr_assert_str_eq(qw_aud_name(QW_AUD_COUNT), "?");
    cr_assert_str_eq(qw_aud_name((qw_aud_t)-1), "?");
}

Test(wire_audience, enum_is_zero_based_and_sets_are_bits)
{
    cr_assert_eq(QW_AUD_REP, 0);
    cr_assert_eq(QW_AUD_COUNT, 6);
    cr_assert_eq(QW_AUD_DECISION_COUNT, 5);
    cr_assert_eq(QW_AUDSET_REP, 1u);
    cr_assert_eq(QW_AUDSET_SALES_OPS, 1u << 4);
    qw_audset_t s = QW_AUDSET_REP | QW_AUDSET_HR;
    cr_assert(QW_AUDSET_HAS(s, QW_AUD_HR));
    cr_assert_not(QW_AUDSET_HAS(s, QW_AUD_TEAM));
}

Test(wire_audience, parse_round_trips_and_is_bounded)
{
    for (int i = 0; i < QW_AUD_COUNT; i++) {
        qw_aud_t a = QW_AUD_COUNT;
        cr_assert_eq(qw_aud_parse(qw_aud_name((qw_aud_t)i), QW_AUD_COUNT, &a), QW_OK);
        cr_assert_eq(a, (qw_aud_t)i);
    }
    qw_aud_t a = QW_AUD_TEAM;
    /* A decision never names the generic webhook. */
    cr_assert_eq(qw_aud_parse("webhook", QW_AUD_DECISION_COUNT, &a), QW_ERR);
    cr_assert_eq(qw_aud_parse("Rep", QW_AUD_COUNT, &a), QW_ERR);
    cr_assert_eq(qw_aud_parse("", QW_AUD_COUNT, &a), QW_ERR);
    cr_assert_eq(qw_aud_parse(NULL, QW_AUD_COUNT, &a), QW_ERR);
    cr_assert_eq(a, QW_AUD_TEAM, "untouched on failure");
}
