/* qwctl retract's withdrawal: type per family, id, who and why, and what it refuses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "quotawatch/decision_type.h"
#include "retract_build.h"

static qw_decision_t orig(const char *type)
{
    qw_decision_t d;
    memset(&d, 0, sizeof(d));
    snprintf(d.id, sizeof(d.id), "d:rep-1:2026-11:%s", type);
    snprintf(d.type, sizeof(d.type), "%s", type);
    snprintf(d.rep_id, sizeof(d.rep_id), "rep-1");
    snprintf(d.team_id, sizeof(d.team_id), "team-east");
    snprintf(d.period, sizeof(d.period), "2026-11");
    snprintf(d.policy_version, sizeof(d.policy_version), "p7");
    d.audience = QW_AUDSET_REP | QW_AUDSET_MANAGER;
    d.attainment_bp = 4200;
    d.nevidence = 1;
    snprintf(d.evidence[0].key, sizeof(d.evidence[0].key), "miss_streak");
    return d;
}

static const char *ev(const qw_decision_t *d, const char *key)
{
    for (int i = 0; i < d->nevidence; i++)
        if (!strcmp(d->evidence[i].key, key)) return d->evidence[i].text;
    return NULL;
}

Test(qwctl_retract_build, withdrawal_names_the_original_who_and_why)
{
    qw_decision_t o = orig(QW_DT_AT_RISK), w;
    char e[256];
    cr_assert_eq(
        qwctl_retract_build(&o, "ops@example.com", "wrong quota loaded", 1234, &w, e, sizeof(e)),
        QW_OK, "%s", e);
    cr_assert_str_eq(w.type, QW_DT_WARNING_WITHDRAWN);
    cr_assert_str_eq(w.id, "d:rep-1:2026-11:warning.at_risk:retracted");
    cr_assert_str_eq(w.withdraws, o.id);
    cr_assert_eq(w.audience, o.audience, "everyone who got it gets the correction");
    cr_assert_str_eq(w.rep_id, "rep-1");
    cr_assert_str_eq(w.policy_version, "p7");
    cr_assert_eq(w.attainment_bp, 4200);
    cr_assert_eq(w.time_ms, 1234);
    cr_assert_str_eq(ev(&w, "retracted_by"), "ops@example.com");
    cr_assert_str_eq(ev(&w, "retract_reason"), "wrong quota loaded");
    cr_assert_str_eq(ev(&w, "retracted_type"), QW_DT_AT_RISK);
    cr_assert_null(ev(&w, "miss_streak"), "the original's evidence is not repeated");
    cr_assert(strstr(w.summary, "ops@example.com") && strstr(w.summary, "wrong quota loaded"), "%s",
              w.summary);
}

Test(qwctl_retract_build, integrity_and_reviews_get_their_own_family)
{
    qw_decision_t o = orig(QW_DT_INTEGRITY), w;
    char e[256];
    cr_assert_eq(qwctl_retract_build(&o, "hr", "false positive", 1, &w, e, sizeof(e)), QW_OK);
    cr_assert_str_eq(w.type, QW_DT_INTEGRITY_WITHDRAWN);
    cr_assert(qw_dt_is_sensitive(w.type), "never routed to a shared channel");
    o = orig(QW_DT_REVIEW);
    cr_assert_eq(qwctl_retract_build(&o, "hr", "leave not recorded", 1, &w, e, sizeof(e)), QW_OK);
    cr_assert_str_eq(w.type, QW_DT_REVIEW_WITHDRAWN);
}

Test(qwctl_retract_build, refuses_withdrawals_unknown_types_and_bad_text)
{
    qw_decision_t w, o = orig(QW_DT_REVIEW_WITHDRAWN);
    char e[256];
    cr_assert_eq(qwctl_retract_build(&o, "hr", "x", 1, &w, e, sizeof(e)), QW_ERR);
    cr_assert(strstr(e, "withdrawal"), "%s", e);
    o = orig(QW_DT_AT_RISK);
    snprintf(o.withdraws, sizeof(o.withdraws), "d:other");
    cr_assert_eq(qwctl_retract_build(&o, "hr", "x", 1, &w, e, sizeof(e)), QW_ERR,
                 "anything that withdraws another is a withdrawal");
    o = orig("warning.unheard_of");
    cr_assert_eq(qwctl_retract_build(&o, "hr", "x", 1, &w, e, sizeof(e)), QW_ERR);
    cr_assert(strstr(e, "does not know"), "%s", e);
    o = orig(QW_DT_AT_RISK);
    cr_assert_eq(qwctl_retract_build(&o, "", "x", 1, &w, e, sizeof(e)), QW_ERR, "who is required");
    cr_assert_eq(qwctl_retract_build(&o, "hr", "", 1, &w, e, sizeof(e)), QW_ERR);
    cr_assert(strstr(e, "--reason"), "%s", e);
    cr_assert_eq(qwctl_retract_build(&o, "hr", "a\r\nBcc: x@evil", 1, &w, e, sizeof(e)), QW_ERR,
                 "no header injection through the reason");
    cr_assert_eq(qwctl_retract_build(&o, "hr\x85", "x", 1, &w, e, sizeof(e)), QW_ERR,
                 "C1/bad UTF-8");
    char longtext[QWCTL_RETRACT_TEXT_MAX + 2];
    memset(longtext, 'a', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = 0;
    cr_assert_eq(qwctl_retract_build(&o, "hr", longtext, 1, &w, e, sizeof(e)), QW_ERR);
    longtext[QWCTL_RETRACT_TEXT_MAX] = 0;
    cr_assert_eq(qwctl_retract_build(&o, "hr", longtext, 1, &w, e, sizeof(e)), QW_OK,
                 "exactly at the bound: %s", e);
    cr_assert(strstr(w.summary, longtext), "not cut in the summary");
    cr_assert_str_eq(ev(&w, "retract_reason"), longtext);
    memset(o.id, 'x', sizeof(o.id) - 5);
    o.id[sizeof(o.id) - 5] = 0;
    cr_assert_eq(qwctl_retract_build(&o, "hr", "x", 1, &w, e, sizeof(e)), QW_ERR, "id too long");
}

Test(qwctl_retract_build, refuses_a_weekly_digest)
{
    qw_decision_t w, o = orig(QW_DT_STANDING);
    char e[256];
    cr_assert_eq(qwctl_retract_build(&o, "ops", "x", 1, &w, e, sizeof(e)), QW_ERR);
    cr_assert(strstr(e, "digest"), "%s", e);
}
