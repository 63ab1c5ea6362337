/* qwctl's tables of qw-web's answers: the numbers formatted from integers, and nothing from the
 * API able to drive the terminal (an ESC sequence in a name is printed as '?'). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "views_render.h"

static char *render(const char *kind, const char *json)
{
    json_error_t e;
    json_t *doc = json_loads(json, 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    static char buf[8192];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    qw_views_render(f, kind, doc, NULL);
    fclose(f);
    json_decref(doc);
    return buf;
}

Test(qwctl_views_render, a_rep_with_its_credits)
{
    char *t = render(
        "rep", "{\"rep\":{\"id\":\"rep-a\",\"name\":\"Ada \\u001b[31mRED\"},\"period\":{\"id\":"
               "\"2026-11\",\"start\":\"2026-11-01\",\"end\":\"2026-11-30\",\"days_elapsed\":20,"
               "\"days_total\":30,\"days_left\":10},\"currency\":\"JPY\",\"credited_minor\":"
               "5484000,\"deals\":2,\"clawbacks\":0,\"quota_minor\":5000000,"
               "\"quota_assigned_minor\":5000000,\"quota_version\":\"v1\",\"attainment_bp\":"
               "10968,\"pace\":{\"elapsed_bp\":6500,\"target_minor\":3250000,\"delta_minor\":"
               "2234000,\"behind\":false},\"credits\":[{\"close_date\":\"2026-11-05\",\"kind\":"
               "\"credit\",\"reason\":\"won\",\"amount_minor\":3000000,\"deal_id\":\"d1\"}]}");
    cr_assert(strstr(t, "5484000 JPY"), "JPY has no minor digits: %s", t);
    cr_assert(strstr(t, "ahead by"), "%s", t);
    cr_assert_null(strchr(t, 0x1b), "an escape sequence reached the terminal");
    cr_assert(strstr(t, "Ada ?[31mRED"), "%s", t);
}

Test(qwctl_views_render, a_missing_quota_is_a_dash_not_zero)
{
    char *t =
        render("rep", "{\"rep\":{\"id\":\"r\",\"name\":\"R\"},\"period\":{},\"currency\":"
                      "\"EUR\",\"credited_minor\":100,\"quota_minor\":null,"
                      "\"attainment_bp\":null,\"pace\":{\"elapsed_bp\":5000},\"credits\":[]}");
    cr_assert(strstr(t, "Quota      -"), "%s", t);
    cr_assert(strstr(t, "Attainment -"), "%s", t);
    cr_assert(strstr(t, "1.00 EUR"), "%s", t);
}

Test(qwctl_views_render, the_health_report_flags_adverse_impact)
{
    char *t = render("health", "{\"period\":{\"id\":\"2026-11\"},\"teams\":[{\"team_id\":\"east\","
                               "\"members\":3,\"behind_pace\":2,\"at_risk\":2,\"attainment_bp\":"
                               "5000,\"quota_pressure\":true,\"systemic_miss\":false}],"
                               "\"fairness\":{\"cohorts\":[{\"cohort\":\"c1\",\"members\":5,"
                               "\"warned\":4,\"reviewed\":0,\"impact_ratio_bp\":2500,\"adverse\":"
                               "true}]}}");
    cr_assert(strstr(t, "quota-pressure"), "%s", t);
    cr_assert(strstr(t, "ADVERSE"), "%s", t);
}
