/* Gap repair: REST records become snapshots that qw-ingest's own adapters read as complete
 * patches, with versions after what they repair. */
#include "sf_snapshot.h"

#include <criterion/criterion.h>
#include <string.h>

#include "ingest_adapter_util.h"

#define OPP_ID      "006Qw0000000001AAA"
#define MODSTAMP_MS 1794729600000LL /* 2026-11-15T08:00:00Z */

static const char opp[] =
    "{\"attributes\":{\"type\":\"Opportunity\",\"url\":\"/services/data/v61.0/sobjects/"
    "Opportunity/" OPP_ID "\"},\"Id\":\"" OPP_ID "\",\"IsDeleted\":false,\"Name\":\"Acme\","
    "\"StageName\":\"Closed Won\",\"Amount\":48000.5,\"CurrencyIsoCode\":\"EUR\",\"CloseDate\":"
    "\"2026-11-14\",\"OwnerId\":\"005Qw00000RepAnnA\",\"IsClosed\":true,\"IsWon\":true,"
    "\"LastModifiedDate\":\"2026-11-15T07:00:00.000+0000\",\"SystemModstamp\":"
    "\"2026-11-15T08:00:00.000+0000\"}";

static void snap_sf(const char *rec, int64_t min_version, t_patches_t *p, int64_t *version)
{
    char *out, err[256];
    cr_assert_eq(
        qw_sf_snapshot_opportunity(rec, strlen(rec), min_version, &out, version, err, sizeof(err)),
        QW_OK, "%s", err);
    qw_adapter_err_t aerr;
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE, out, p, &aerr), 1, "%s: %s", out, aerr.errstr);
    free(out);
}

Test(salesforce_snapshot, opportunity_is_a_full_patch)
{
    t_patches_t p;
    int64_t v;
    snap_sf(opp, 0, &p, &v);
    const qw_deal_change_t *dc = &p.dc[0];
    cr_assert_str_eq(dc->deal_id, "salesforce:" OPP_ID);
    cr_assert_eq(v, MODSTAMP_MS * 100000 + 99999, "after every change up to SystemModstamp");
    cr_assert_eq(dc->version, v);
    uint32_t want =
        QW_DC_STATUS | QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_OWNER | QW_DC_CLOSE_DATE | QW_DC_STAGE;
    cr_assert_eq(dc->present, want, "present %x", dc->present);
    cr_assert_eq(dc->status, QW_DEAL_WON);
    cr_assert_eq(dc->amount_minor, 4800050);
    cr_assert_str_eq(dc->currency, "EUR");
    cr_assert_str_eq(dc->owner_id, "005Qw00000RepAnnA");
    cr_assert_eq(dc->close_date, t_date("2026-11-14"));
    cr_assert_str_eq(dc->stage, "Closed Won");
}

Test(salesforce_snapshot, sorts_after_the_gap_it_repairs)
{
    t_patches_t p;
    int64_t v, gap = (MODSTAMP_MS + 5) * 100000 + 2; /* a gap committed after the modstamp */
    snap_sf(opp, gap + 1, &p, &v);
    cr_assert_eq(v, gap + 1);
    cr_assert_eq(p.dc[0].version, gap + 1);
}

Test(salesforce_snapshot, cleared_fields_and_open_or_lost)
{
    static const char rec[] =
        "{\"Id\":\"" OPP_ID "\",\"StageName\":\"Negotiation\",\"Amount\":null,\"CloseDate\":null,"
        "\"OwnerId\":\"005Qw00000RepBobAA\",\"IsClosed\":false,\"IsWon\":false,"
        "\"SystemModstamp\":\"2026-11-15T08:00:00.000Z\"}";
    t_patches_t p;
    int64_t v;
    snap_sf(rec, 0, &p, &v);
    cr_assert_eq(p.dc[0].status, QW_DEAL_OPEN);
    cr_assert(p.dc[0].present & QW_DC_AMOUNT, "a null amount is cleared to 0");
    cr_assert_eq(p.dc[0].amount_minor, 0);
    cr_assert_str_eq(p.dc[0].currency, "USD", "single-currency org: the default currency");
    cr_assert(!(p.dc[0].present & QW_DC_CURRENCY));
    cr_assert(!(p.dc[0].present & QW_DC_CLOSE_DATE), "a cleared close date keeps the old one");
    static const char lost[] =
        "{\"Id\":\"" OPP_ID "\",\"StageName\":\"Closed Lost\",\"Amount\":10,\"IsClosed\":true,"
        "\"IsWon\":false,\"SystemModstamp\":\"2026-11-15T08:00:00.000Z\"}";
    snap_sf(lost, 0, &p, &v);
    cr_assert_eq(p.dc[0].status, QW_DEAL_LOST);
}

Test(salesforce_snapshot, deleted_records)
{
    static const char rec[] = "{\"Id\":\"" OPP_ID "\",\"IsDeleted\":true,\"SystemModstamp\":"
                              "\"2026-11-15T08:00:00.000Z\"}";
    t_patches_t p;
    int64_t v;
    snap_sf(rec, 0, &p, &v);
    cr_assert_eq(p.dc[0].status, QW_DEAL_DELETED);
    char *s = qw_sf_snapshot_opportunity_deleted(OPP_ID, 12345 * 100000LL + 7);
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_SALESFORCE, s, &p, &err), 1, "%s", err.errstr);
    cr_assert_eq(p.dc[0].status, QW_DEAL_DELETED);
    cr_assert_eq(p.dc[0].version, 12345 * 100000LL + 7);
    free(s);
    cr_assert_null(qw_sf_snapshot_opportunity_deleted("006'; DROP", 1));
}

