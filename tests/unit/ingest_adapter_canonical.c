/* Canonical JSON adapter (docs/formats/canonical-json.md). */
#include "ingest_adapter_util.h"

Test(canonical, full_document)
{
    t_patches_t p;
    qw_adapter_err_t err;
    int rc =
        t_parse(QW_SRC_CANONICAL,
                "{\"source\":\"canonical\",\"deal_id\":\"D-1\",\"version\":17,"
                "\"event_time\":\"2026-11-03T10:00:00Z\",\"status\":\"won\","
                "\"amount\":\"12500.00\",\"currency\":\"EUR\",\"owner_id\":\"rep-1\","
                "\"close_date\":\"2026-11-03\",\"splits\":[{\"rep_id\":\"rep-1\",\"percent\":60},"
                "{\"rep_id\":\"rep-2\",\"percent\":\"40\"}],\"discount_percent\":\"5.5\","
                "\"stage\":\"Contract\",\"pipeline\":\"EMEA\",\"unknown\":[1]}",
                &p, &err);
    cr_assert_eq(rc, 1, "%s", err.errstr);
    const qw_deal_change_t *d = &p.dc[0];
    cr_assert_str_eq(d->deal_id, "canonical:D-1");
    cr_assert_str_eq(d->source, "canonical");
    cr_assert_eq(d->version, 17);
    cr_assert_eq(d->event_time_ms, 1793700000000LL);
    cr_assert_eq(d->status, QW_DEAL_WON);
    cr_assert_eq(d->amount_minor, 1250000);
    cr_assert_str_eq(d->currency, "EUR");
    cr_assert_str_eq(d->owner_id, "rep-1");
    cr_assert_eq(d->close_date, t_date("2026-11-03"));
    cr_assert_eq(d->nsplits, 2);
    cr_assert_str_eq(d->splits[1].rep_id, "rep-2");
    cr_assert_eq(d->splits[0].basis_points, 6000);
    cr_assert_eq(d->splits[1].basis_points, 4000);
    cr_assert_eq(d->discount_bp, 550);
    cr_assert_str_eq(d->stage, "Contract");
    cr_assert_str_eq(d->pipeline, "EMEA");
    cr_assert_eq(d->present, QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_OWNER |
                                 QW_DC_CLOSE_DATE | QW_DC_SPLITS | QW_DC_DISCOUNT | QW_DC_STAGE |
                                 QW_DC_PIPELINE);
}

Test(canonical, minimal_patch_and_origin_prefix)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_CANONICAL,
                         "{\"source\":\"zoho\",\"deal_id\":42,\"event_time\":1793700000000,"
                         "\"amount\":99.125,\"currency\":\"KWD\"}",
                         &p, &err),
                 1, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "zoho:42");
    cr_assert_eq(p.dc[0].version, 1793700000000LL, "event_time stands in for version");
    cr_assert_eq(p.dc[0].amount_minor, 99125);
    cr_assert_eq(p.dc[0].present, QW_DC_AMOUNT | QW_DC_CURRENCY);
}

Test(canonical, stage_map_decides_when_no_status)
{
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    const char *map = "canonical Standard Closed Won = won\ncanonical * Dead=lost\n";
    char eb[QW_ERRSTR_MAX];
    cr_assert_eq(qw_stage_map_load(&cfg, map, strlen(map), eb, sizeof(eb)), QW_OK, "%s", eb);
    t_patches_t p = {0};
    qw_adapter_err_t err;
    const char *j =
        "[{\"deal_id\":\"a\",\"version\":1,\"stage\":\"Closed Won\",\"pipeline\":\"Standard\"},"
        "{\"deal_id\":\"b\",\"version\":1,\"stage\":\"Dead\",\"pipeline\":\"Other\"},"
        "{\"deal_id\":\"c\",\"version\":1,\"stage\":\"Closed Won\",\"pipeline\":\"Other\"}]";
    cr_assert_eq(qw_adapter_parse(&cfg, QW_SRC_CANONICAL, j, strlen(j), t_collect, &p, &err), 3,
                 "%s", err.errstr);
    cr_assert_eq(p.dc[0].status, QW_DEAL_WON);
    cr_assert_eq(p.dc[1].status, QW_DEAL_LOST);
    cr_assert_eq(p.dc[2].present & QW_DC_STATUS, 0, "no rule for that pipeline");
}

