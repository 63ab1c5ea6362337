/* Adapter entry point: size limit, JSON quirks, sink failures, reason names, stage-map loader. */
#include <jansson.h>

#include "ingest_adapter_util.h"

Test(adapter, too_large_is_checked_before_parsing)
{
    size_t n = QW_ADAPTER_MAX_BYTES + 1;
    char *buf = malloc(n);
    memset(buf, 'x', n); /* not JSON: a parse would say not_json */
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    t_patches_t p = {0};
    qw_adapter_err_t err;
    for (int s = 0; s < QW_SRC_COUNT; s++) {
        cr_assert_eq(qw_adapter_parse(&cfg, (qw_source_t)s, buf, n, t_collect, &p, &err), QW_ERR);
        cr_assert_eq(err.reason, QW_AERR_TOO_LARGE);
        cr_assert_str_eq(qw_adapter_reason_name(err.reason), "too_large");
    }
    free(buf);
}

Test(adapter, message_at_the_limit_is_parsed)
{
    /* A canonical document padded with whitespace to exactly the limit. */
    size_t n = QW_ADAPTER_MAX_BYTES;
    char *buf = malloc(n);
    memset(buf, ' ', n);
    const char *doc = "{\"deal_id\":\"big\",\"version\":1}";
    memcpy(buf, doc, strlen(doc));
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    t_patches_t p = {0};
    qw_adapter_err_t err;
    cr_assert_eq(qw_adapter_parse(&cfg, QW_SRC_CANONICAL, buf, n, t_collect, &p, &err), 1, "%s",
                 err.errstr);
    free(buf);
}

Test(adapter, huge_integers_and_nul_in_ignored_fields_are_tolerated)
{
    t_patches_t p;
    qw_adapter_err_t err;
    cr_assert_eq(t_parse(QW_SRC_HUBSPOT,
                         "[{\"eventId\":123456789012345678901234567890,\"occurredAt\":5,"
                         "\"subscriptionType\":\"deal.deletion\",\"objectId\":77,"
                         "\"changeSource\":\"a\\u0000b\"}]",
                         &p, &err),
                 1, "%s", err.errstr);
    cr_assert_str_eq(p.dc[0].deal_id, "hubspot:77");
    /* ...but a NUL inside the deal id is no id at all. */
    t_reject(QW_SRC_CANONICAL, "{\"deal_id\":\"a\\u0000b\",\"version\":1}", QW_AERR_NO_DEAL_ID);
}

static int count_patches(void *opaque, const qw_deal_change_t *dc)
{
    (void)dc;
    ++*(long *)opaque;
    return QW_OK;
}

static int refuse_second(void *opaque, const qw_deal_change_t *dc)
{
    (void)dc;
    int *n = opaque;
    return ++*n >= 2 ? QW_ERR : QW_OK;
}

Test(adapter, sink_failure_is_reported)
{
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    const char *j = "[{\"deal_id\":\"a\",\"version\":1},{\"deal_id\":\"b\",\"version\":1}]";
    int n = 0;
    qw_adapter_err_t err;
    cr_assert_eq(qw_adapter_parse(&cfg, QW_SRC_CANONICAL, j, strlen(j), refuse_second, &n, &err),
                 QW_ERR);
    cr_assert_eq(err.reason, QW_AERR_SINK);
    cr_assert_str_eq(qw_adapter_reason_name(err.reason), "sink_failed");
}

Test(adapter, reason_names_are_stable)
{
    const char *want[QW_AERR_COUNT] = {
        "none",        "not_json",   "unknown_shape",   "not_a_deal",       "no_deal_id",
        "id_too_long", "bad_amount", "negative_amount", "unknown_currency", "bad_splits",
        "too_large",   "bad_date",   "bad_field",       "bad_version",      "sink_failed",
        "bad_id"};
    for (int i = 0; i < QW_AERR_COUNT; i++)
        cr_assert_str_eq(qw_adapter_reason_name((qw_adapter_reason_t)i), want[i]);
    cr_assert_str_eq(qw_adapter_reason_name((qw_adapter_reason_t)999), "unknown");
}

Test(adapter, source_names)
{
    qw_source_t s;
    cr_assert_eq(qw_source_parse("pipedrive", &s), QW_OK);
    cr_assert_eq(s, QW_SRC_PIPEDRIVE);
    cr_assert_str_eq(qw_source_name(QW_SRC_HUBSPOT), "hubspot");
    cr_assert_eq(qw_source_parse("zoho", &s), QW_ERR);
}

Test(stage_map, defaults)
{
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_SALESFORCE, NULL, "Closed Won"), QW_DEAL_WON);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_SALESFORCE, NULL, "Closed Lost"), QW_DEAL_LOST);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_HUBSPOT, "default", "closedwon"), QW_DEAL_WON);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_HUBSPOT, NULL, "closedlost"), QW_DEAL_LOST);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_HUBSPOT, "sales-2", "closedwon"),
                 QW_DEAL_UNSPECIFIED, "default-pipeline ids do not apply to other pipelines");
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_SALESFORCE, NULL, "Prospecting"),
                 QW_DEAL_UNSPECIFIED);
    cr_assert_str_eq(cfg.default_currency[QW_SRC_HUBSPOT], "USD");
    cr_assert_str_eq(cfg.default_currency[QW_SRC_CANONICAL], "");
}

