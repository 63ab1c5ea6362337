/* Salesforce CDC adapter: shapes, change types, changed/nulled fields, versions, status. */
#include "ingest_adapter_util.h"

#define HDR(type, ids, extra)                                                                      \
    "\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":" ids                     \
    ",\"changeType\":\"" type "\",\"commitTimestamp\":1794729600000,\"sequenceNumber\":7,"         \
    "\"commitNumber\":11204587330001,\"transactionKey\":\"tk-1\",\"commitUser\":\"005x\"" extra    \
    "}"
#define COMETD(body)                                                                               \
    "{\"channel\":\"/data/"                                                                        \
    "OpportunityChangeEvent\",\"data\":{\"schema\":\"abc\",\"payload\":{" body                     \
    "},\"event\":{\"replayId\":5}}}"

Test(salesforce, cometd_create_maps_every_field)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_SALESFORCE,
        COMETD(HDR(
            "CREATE", "[\"006A\"]",
            ",\"changedFields\":[]") ",\"StageName\":\"Prospecting\",\"Amount\":48000.5,"
                                     "\"CurrencyIsoCode\":\"EUR\",\"CloseDate\":\"2026-12-15\","
                                     "\"OwnerId\":\"005Rep\",\"IsClosed\":false,\"IsWon\":false,"
                                     "\"SomeNewField__c\":{\"nested\":[1,2,3]}"),
        &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    const qw_deal_change_t *d = &p.dc[0];
    cr_assert_str_eq(d->deal_id, "salesforce:006A");
    cr_assert_str_eq(d->source, "salesforce");
    cr_assert_eq(d->version, 1794729600000LL * 100000 + 7);
    cr_assert_eq(d->event_time_ms, 1794729600000LL);
    cr_assert_eq(d->status, QW_DEAL_OPEN);
    cr_assert_eq(d->amount_minor, 4800050);
    cr_assert_str_eq(d->currency, "EUR");
    cr_assert_str_eq(d->owner_id, "005Rep");
    cr_assert_eq(d->close_date, t_date("2026-12-15"));
    cr_assert_str_eq(d->stage, "Prospecting");
    cr_assert_eq(d->present, QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_OWNER |
                                 QW_DC_CLOSE_DATE | QW_DC_STAGE);
    cr_assert_eq(d->flags, 0);
}

Test(salesforce, update_only_changed_fields_and_won_from_flags)
{
    t_patches_t p;
    qw_adapter_err_t err;
    /* A custom won stage name: IsWon decides, not the stage map. */
    int rc = t_parse(
        QW_SRC_SALESFORCE,
        COMETD(HDR(
            "UPDATE", "[\"006A\"]",
            ",\"changedFields\":[\"StageName\",\"IsWon\",\"IsClosed\"]") ",\"StageName\":\"Signed "
                                                                         "- "
                                                                         "Booked\",\"IsWon\":true,"
                                                                         "\"IsClosed\":true"),
        &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
    cr_assert_eq(p.dc[0].present, QW_DC_STATUS | QW_DC_STAGE);
}

Test(salesforce, won_to_lost_with_only_iswon_changing_is_lost)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_SALESFORCE,
        COMETD(HDR("UPDATE", "[\"006A\"]",
                   ",\"changedFields\":[\"StageName\",\"IsWon\"]") ",\"StageName\":\"Lost - No "
                                                                   "Budget\",\"IsWon\":false"),
        &p, &err);
    cr_assert_eq(rc, 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_LOST);
}

Test(salesforce, stage_between_open_stages_sets_no_status)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_SALESFORCE,
        COMETD(HDR("UPDATE", "[\"006A\"]",
                   ",\"changedFields\":[\"StageName\"]") ",\"StageName\":\"Needs Analysis\""),
        &p, &err);
    cr_assert_eq(rc, 1);
    cr_assert_eq(p.dc[0].present, QW_DC_STAGE);
}

Test(salesforce, stage_name_map_when_no_flags)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc =
        t_parse(QW_SRC_SALESFORCE,
                COMETD(HDR("UPDATE", "[\"006A\"]",
                           ",\"changedFields\":[\"StageName\"]") ",\"StageName\":\"Closed Won\""),
                &p, &err);
    cr_assert_eq(rc, 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
}

Test(salesforce, nulled_amount_and_several_record_ids)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(QW_SRC_SALESFORCE,
                     COMETD(HDR("UPDATE", "[\"006A\",\"006B\",\"006C\"]",
                                ",\"changedFields\":[\"Amount\",\"CloseDate\"],"
                                "\"nulledFields\":[\"Amount\",\"CloseDate\"]")),
                     &p, &err);
    cr_assert_eq(rc, 3, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "salesforce:006A");
    cr_assert_str_eq(p.dc[2].deal_id, "salesforce:006C");
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(p.dc[i].amount_minor, 0);
        /* Amount without CurrencyIsoCode: scaled by the default currency, flagged as assumed;
         * a nulled CloseDate is left out (the deal keeps its date). */
        cr_assert_eq(p.dc[i].present, QW_DC_AMOUNT);
        cr_assert_str_eq(p.dc[i].currency, "USD");
        cr_assert_eq(p.dc[i].version, p.dc[0].version);
    }
}

