/* HubSpot webhook adapter: batches, property mapping, stage map, all-or-nothing. */
#include "ingest_adapter_util.h"

#define EV(type, id, at, extra)                                                                    \
    "{\"eventId\":1,\"subscriptionId\":2,\"portalId\":3,\"appId\":4,\"occurredAt\":" at            \
    ",\"subscriptionType\":\"" type "\",\"attemptNumber\":0,\"objectId\":" id                      \
    ",\"changeSource\":\"CRM_UI\"" extra "}"
#define PROP(id, at, name, value)                                                                  \
    EV("deal.propertyChange", id, at, ",\"propertyName\":\"" name "\",\"propertyValue\":" value)

Test(hubspot, batch_yields_one_patch_per_tracked_property_event)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_HUBSPOT,
        "[" EV("deal.creation", "101", "1000", "") "," PROP("101", "1001", "amount", "\"1500.50\"") "," PROP(
            "101", "1002", "deal_currency_code",
            "\"eur\"") "," PROP("101", "1003", "hubspot_owner_id",
                                "\"8192\"") "," PROP("101", "1004", "closedate",
                                                     "\"1796083200000\"") "," PROP("101", "1005",
                                                                                   "dealname",
                                                                                   "\"ignored"
                                                                                   "\"") "," PROP("102",
                                                                                                  "1006",
                                                                                                  "pipeline",
                                                                                                  "\"default\"") "]",
        &p, &err);
    cr_assert_eq(rc, 5, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:101");
    cr_assert_eq(p.dc[0].present, QW_DC_AMOUNT);
    cr_assert_eq(p.dc[0].amount_minor, 150050);
    cr_assert_eq(p.dc[0].version, 1001);
    cr_assert_eq(p.dc[1].present, QW_DC_CURRENCY);
    cr_assert_str_eq(p.dc[1].currency, "EUR");
    cr_assert_str_eq(p.dc[2].owner_id, "8192");
    cr_assert_eq(p.dc[3].close_date, t_date("2026-12-01"));
    cr_assert_str_eq(p.dc[4].deal_id, "hubspot:102");
    cr_assert_str_eq(p.dc[4].pipeline, "default");
}

Test(hubspot, stages_map_to_status_with_custom_rules)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(
        t_parse(QW_SRC_HUBSPOT, "[" PROP("1", "5", "dealstage", "\"closedwon\"") "]", &p, &err), 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
    cr_assert_str_eq(p.dc[0].stage, "closedwon");
    cr_assert_eq(
        t_parse(QW_SRC_HUBSPOT, "[" PROP("1", "6", "dealstage", "\"closedlost\"") "]", &p, &err),
        1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_LOST);
    /* Any stage no rule names is open: moving back there reopens the deal. */
    cr_assert_eq(
        t_parse(QW_SRC_HUBSPOT, "[" PROP("1", "7", "dealstage", "\"contractsent\"") "]", &p, &err),
        1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_OPEN);

    /* A custom pipeline's numeric won stage, from a stage map. */
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    const char *map = "hubspot 7331 99001=won\n";
    char eb[QW_ERRSTR_MAX];
    cr_assert_eq(qw_stage_map_load(&cfg, map, strlen(map), eb, sizeof(eb)), QW_OK, "%s", eb);
    const char *j = "[" PROP("1", "8", "dealstage", "\"99001\"") "]";
    p.n = 0;
    cr_assert_eq(qw_adapter_parse(&cfg, QW_SRC_HUBSPOT, j, strlen(j), t_collect, &p, &err), 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
}

Test(hubspot, deletion_restore_merge_generic)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT, "[" EV("deal.deletion", "9", "10", "") "]", &p, &err), 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_DELETED);
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT, "[" EV("deal.restore", "9", "11", "") "]", &p, &err), 1);
    cr_assert_eq(p.dc[0].flags, QW_DCF_GAP);
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT,
                         "[" EV("deal.merge", "9", "12",
                                ",\"primaryObjectId\":9,\"mergedObjectIds\":[8,9]") "]",
                         &p, &err),
                 2);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:9");
    cr_assert_eq(p.dc[0].flags, QW_DCF_GAP);
    cr_assert_str_eq(p.dc[1].deal_id, "hubspot:8");
    cr_assert_eq(p.dc[1].status, QW_DEAL_DELETED);
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT,
                         "[" EV("object.propertyChange", "77", "13",
                                ",\"objectTypeId\":\"0-3\",\"propertyName\":\"amount\","
                                "\"propertyValue\":\"12\"") "]",
                         &p, &err),
                 1);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:77");
    cr_assert_eq(p.dc[0].amount_minor, 1200);
}

