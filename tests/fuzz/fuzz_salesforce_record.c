/* libFuzzer target: REST records (Salesforce Opportunity, HubSpot deal) turned into snapshots.
 * An accepted record's snapshot is JSON that qw-ingest's adapter either reads — every patch of
 * the record's deal, at the snapshot's version, never below min_version — or refuses with a
 * reason (a field value the CRM should never send); nothing may crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "sf_snapshot.h"

typedef struct {
    int64_t version;
    int bad;
} check_t;

static int sink(void *opaque, const qw_deal_change_t *dc)
{
    check_t *c = opaque;
    if (dc->version != c->version) c->bad = 1;
    if (strncmp(dc->deal_id, "salesforce:", 11) && strncmp(dc->deal_id, "hubspot:", 8)) c->bad = 1;
    return QW_OK;
}

static void run(qw_source_t src, const char *buf, size_t len, int64_t min_version)
{
    static qw_adapter_cfg_t cfg;
    static int init;
    if (!init) {
        qw_adapter_cfg_init(&cfg);
        init = 1;
    }
    char *out = NULL, err[QW_ERRSTR_MAX];
    int64_t v = 0;
    int rc = src == QW_SRC_SALESFORCE
                 ? qw_sf_snapshot_opportunity(buf, len, min_version, &out, &v, err, sizeof(err))
                 : qw_sf_snapshot_hubspot(buf, len, min_version, &out, &v, err, sizeof(err));
    if (rc != QW_OK) {
        if (out || !err[0]) abort();
        return;
    }
    if (!out || v < min_version || v <= 0) abort();
    check_t c = {v, 0};
    qw_adapter_err_t aerr;
    int n = qw_adapter_parse(&cfg, src, out, strlen(out), sink, &c, &aerr);
    if (c.bad) abort();
    if (n == QW_ERR && aerr.reason == QW_AERR_SINK) abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(QW_SRC_SALESFORCE, (const char *)data, size, 0);
    run(QW_SRC_SALESFORCE, (const char *)data, size, 179472960000000099LL);
    run(QW_SRC_HUBSPOT, (const char *)data, size, 0);
    run(QW_SRC_HUBSPOT, (const char *)data, size, 1794729600009LL);
    return 0;
}