Test(stage_map, load_overrides_and_currency)
{
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    const char *text = "# sales ops mapping\n"
                       "\n"
                       "salesforce * Closed Won = lost   # a joke, overriding the default\n"
                       "hubspot 7331 99001=won\r\n"
                       "pipedrive 3 17=won\n"
                       "currency hubspot EUR\n"
                       "currency salesforce none\n";
    char eb[QW_ERRSTR_MAX];
    cr_assert_eq(qw_stage_map_load(&cfg, text, strlen(text), eb, sizeof(eb)), QW_OK, "%s", eb);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_SALESFORCE, NULL, "Closed Won"), QW_DEAL_LOST);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_HUBSPOT, "7331", "99001"), QW_DEAL_WON);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_HUBSPOT, NULL, "99001"), QW_DEAL_WON);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_PIPEDRIVE, "3", "17"), QW_DEAL_WON);
    cr_assert_eq(qw_stage_map_lookup(&cfg, QW_SRC_PIPEDRIVE, "4", "17"), QW_DEAL_UNSPECIFIED);
    cr_assert_str_eq(cfg.default_currency[QW_SRC_HUBSPOT], "EUR");
    cr_assert_str_eq(cfg.default_currency[QW_SRC_SALESFORCE], "");

    /* With no default currency, an amount without currency is unknown_currency. */
    t_patches_t p = {0};
    qw_adapter_err_t err;
    const char *j = "{\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":[\"1\"],"
                    "\"changeType\":\"UPDATE\",\"commitTimestamp\":1},\"Amount\":5}";
    cr_assert_eq(qw_adapter_parse(&cfg, QW_SRC_SALESFORCE, j, strlen(j), t_collect, &p, &err),
                 QW_ERR);
    cr_assert_eq(err.reason, QW_AERR_UNKNOWN_CURRENCY);
}

Test(stage_map, errors_name_the_line)
{
    static qw_adapter_cfg_t cfg;
    const char *bad[] = {"zoho * a=won\n",      "hubspot * closedwon=maybe\n",
                         "hubspot closedwon\n", "currency hubspot EURO\n",
                         "currency mars USD\n", "hubspot * =won\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        qw_adapter_cfg_init(&cfg);
        char text[128], eb[QW_ERRSTR_MAX] = "";
        snprintf(text, sizeof(text), "# ok\nhubspot * x=won\n%s", bad[i]);
        cr_assert_eq(qw_stage_map_load(&cfg, text, strlen(text), eb, sizeof(eb)), QW_ERR, "%s",
                     bad[i]);
        cr_assert(strncmp(eb, "line 3:", 7) == 0, "%s -> %s", bad[i], eb);
    }
}

/* The parse's JSON arena (json_arena.c): a tree bigger than the arena falls back to malloc and
 * is freed whole, trees made outside a parse keep using malloc, and messages after either parse
 * as before. ASan (the unit build) would see a free of an arena block, a leak or a use of a
 * tree after its message. */
Test(adapter, json_arena_overflow_and_outside_trees)
{
    /* ~150k events of one deal: ~13 MiB of jansson tree, past the 8 MiB arena. */
    const char *ev = "{\"objectId\":5,\"propertyName\":\"amount\",\"propertyValue\":\"1.00\","
                     "\"occurredAt\":7,\"subscriptionType\":\"deal.propertyChange\"},";
    size_t evlen = strlen(ev), n = (QW_ADAPTER_MAX_BYTES - 2) / evlen;
    char *buf = malloc(QW_ADAPTER_MAX_BYTES);
    buf[0] = '[';
    for (size_t i = 0; i < n; i++)
        memcpy(buf + 1 + i * evlen, ev, evlen);
    buf[n * evlen] = ']'; /* over the last comma */
    json_t *outside = json_pack("{s:[i,i,s]}", "kept", 1, 2, "across parses");
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    long count = 0;
    qw_adapter_err_t err;
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(
            qw_adapter_parse(&cfg, QW_SRC_HUBSPOT, buf, n * evlen + 1, count_patches, &count, &err),
            (int)n, "%s", err.errstr);
        t_patches_t p;
        cr_assert_eq(t_parse(QW_SRC_CANONICAL, "{\"deal_id\":\"d1\",\"version\":3}", &p, &err), 1,
                     "%s", err.errstr);
        cr_assert_str_eq(p.dc[0].deal_id, "canonical:d1");
    }
    cr_assert_eq(count, 2 * (long)n);
    char *dump = json_dumps(outside, JSON_COMPACT);
    cr_assert_str_eq(dump, "{\"kept\":[1,2,\"across parses\"]}");
    free(dump);
    json_decref(outside);
    free(buf);
}