static void refuse_sf(const char *rec, const char *why)
{
    char *out = (char *)1, err[256] = "";
    int64_t v;
    cr_assert_eq(qw_sf_snapshot_opportunity(rec, strlen(rec), 0, &out, &v, err, sizeof(err)),
                 QW_ERR, "accepted %s", rec);
    cr_assert_null(out);
    cr_assert(strstr(err, why), "\"%s\" does not say \"%s\"", err, why);
}

Test(salesforce_snapshot, unusable_records)
{
    refuse_sf("[]", "not a JSON object");
    refuse_sf("{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001Qw0000000001AAA\"}",
              "not Opportunity");
    refuse_sf("{\"Id\":\"006short\",\"SystemModstamp\":\"2026-11-15T08:00:00Z\"}", "Id");
    refuse_sf("{\"Id\":\"" OPP_ID "\"}", "SystemModstamp");
    refuse_sf("{\"Id\":\"" OPP_ID "\",\"SystemModstamp\":\"yesterday\"}", "SystemModstamp");
}

Test(salesforce_snapshot, ids)
{
    cr_assert(qw_sf_record_id_valid("006Qw0000000001"));
    cr_assert(qw_sf_record_id_valid(OPP_ID));
    cr_assert(!qw_sf_record_id_valid("006*"));
    cr_assert(!qw_sf_record_id_valid("006Qw0000000001AA/"));
    cr_assert(qw_sf_hs_id_valid("18251100301"));
    cr_assert(!qw_sf_hs_id_valid("18251100301/../x"));
    cr_assert(!qw_sf_hs_id_valid(""));
}

static const char deal[] =
    "{\"id\":\"18251100301\",\"properties\":{\"amount\":\"12500.00\",\"deal_currency_code\":"
    "\"EUR\",\"dealstage\":\"closedwon\",\"closedate\":\"2026-11-14T00:00:00Z\","
    "\"hubspot_owner_id\":\"77001\",\"pipeline\":\"default\",\"hs_lastmodifieddate\":"
    "\"2026-11-15T08:00:00Z\"},\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
    "\"2026-11-15T08:00:00.000Z\",\"archived\":false}";

Test(salesforce_snapshot, hubspot_deal_is_every_property)
{
    char *out, err[256];
    int64_t v;
    cr_assert_eq(qw_sf_snapshot_hubspot(deal, strlen(deal), 0, &out, &v, err, sizeof(err)), QW_OK,
                 "%s", err);
    cr_assert_eq(v, MODSTAMP_MS);
    t_patches_t p;
    qw_adapter_err_t aerr;
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT, out, &p, &aerr), 6, "%s: %s", out, aerr.errstr);
    uint32_t all = 0;
    for (int i = 0; i < p.n; i++) {
        cr_assert_str_eq(p.dc[i].deal_id, "hubspot:18251100301");
        cr_assert_eq(p.dc[i].version, MODSTAMP_MS);
        all |= p.dc[i].present;
        if (p.dc[i].present & QW_DC_AMOUNT) cr_assert_eq(p.dc[i].amount_minor, 1250000);
        if (p.dc[i].present & QW_DC_STATUS) cr_assert_eq(p.dc[i].status, QW_DEAL_WON);
    }
    cr_assert_eq(all & (QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_STATUS | QW_DC_OWNER |
                        QW_DC_CLOSE_DATE | QW_DC_PIPELINE | QW_DC_STAGE),
                 QW_DC_AMOUNT | QW_DC_CURRENCY | QW_DC_STATUS | QW_DC_OWNER | QW_DC_CLOSE_DATE |
                     QW_DC_PIPELINE | QW_DC_STAGE,
                 "present %x", all);
    free(out);
    cr_assert_eq(
        qw_sf_snapshot_hubspot(deal, strlen(deal), MODSTAMP_MS + 9, &out, &v, err, sizeof(err)),
        QW_OK);
    cr_assert_eq(v, MODSTAMP_MS + 9);
    free(out);
}

Test(salesforce_snapshot, hubspot_archived_and_refused)
{
    static const char arch[] = "{\"id\":\"42\",\"properties\":{},\"updatedAt\":"
                               "\"2026-11-15T08:00:00Z\",\"archived\":true}";
    char *out, err[256];
    int64_t v;
    cr_assert_eq(qw_sf_snapshot_hubspot(arch, strlen(arch), 0, &out, &v, err, sizeof(err)), QW_OK);
    t_patches_t p;
    qw_adapter_err_t aerr;
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT, out, &p, &aerr), 1, "%s", aerr.errstr);
    cr_assert_eq(p.dc[0].status, QW_DEAL_DELETED);
    free(out);
    static const char *bad[] = {"{}",
                                "{\"id\":\"x1\",\"properties\":{},\"updatedAt\":\"2026-11-15\"}",
                                "{\"id\":\"1\",\"updatedAt\":\"2026-11-15T00:00:00Z\"}",
                                "{\"id\":\"1\",\"properties\":{}}", "nope"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(qw_sf_snapshot_hubspot(bad[i], strlen(bad[i]), 0, &out, &v, err, sizeof(err)),
                     QW_ERR, "%s", bad[i]);
}