Test(hubspot, creation_and_untracked_events_yield_nothing_but_are_deal_events)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT,
                         "[" EV("deal.creation", "1", "1", "") "," EV("deal.associationChange", "1",
                                                                      "2", "") "]",
                         &p, &err),
                 0, "%s", err.errstr);
    cr_assert_eq(p.n, 0);
}

Test(hubspot, other_objects_in_a_batch_are_skipped_but_alone_are_not_a_deal)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(
        t_parse(
            QW_SRC_HUBSPOT,
            "[" EV("contact.propertyChange", "5", "1",
                   ",\"propertyName\":\"email\",\"propertyValue\":\"a@b\"") "," PROP("6", "2",
                                                                                     "amount",
                                                                                     "\"3\"") "]",
            &p, &err),
        1);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:6");
    t_reject(QW_SRC_HUBSPOT, "[" EV("contact.creation", "5", "1", "") "]", QW_AERR_NOT_A_DEAL);
    t_reject(QW_SRC_HUBSPOT, "[" EV("object.creation", "5", "1", ",\"objectTypeId\":\"0-1\"") "]",
             QW_AERR_NOT_A_DEAL);
}

Test(hubspot, one_bad_event_rejects_the_batch_with_its_index)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(QW_SRC_HUBSPOT,
                     "[" PROP("1", "1", "amount", "\"5\"") "," PROP(
                         "2", "1", "amount", "\"6\"") "," PROP("3", "1", "amount", "\"-7\"") "]",
                     &p, &err);
    cr_assert_eq(rc, QW_ERR);
    cr_assert_eq(err.reason, QW_AERR_NEGATIVE_AMOUNT);
    cr_assert_eq(err.index, 2);
    cr_assert_eq(p.n, 0, "nothing may be emitted from a rejected batch");
}

Test(hubspot, values_of_every_type_vendors_send)
{
    t_patches_t p;
    qw_adapter_err_t err;
    /* Numbers where strings are usual, ids as strings, a cleared value. */
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT,
                         "[" PROP("\"44\"", "\"1700000000000\"", "amount", "1234.5") "," PROP(
                             "45", "1", "hubspot_owner_id",
                             "81920001") "," PROP("46", "1", "closedate", "\"\"") "]",
                         &p, &err),
                 2, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:44");
    cr_assert_eq(p.dc[0].amount_minor, 123450);
    cr_assert_eq(p.dc[0].version, 1700000000000LL);
    cr_assert_str_eq(p.dc[1].owner_id, "81920001");
    /* closedate "" (cleared) leaves the deal's date alone: no patch. */
}

Test(hubspot, rejections)
{
    t_reject(QW_SRC_HUBSPOT, "[{", QW_AERR_NOT_JSON);
    t_reject(QW_SRC_HUBSPOT, "[]", QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_HUBSPOT, "\"deal\"", QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_HUBSPOT, "[" PROP("null", "1", "amount", "\"1\"") "]", QW_AERR_NO_DEAL_ID);
    t_reject(QW_SRC_HUBSPOT, "[" PROP("1", "null", "amount", "\"1\"") "]", QW_AERR_BAD_VERSION);
    t_reject(QW_SRC_HUBSPOT, "[" PROP("1", "1", "amount", "\"1,500\"") "]", QW_AERR_BAD_AMOUNT);
    t_reject(QW_SRC_HUBSPOT, "[" PROP("1", "1", "deal_currency_code", "\"XYZ\"") "]",
             QW_AERR_UNKNOWN_CURRENCY);
    t_reject(QW_SRC_HUBSPOT, "[" PROP("1", "1", "closedate", "\"tomorrow\"") "]", QW_AERR_BAD_DATE);
}

/* Dates: every unambiguous form is read, ambiguous integers are refused (bad_date). */
Test(hubspot, closedate_in_every_connector_form)
{
    t_check_date_forms(QW_SRC_HUBSPOT,
                       "[{\"eventId\":1,\"occurredAt\":1793800000000,\"subscriptionType\":"
                       "\"deal.propertyChange\",\"objectId\":77,\"propertyName\":\"closedate\","
                       "\"propertyValue\":%s}]");
}
