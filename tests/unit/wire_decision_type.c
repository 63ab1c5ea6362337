#include <criterion/criterion.h>

#include "quotawatch/decision_type.h"

Test(wire_decision_type, family_is_the_part_before_the_first_dot)
{
    cr_assert_eq(qw_dt_family(QW_DT_AT_RISK), QW_DTF_WARNING);
    cr_assert_eq(qw_dt_family(QW_DT_COACHING), QW_DTF_SUPPORT);
    cr_assert_eq(qw_dt_family(QW_DT_REVIEW), QW_DTF_REVIEW);
    cr_assert_eq(qw_dt_family(QW_DT_INTEGRITY), QW_DTF_INTEGRITY);
    cr_assert_eq(qw_dt_family(QW_DT_ACCELERATOR), QW_DTF_REWARD);
    cr_assert_eq(qw_dt_family(QW_DT_DATA_DELAYED), QW_DTF_HEALTH);
    cr_assert_eq(qw_dt_family("reward.*"), QW_DTF_REWARD, "a routing pattern");
    cr_assert_eq(qw_dt_family("review"), QW_DTF_REVIEW, "a bare family");
    cr_assert_eq(qw_dt_family("reviewish.x"), QW_DTF_UNKNOWN);
    cr_assert_eq(qw_dt_family("Review.x"), QW_DTF_UNKNOWN);
    cr_assert_eq(qw_dt_family("*"), QW_DTF_UNKNOWN);
    cr_assert_eq(qw_dt_family(""), QW_DTF_UNKNOWN);
    cr_assert_eq(qw_dt_family(NULL), QW_DTF_UNKNOWN);
    cr_assert_str_eq(qw_dt_family_name(QW_DTF_INTEGRITY), "integrity");
    cr_assert_str_eq(qw_dt_family_name(QW_DTF_UNKNOWN), "");
    cr_assert_str_eq(qw_dt_family_name(QW_DTF_COUNT), "");
}

Test(wire_decision_type, only_reviews_and_integrity_flags_are_sensitive)
{
    cr_assert(qw_dt_is_sensitive(QW_DT_REVIEW));
    cr_assert(qw_dt_is_sensitive(QW_DT_REVIEW_WITHDRAWN));
    cr_assert(qw_dt_is_sensitive(QW_DT_INTEGRITY));
    cr_assert(qw_dt_is_sensitive("integrity.*"));
    cr_assert_not(qw_dt_is_sensitive(QW_DT_FINAL_WARNING));
    cr_assert_not(qw_dt_is_sensitive(QW_DT_QUOTA_ACHIEVED));
    cr_assert_not(qw_dt_is_sensitive(QW_DT_ADVERSE_IMPACT));
    cr_assert_not(qw_dt_is_sensitive("reviewish.x"));
    cr_assert_not(qw_dt_is_sensitive(NULL));
}

Test(wire_decision_type, known_types)
{
    cr_assert(qw_dt_known(QW_DT_CONSISTENT));
    cr_assert(qw_dt_known(QW_DT_DATA_DELAYED));
    cr_assert_not(qw_dt_known("reward.*"));
    cr_assert_not(qw_dt_known("warning.at_risk "));
    cr_assert_not(qw_dt_known(NULL));
}

Test(wire_decision_type, withdrawal_of_each_family)
{
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_AT_RISK), QW_DT_WARNING_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_FINAL_WARNING), QW_DT_WARNING_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_COACHING), QW_DT_SUPPORT_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_REVIEW), QW_DT_REVIEW_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_INTEGRITY), QW_DT_INTEGRITY_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_CONSISTENT), QW_DT_REWARD_WITHDRAWN);
    cr_assert_str_eq(qw_dt_withdrawal_of(QW_DT_DATA_DELAYED), QW_DT_HEALTH_WITHDRAWN);
    cr_assert(qw_dt_is_sensitive(QW_DT_INTEGRITY_WITHDRAWN), "as sensitive as the flag");
    cr_assert_null(qw_dt_withdrawal_of(QW_DT_REVIEW_WITHDRAWN), "a withdrawal is final");
    cr_assert_null(qw_dt_withdrawal_of(QW_DT_INTEGRITY_WITHDRAWN));
    cr_assert_null(qw_dt_withdrawal_of("warning.unheard_of"));
    cr_assert_null(qw_dt_withdrawal_of(NULL));
}

Test(wire_decision_type, digests_are_information_never_withdrawn_nor_sensitive)
{
    cr_assert_eq(qw_dt_family(QW_DT_STANDING), QW_DTF_INFO);
    cr_assert_eq(qw_dt_family(QW_DT_TEAM_DIGEST), QW_DTF_INFO);
    cr_assert_eq(qw_dt_family("info.*"), QW_DTF_INFO, "a routing pattern");
    cr_assert_eq(qw_dt_family("infos.x"), QW_DTF_UNKNOWN);
    cr_assert_str_eq(qw_dt_family_name(QW_DTF_INFO), "info");
    cr_assert(qw_dt_known(QW_DT_STANDING));
    cr_assert(qw_dt_known(QW_DT_TEAM_DIGEST));
    cr_assert_not(qw_dt_known("info.other"));
    cr_assert_not(qw_dt_is_sensitive(QW_DT_STANDING));
    cr_assert_not(qw_dt_is_sensitive("info.*"));
    cr_assert_not(qw_dt_family_is_sensitive(QW_DTF_INFO));
    cr_assert_null(qw_dt_withdrawal_of(QW_DT_STANDING), "a digest is superseded, not withdrawn");
    cr_assert_null(qw_dt_withdrawal_of(QW_DT_TEAM_DIGEST));
}
