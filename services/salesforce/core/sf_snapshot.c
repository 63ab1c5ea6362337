/* Salesforce Opportunity records (REST) -> full change-event snapshots. */
#include "sf_snapshot.h"

#include <jansson.h>
#include <string.h>

#include "quotawatch/date.h"

/* The Opportunity fields the adapter maps (CurrencyIsoCode only exists in multi-currency orgs). */
static const char *const fields[] = {"Amount",    "CurrencyIsoCode", "CloseDate", "OwnerId",
                                     "StageName", "IsClosed",        "IsWon"};

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int qw_sf_record_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n != 15 && n != 18) return 0;
    for (size_t i = 0; i < n; i++)
        if (!alnum(id[i])) return 0;
    return 1;
}

int qw_sf_hs_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 19) return 0;
    for (size_t i = 0; i < n; i++)
        if (id[i] < '0' || id[i] > '9') return 0;
    return 1;
}

static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return s;
}

static json_t *header(const char *id, const char *type, int64_t version)
{
    return json_pack("{s:s, s:[s], s:s, s:s, s:I, s:I}", "entityName", "Opportunity", "recordIds",
                     id, "changeType", type, "changeOrigin", "quotawatch/resync", "commitTimestamp",
                     (json_int_t)(version / 100000), "sequenceNumber",
                     (json_int_t)(version % 100000));
}

char *qw_sf_snapshot_opportunity_deleted(const char *id, int64_t version)
{
    if (!qw_sf_record_id_valid(id) || version <= 0) return NULL;
    return dump(
        json_pack("{s:o, s:s}", "ChangeEventHeader", header(id, "DELETE", version), "Id", id));
}

/* Every tracked field, with its value; the nulled ones also in nulledFields. */
static int copy_fields(const json_t *rec, json_t *out, json_t *changed, json_t *nulled)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        json_t *v = json_object_get(rec, fields[i]);
        if (!v) continue; /* not in this org (CurrencyIsoCode) or not readable */
        if (json_object_set(out, fields[i], v) ||
            json_array_append_new(json_is_null(v) ? nulled : changed, json_string(fields[i])))
            return QW_ERR;
    }
    return QW_OK;
}

static int build(const json_t *rec, const char *id, int64_t version, char **out)
{
    json_t *body = json_object(), *changed = json_array(), *nulled = json_array();
    json_t *h = header(id, "UPDATE", version);
    int rc = QW_ERR;
    if (body && changed && nulled && h && !copy_fields(rec, body, changed, nulled) &&
        !json_object_set(h, "changedFields", changed) &&
        !json_object_set(h, "nulledFields", nulled) &&
        !json_object_set_new(body, "ChangeEventHeader", h)) {
        h = NULL;
        json_object_set_new(body, "Id", json_string(id));
        *out = dump(body);
        body = NULL;
        rc = *out ? QW_OK : QW_ERR;
    }
    json_decref(h);
    json_decref(body);
    json_decref(changed);
    json_decref(nulled);
    return rc;
}

json_t *qw_sf_record_load(const char *rec, size_t len, char *errbuf, size_t errlen)
{
    if (len > QW_SF_REC_MAX) {
        qw_err_set(errbuf, errlen, "record over 1 MiB");
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(rec, len, JSON_DECODE_INT_AS_REAL, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        qw_err_set(errbuf, errlen, "record is not a JSON object");
        return NULL;
    }
    return root;
}

int qw_sf_snapshot_opportunity(const char *rec, size_t len, int64_t min_version, char **out,
                               int64_t *version, char *errbuf, size_t errlen)
{
    *out = NULL;
    json_t *root = qw_sf_record_load(rec, len, errbuf, errlen);
    if (!root) return QW_ERR;
    int rc = QW_ERR;
    const char *type =
        json_string_value(json_object_get(json_object_get(root, "attributes"), "type"));
    const char *id = json_string_value(json_object_get(root, "Id"));
    const char *ms = json_string_value(json_object_get(root, "SystemModstamp"));
    if (!ms) ms = json_string_value(json_object_get(root, "LastModifiedDate"));
    int64_t t;
    if (type && strcmp(type, "Opportunity")) {
        qw_err_set(errbuf, errlen, "record of type %.32s, not Opportunity", type);
    } else if (!qw_sf_record_id_valid(id)) {
        qw_err_set(errbuf, errlen, "record without a valid Id");
    } else if (!ms || qw_time_parse_iso8601(ms, strlen(ms), &t) || t <= 0 ||
               t > (INT64_MAX - 99999) / 100000) {
        qw_err_set(errbuf, errlen, "record without a usable SystemModstamp");
    } else {
        *version = t * 100000 + 99999 > min_version ? t * 100000 + 99999 : min_version;
        if (json_is_true(json_object_get(root, "IsDeleted"))) {
            *out = qw_sf_snapshot_opportunity_deleted(id, *version);
            rc = *out ? QW_OK : qw_err_set(errbuf, errlen, "out of memory");
        } else {
            rc = build(root, id, *version, out) ? qw_err_set(errbuf, errlen, "out of memory")
                                                : QW_OK;
        }
    }
    json_decref(root);
    return rc;
}
