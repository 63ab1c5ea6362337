/* Pipedrive webhooks v2 (and v1) adapter. */
#include "ingest_adapter_util.h"

#define META(action, entity, extra)                                                                \
    "\"meta\":{\"action\":\"" action "\",\"entity\":\"" entity "\",\"version\":\"2.0\","           \
    "\"company_id\":\"1\",\"user_id\":\"2\",\"entity_id\":\"42\",\"attempt\":1,"                   \
    "\"host\":\"x.pipedrive.com\",\"timestamp\":1794729600,\"change_source\":\"app\"" extra "}"

Test(pipedrive, change_to_won_uses_won_time_as_close_date)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_PIPEDRIVE,
        "{" META(
            "change", "deal",
            "") ",\"data\":{\"id\":42,\"title\":\"t\","
                "\"value\":15000.25,\"currency\":\"EUR\",\"status\":\"won\",\"stage_id\":5,"
                "\"pipeline_id\":1,\"owner_id\":20230001,\"expected_close_date\":\"2026-12-20\","
                "\"won_time\":\"2026-11-15T08:00:00Z\",\"update_time\":\"2026-11-15T08:00:00Z\","
                "\"custom_fields\":{\"abc\":{\"type\":\"double\",\"value\":1}}},"
                "\"previous\":{\"status\":\"open\"}}",
        &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    const qw_deal_change_t *d = &p.dc[0];
    cr_assert_str_eq(d->deal_id, "pipedrive:42");
    cr_assert_eq(d->status, QW_DEAL_WON);
    cr_assert_eq(d->amount_minor, 1500025);
    cr_assert_str_eq(d->currency, "EUR");
    cr_assert_str_eq(d->owner_id, "20230001");
    cr_assert_eq(d->close_date, t_date("2026-11-15"));
    cr_assert_str_eq(d->stage, "5");
    cr_assert_str_eq(d->pipeline, "1");
    cr_assert_eq(d->event_time_ms, 1794729600000LL);
    cr_assert_eq(d->version, 1794729600000LL * 10 + 1);
    cr_assert(d->present & QW_DC_CURRENCY);
}

Test(pipedrive, open_deal_uses_expected_close_date)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc = t_parse(
        QW_SRC_PIPEDRIVE,
        "{" META("create", "deal",
                 "") ",\"data\":{\"id\":42,\"value\":10,"
                     "\"currency\":\"USD\",\"status\":\"open\",\"expected_close_date\":null},"
                     "\"previous\":null}",
        &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].status, QW_DEAL_OPEN);
    cr_assert_eq(p.dc[0].present & QW_DC_CLOSE_DATE, 0, "no date is no close-date change");
    cr_assert_eq(p.dc[0].version, 1794729600000LL * 10);
}

Test(pipedrive, delete_orders_after_a_change_of_the_same_second)
{
    t_patches_t c, d;
    qw_adapter_err_t err;
    cr_assert_eq(
        t_parse(QW_SRC_PIPEDRIVE,
                "{" META("change", "deal", "") ",\"data\":{\"id\":42,\"status\":\"lost\"}}", &c,
                &err),
        1);
    cr_assert_eq(t_parse(QW_SRC_PIPEDRIVE,
                         "{" META("delete", "deal", "") ",\"data\":null,\"previous\":{\"id\":42}}",
                         &d, &err),
                 1, "%s", err.errstr);
    cr_assert_eq(d.dc[0].status, QW_DEAL_DELETED);
    cr_assert_eq(d.dc[0].present, QW_DC_STATUS);
    cr_assert_gt(d.dc[0].version, c.dc[0].version);
}

Test(pipedrive, v1_payload_is_read_too)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc =
        t_parse(QW_SRC_PIPEDRIVE,
                "{\"v\":1,\"meta\":{\"v\":1,\"action\":\"updated\",\"object\":\"deal\",\"id\":7,"
                "\"timestamp\":1523440213,\"timestamp_micro\":1523440213384700},"
                "\"current\":{\"id\":7,\"value\":5,\"currency\":\"USD\",\"status\":\"open\","
                "\"user_id\":{\"id\":99,\"name\":\"x\"},\"update_time\":\"2018-04-11 09:50:13\"},"
                "\"previous\":{},\"retry\":0}",
                &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "pipedrive:7");
    cr_assert_str_eq(p.dc[0].owner_id, "99");
    cr_assert_eq(p.dc[0].event_time_ms, 1523440213384LL);
}

Test(pipedrive, rejections)
{
    t_reject(QW_SRC_PIPEDRIVE, "{meta}", QW_AERR_NOT_JSON);
    t_reject(QW_SRC_PIPEDRIVE, "{\"data\":{}}", QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_PIPEDRIVE, "{" META("change", "person", "") ",\"data\":{\"id\":1}}",
             QW_AERR_NOT_A_DEAL);
    t_reject(QW_SRC_PIPEDRIVE, "{" META("merge_all", "deal", "") ",\"data\":{\"id\":1}}",
             QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_PIPEDRIVE, "{" META("change", "deal", "") "}", QW_AERR_UNKNOWN_SHAPE);
    t_reject(
        QW_SRC_PIPEDRIVE,
        "{" META("change", "deal", "") ",\"data\":{\"id\":1,\"value\":-3,\"currency\":\"USD\"}}",
        QW_AERR_NEGATIVE_AMOUNT);
    t_reject(
        QW_SRC_PIPEDRIVE,
        "{" META("change", "deal", "") ",\"data\":{\"id\":1,\"value\":3,\"currency\":\"QQQ\"}}",
        QW_AERR_UNKNOWN_CURRENCY);
    t_reject(QW_SRC_PIPEDRIVE,
             "{\"meta\":{\"action\":\"change\",\"entity\":\"deal\"},\"data\":{\"id\":1}}",
             QW_AERR_BAD_VERSION);
    t_reject(QW_SRC_PIPEDRIVE,
             "{\"meta\":{\"action\":\"change\",\"entity\":\"deal\",\"timestamp\":1},\"data\":{}}",
             QW_AERR_NO_DEAL_ID);
}

/* Dates: every unambiguous form is read, ambiguous integers are refused (bad_date). */
Test(pipedrive, expected_close_date_in_every_connector_form)
{
    t_check_date_forms(QW_SRC_PIPEDRIVE,
                       "{\"meta\":{\"action\":\"change\",\"entity\":\"deal\",\"version\":\"2.0\","
                       "\"timestamp\":1794729600},\"data\":{\"id\":42,\"status\":\"open\","
                       "\"expected_close_date\":%s}}");
}

Test(pipedrive, won_time_in_every_connector_form)
{
    t_check_date_forms(QW_SRC_PIPEDRIVE,
                       "{\"meta\":{\"action\":\"change\",\"entity\":\"deal\",\"version\":\"2.0\","
                       "\"timestamp\":1794729600},\"data\":{\"id\":42,\"status\":\"won\","
                       "\"expected_close_date\":\"2027-01-31\",\"won_time\":%s}}");
}