Test(salesforce, untracked_update_yields_no_patch)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(QW_SRC_SALESFORCE,
                     COMETD(HDR("UPDATE", "[\"006A\"]",
                                ",\"changedFields\":[\"Description\"]") ",\"Description\":\"x\""),
                     &p, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(p.n, 0);
}

Test(salesforce, delete_and_undelete)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE, COMETD(HDR("DELETE", "[\"006A\"]", "")), &p, &err), 1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_DELETED);
    cr_assert_eq(p.dc[0].present, QW_DC_STATUS);

    cr_assert_eq(
        t_parse(QW_SRC_SALESFORCE,
                COMETD(HDR("UNDELETE", "[\"006A\"]",
                           "") ",\"IsWon\":true,\"IsClosed\":true,\"StageName\":\"Closed Won\""),
                &p, &err),
        1);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
    cr_assert_eq(p.dc[0].flags, 0);

    /* Undelete that does not say the state: a resync marker, not a guess. */
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE, COMETD(HDR("UNDELETE", "[\"006A\"]", "")), &p, &err),
                 1);
    cr_assert_eq(p.dc[0].flags, QW_DCF_GAP);
    cr_assert_eq(p.dc[0].present & QW_DC_STATUS, 0);
}

Test(salesforce, every_gap_type_is_a_gap_marker)
{
    const char *types[] = {"GAP_CREATE",   "GAP_UPDATE",   "GAP_DELETE",
                           "GAP_UNDELETE", "GAP_OVERFLOW", "SOMETHING_NEW"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"data\":{\"payload\":{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\","
                 "\"recordIds\":[\"006A\"],\"changeType\":\"%s\",\"commitTimestamp\":1794729600000,"
                 "\"sequenceNumber\":1}}}}",
                 types[i]);
        t_patches_t p;
        qw_adapter_err_t err;
        cr_assert_eq(t_parse(QW_SRC_SALESFORCE, json, &p, &err), 1, "%s: %s", types[i], err.errstr);
        cr_assert_eq(p.dc[0].flags, QW_DCF_GAP, "%s", types[i]);
        cr_assert_eq(p.dc[0].present, 0, "%s", types[i]);
        cr_assert_str_eq(p.dc[0].deal_id, "salesforce:006A");
    }
}

Test(salesforce, overflow_without_ids_and_wildcard_mean_every_deal)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE, COMETD(HDR("GAP_OVERFLOW", "[]", "")), &p, &err), 1);
    cr_assert_str_eq(p.dc[0].deal_id, "salesforce:*");
    cr_assert_eq(p.dc[0].flags, QW_DCF_GAP);
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE,
                         COMETD(HDR("UPDATE", "[\"006*\"]",
                                    ",\"changedFields\":[\"Amount\"]") ",\"Amount\":5"),
                         &p, &err),
                 1);
    cr_assert_str_eq(p.dc[0].deal_id, "salesforce:*");
    cr_assert_eq(p.dc[0].flags, QW_DCF_GAP);
}

Test(salesforce, confluent_flat_record_uses_changed_fields_not_nulls)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(QW_SRC_SALESFORCE,
                     "{\"Id\":\"006K\",\"ReplayId\":\"9\",\"Amount\":null,\"OwnerId\":null,"
                     "\"CurrencyIsoCode\":null,\"CloseDate\":20772,\"IsWon\":null,"
                     "\"_ObjectType\":\"OpportunityChangeEvent\",\"_EventType\":\"x\"," HDR(
                         "UPDATE", "[\"006K\"]", ",\"changedFields\":[\"CloseDate\"]") "}",
                     &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].present, QW_DC_CLOSE_DATE, "nulls of unchanged fields must not count");
    cr_assert_eq(p.dc[0].close_date, t_date("2026-11-15"), "Kafka Connect Date is days");
}

Test(salesforce, connect_record_without_changed_fields_takes_non_null_values)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc =
        t_parse(QW_SRC_SALESFORCE,
                "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"Id\":\"006K\",\"Amount\":100,"
                "\"OwnerId\":null," HDR("UPDATE", "[\"006K\"]", "") "}}",
                &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].present, QW_DC_AMOUNT);
    cr_assert_eq(p.dc[0].amount_minor, 10000);
}

Test(salesforce, pubsub_bitmap_changed_fields_fall_back_to_values)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc =
        t_parse(QW_SRC_SALESFORCE,
                COMETD(HDR("UPDATE", "[\"006A\"]",
                           ",\"changedFields\":[\"0x1A\",\"3-0x02\"]") ",\"OwnerId\":\"005New\""),
                &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].present, QW_DC_OWNER);
    cr_assert_str_eq(p.dc[0].owner_id, "005New");
}