Test(canonical, splits_rules)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(
        t_parse(QW_SRC_CANONICAL,
                "{\"deal_id\":\"s\",\"version\":1,\"splits\":[{\"rep_id\":\"a\",\"percent\":"
                "\"33.33\"},{\"rep_id\":\"b\",\"percent\":33.33},{\"rep_id\":\"c\","
                "\"basis_points\":3334}]}",
                &p, &err),
        1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].nsplits, 3);
    cr_assert_eq(p.dc[0].splits[2].basis_points, 3334);
    cr_assert_eq(
        t_parse(QW_SRC_CANONICAL, "{\"deal_id\":\"s\",\"version\":1,\"splits\":[]}", &p, &err), 1);
    cr_assert_eq(p.dc[0].nsplits, 0);
    cr_assert(p.dc[0].present & QW_DC_SPLITS, "an empty list resets splits to the owner");

    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"s\",\"version\":1,\"splits\":[{\"rep_id\":\"a\",\"percent\":50}]}",
             QW_AERR_BAD_SPLITS);
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"s\",\"version\":1,\"splits\":[{\"rep_id\":\"a\",\"percent\":50},"
             "{\"rep_id\":\"a\",\"percent\":50}]}",
             QW_AERR_BAD_SPLITS);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"s\",\"version\":1,\"splits\":[{\"percent\":100}]}",
             QW_AERR_BAD_SPLITS);
    t_reject(
        QW_SRC_CANONICAL,
        "{\"deal_id\":\"s\",\"version\":1,\"splits\":[{\"rep_id\":\"a\",\"percent\":\"33.333\"}]}",
        QW_AERR_BAD_SPLITS);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"s\",\"version\":1,\"splits\":{}}",
             QW_AERR_BAD_SPLITS);
    char many[4096] = "{\"deal_id\":\"s\",\"version\":1,\"splits\":[";
    for (int i = 0; i < QW_SPLITS_MAX + 1; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many),
                 "%s{\"rep_id\":\"r%d\",\"basis_points\":%d}", i ? "," : "", i,
                 i ? 10000 / (QW_SPLITS_MAX + 1)
                   : 10000 - QW_SPLITS_MAX * (10000 / (QW_SPLITS_MAX + 1)));
    strcat(many, "]}");
    t_reject(QW_SRC_CANONICAL, many, QW_AERR_BAD_SPLITS);
}

Test(canonical, rejections)
{
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":", QW_AERR_NOT_JSON);
    t_reject(QW_SRC_CANONICAL, "42", QW_AERR_UNKNOWN_SHAPE);
    t_reject(QW_SRC_CANONICAL, "{\"version\":1}", QW_AERR_NO_DEAL_ID);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"\",\"version\":1}", QW_AERR_NO_DEAL_ID);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\"}", QW_AERR_BAD_VERSION);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":-1}", QW_AERR_BAD_VERSION);
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"x\",\"version\":1,\"amount\":\"-0.01\",\"currency\":\"USD\"}",
             QW_AERR_NEGATIVE_AMOUNT);
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"x\",\"version\":1,\"amount\":\"1e3\",\"currency\":\"USD\"}",
             QW_AERR_BAD_AMOUNT);
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"x\",\"version\":1,\"amount\":true,\"currency\":\"USD\"}",
             QW_AERR_BAD_AMOUNT);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"amount\":\"1\"}",
             QW_AERR_UNKNOWN_CURRENCY);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"currency\":\"usdollar\"}",
             QW_AERR_UNKNOWN_CURRENCY);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"close_date\":\"2026-02-29\"}",
             QW_AERR_BAD_DATE);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"status\":\"closed\"}",
             QW_AERR_BAD_FIELD);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"source\":\"Bad Source\"}",
             QW_AERR_BAD_FIELD);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"discount_percent\":120}",
             QW_AERR_BAD_FIELD);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"owner_id\":[1]}",
             QW_AERR_BAD_FIELD);
    char big[400];
    snprintf(big, sizeof(big), "{\"deal_id\":\"%0*d\",\"version\":1}", QW_ID_MAX, 7);
    t_reject(QW_SRC_CANONICAL, big, QW_AERR_ID_TOO_LONG);
}

/* Ids are data: CR/LF, other controls and invalid UTF-8 in any id go to the DLQ as bad_id. */
Test(canonical, ids_with_controls_are_bad_id)
{
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"x\",\"version\":1,\"owner_id\":\"rep\\r\\nX-Injected: yes\"}",
             QW_AERR_BAD_ID);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\\ny\",\"version\":1}", QW_AERR_BAD_ID);
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"x\",\"version\":1,\"owner_id\":\"a\\u0085\"}",
             QW_AERR_BAD_ID);
    t_reject(QW_SRC_CANONICAL,
             "{\"deal_id\":\"x\",\"version\":1,\"splits\":[{\"rep_id\":\"a\\u007f\","
             "\"percent\":100}]}",
             QW_AERR_BAD_ID);
    /* Printable non-ASCII is an id like any other. */
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_CANONICAL,
                         "{\"deal_id\":\"x\",\"version\":1,\"owner_id\":\"M\u00fcller\"}", &p,
                         &err),
                 1, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].owner_id, "M\xc3\xbcller");
}

/* Dates: every unambiguous form is read, ambiguous integers are refused (bad_date). */
Test(canonical, close_date_in_every_connector_form)
{
    t_check_date_forms(QW_SRC_CANONICAL, "{\"deal_id\":\"D-1\",\"version\":1,\"close_date\":%s}");
}
