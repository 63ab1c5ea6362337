/* HubSpot deal records (CRM v3 objects API) -> full webhook-batch snapshots. */
#include "sf_snapshot.h"

#include <jansson.h>
#include <string.h>

#include "quotawatch/date.h"

static const char *const props[] = {"amount",   "deal_currency_code", "closedate",
                                    "pipeline", "hubspot_owner_id",   "dealstage"};

static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

static json_t *event(const char *type, const char *id, int64_t version)
{
    return json_pack("{s:s, s:s, s:I, s:s}", "subscriptionType", type, "objectId", id, "occurredAt",
                     (json_int_t)version, "changeSource", "QUOTAWATCH_RESYNC");
}

char *qw_sf_snapshot_hubspot_deleted(const char *id, int64_t version)
{
    if (!qw_sf_hs_id_valid(id) || version <= 0) return NULL;
    return dump(json_pack("[o]", event("deal.deletion", id, version)));
}

/* One propertyChange per tracked property; a null one is sent as "" (cleared). A missing
 * dealstage is left out: the adapter reads "" as a stage. */
static char *build(const json_t *p, const char *id, int64_t version)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < sizeof(props) / sizeof(props[0]); i++) {
        json_t *v = json_object_get(p, props[i]);
        const char *s = json_string_value(v);
        if (!v || (!s && !json_is_null(v))) continue;
        if (!s && !strcmp(props[i], "dealstage")) continue;
        json_t *ev = event("deal.propertyChange", id, version);
        if (!ev || json_object_set_new(ev, "propertyName", json_string(props[i])) ||
            json_object_set_new(ev, "propertyValue", json_string(s ? s : "")) ||
            json_array_append_new(arr, ev)) {
            json_decref(arr);
            return NULL;
        }
    }
    return dump(arr);
}

int qw_sf_snapshot_hubspot(const char *rec, size_t len, int64_t min_version, char **out,
                           int64_t *version, char *errbuf, size_t errlen)
{
    *out = NULL;
    json_t *root = qw_sf_record_load(rec, len, errbuf, errlen);
    if (!root) return QW_ERR;
    int rc = QW_ERR;
    const char *id = json_string_value(json_object_get(root, "id"));
    const json_t *p = json_object_get(root, "properties");
    const char *up = json_string_value(json_object_get(root, "updatedAt"));
    if (!up) up = json_string_value(json_object_get(p, "hs_lastmodifieddate"));
    int64_t t;
    if (!qw_sf_hs_id_valid(id)) {
        qw_err_set(errbuf, errlen, "record without a valid id");
    } else if (!json_is_object(p)) {
        qw_err_set(errbuf, errlen, "record without properties");
    } else if (!up || qw_time_parse_iso8601(up, strlen(up), &t) || t <= 0) {
        qw_err_set(errbuf, errlen, "record without a usable updatedAt");
    } else {
        *version = t > min_version ? t : min_version;
        *out = json_is_true(json_object_get(root, "archived"))
                   ? qw_sf_snapshot_hubspot_deleted(id, *version)
                   : build(p, id, *version);
        rc = *out ? QW_OK : qw_err_set(errbuf, errlen, "out of memory");
    }
    json_decref(root);
    return rc;
}