Test(salesforce, versions_order_by_commit_then_sequence)
{
    t_patches_t a, b;
    qw_adapter_err_t err;
    cr_assert_eq(
        t_parse(QW_SRC_SALESFORCE,
                "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
                "\"changeType\":\"DELETE\",\"commitTimestamp\":1000,\"sequenceNumber\":99999}}",
                &a, &err),
        1);
    cr_assert_eq(
        t_parse(QW_SRC_SALESFORCE,
                "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
                "\"changeType\":\"DELETE\",\"commitTimestamp\":1001,\"sequenceNumber\":0}}",
                &b, &err),
        1);
    cr_assert_lt(a.dc[0].version, b.dc[0].version);
}

Test(salesforce, rejections)
{
    t_reject(QW_SRC_SALESFORCE, "nope", QW_AERR_NOT_JSON);
    t_reject(QW_SRC_SALESFORCE, "[1,2]", QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_SALESFORCE,
             "{\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"001\"],"
             "\"changeType\":\"CREATE\",\"commitTimestamp\":1}}",
             QW_AERR_NOT_A_DEAL);
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("CREATE", "[]", "") ",\"Amount\":1"),
             QW_AERR_NO_DEAL_ID);
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("CREATE", "[\"006A\"]", "") ",\"Amount\":-1"),
             QW_AERR_NEGATIVE_AMOUNT);
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("CREATE", "[\"006A\"]", "") ",\"Amount\":0.001"),
             QW_AERR_BAD_AMOUNT);
    t_reject(QW_SRC_SALESFORCE,
             COMETD(HDR("CREATE", "[\"006A\"]", "") ",\"Amount\":1,\"CurrencyIsoCode\":\"ABC\""),
             QW_AERR_UNKNOWN_CURRENCY);
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("CREATE", "[\"006A\"]", "") ",\"CloseDate\":\"soon\""),
             QW_AERR_BAD_DATE);
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("CREATE", "[\"006A\"]", "") ",\"IsWon\":\"perhaps\""),
             QW_AERR_BAD_FIELD);
    t_reject(QW_SRC_SALESFORCE,
             "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
             "\"changeType\":\"DELETE\"}}",
             QW_AERR_BAD_VERSION);
    /* Found by fuzzing: a commitTimestamp whose version (ts * 100000 + seq) overflows int64,
     * as a number and as an ISO 8601 text. */
    t_reject(QW_SRC_SALESFORCE,
             "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
             "\"changeType\":\"DELETE\",\"commitTimestamp\":97947332000001}}",
             QW_AERR_BAD_VERSION);
    t_reject(QW_SRC_SALESFORCE,
             "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
             "\"changeType\":\"DELETE\",\"commitTimestamp\":\"9999-12-31T23:59:59Z\"}}",
             QW_AERR_BAD_VERSION);
    /* A bad id among several rejects the whole event: nothing is emitted. */
    t_reject(QW_SRC_SALESFORCE, COMETD(HDR("DELETE", "[\"006A\",17.5]", "")), QW_AERR_NO_DEAL_ID);
}

/* Dates: every unambiguous form is read, ambiguous integers are refused (bad_date). */
Test(salesforce, cometd_close_date_in_every_connector_form)
{
    t_check_date_forms(
        QW_SRC_SALESFORCE,
        "{\"channel\":\"/data/OpportunityChangeEvent\",\"data\":{\"payload\":{"
        "\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"006X1\"],"
        "\"changeType\":\"UPDATE\",\"commitTimestamp\":1793700000000,\"commitNumber\":1,"
        "\"changedFields\":[\"CloseDate\"]},\"CloseDate\":%s}}}");
}

Test(salesforce, connect_record_close_date_in_every_connector_form)
{
    t_check_date_forms(
        QW_SRC_SALESFORCE,
        "{\"Id\":\"006K\",\"ReplayId\":\"9\",\"CloseDate\":%s,"
        "\"_ObjectType\":\"OpportunityChangeEvent\",\"ChangeEventHeader\":{\"entityName\":"
        "\"Opportunity\",\"recordIds\":[\"006K\"],\"changeType\":\"UPDATE\",\"commitTimestamp\":"
        "1793700000000,\"changedFields\":[\"CloseDate\"]}}");
}

/* Finding 1 of issue 10: an owner id with CR/LF would become a header line downstream. */
Test(salesforce, owner_id_with_crlf_is_bad_id)
{
    t_reject(
        QW_SRC_SALESFORCE,
        COMETD(HDR("CREATE", "[\"006A\"]", ",\"changedFields\":[]") ",\"Amount\":1,"
                                                                    "\"CurrencyIsoCode\":\"EUR\","
                                                                    "\"OwnerId\":\"rep\\r\\nX-"
                                                                    "Injected: yes\""),
        QW_AERR_BAD_ID);
    t_reject(QW_SRC_SALESFORCE,
             COMETD(HDR("CREATE", "[\"006\\nA\"]", ",\"changedFields\":[]") ",\"Amount\":1"),
             QW_AERR_BAD_ID);
}
