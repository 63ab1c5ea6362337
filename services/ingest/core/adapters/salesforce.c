/* Salesforce Change Data Capture for Opportunity, in the shapes that reach Kafka:
 *  - the streaming (CometD) message {"channel", "data": {"schema", "payload", "event"}},
 *  - {"schema", "payload"}: CometD data alone, or a Kafka Connect JsonConverter envelope,
 *  - the flat record of the Confluent Salesforce CDC source connector (schemaless JSON),
 *    or any decoded event body with a ChangeEventHeader at the top.
 * One patch per record id. Mapping and versions: docs/formats/crm-sources.md. */
#include "adapters/adapt.h"

#include <string.h>

/* changeType values; anything else is treated as a gap (state unknown), never dropped. */
enum { SF_CREATE, SF_UPDATE, SF_DELETE, SF_UNDELETE, SF_GAP };

typedef struct {
    const json_t *body;
    const json_t *changed; /* changedFields when usable (names, not Pub/Sub bitmaps) */
    const json_t *nulled;
    int kind;
    int connect; /* a Kafka Connect record: every field is present, unchanged ones null */
} sf_t;

static int list_has(const json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strcmp(s, name) == 0) return 1;
    }
    return 0;
}

/* Pub/Sub API clients may pass changedFields on as bitmaps ("0x1A", "3-0x02"): unusable
 * without the event schema, so such a list is ignored and the body's values decide. */
static int list_usable(const json_t *list)
{
    size_t i;
    json_t *v;
    if (!json_is_array(list) || json_array_size(list) == 0) return 0;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || strstr(s, "0x") == s || strstr(s, "-0x")) return 0;
    }
    return 1;
}

/* The value of a field if this event changes it. *set = 1 when it changes (value NULL means
 * set to null), 0 when the event says nothing about it. */
static const json_t *sf_field(const sf_t *sf, const char *name, int *set)
{
    json_t *v = json_object_get(sf->body, name);
    const json_t *val = json_is_null(v) ? NULL : v;
    *set = 0;
    if (sf->kind == SF_UPDATE) {
        if (sf->changed || sf->nulled) {
            *set = (sf->changed && list_has(sf->changed, name)) ||
                   (sf->nulled && list_has(sf->nulled, name));
        } else {
            /* CometD bodies carry only changed fields, null = set to null; Connect records
             * carry every field, so only non-null values there are changes. */
            *set = sf->connect ? val != NULL : v != NULL;
        }
    } else {
        *set = val != NULL; /* create/undelete bodies: every non-empty field */
    }
    return *set ? val : NULL;
}

static int sf_kind(const char *t)
{
    if (!t) return -1;
    if (strcmp(t, "CREATE") == 0) return SF_CREATE;
    if (strcmp(t, "UPDATE") == 0) return SF_UPDATE;
    if (strcmp(t, "DELETE") == 0) return SF_DELETE;
    if (strcmp(t, "UNDELETE") == 0) return SF_UNDELETE;
    return SF_GAP; /* GAP_CREATE/UPDATE/DELETE/UNDELETE, GAP_OVERFLOW, and unknown ones */
}

/* Status from IsWon/IsClosed (the org's own stage metadata), else the stage map. Only fields
 * this event changes count; see docs for why "IsWon false alone" means lost. */
static int sf_status(qw_actx_t *a, const sf_t *sf, qw_deal_change_t *dc)
{
    int won_set, closed_set, stage_set, won = 0, closed = 0;
    const json_t *w = sf_field(sf, "IsWon", &won_set);
    const json_t *c = sf_field(sf, "IsClosed", &closed_set);
    const json_t *st = sf_field(sf, "StageName", &stage_set);
    if (w && qw_j_bool(w, &won) != 0) return qw_actx_fail(a, QW_AERR_BAD_FIELD, "IsWon");
    if (c && qw_j_bool(c, &closed) != 0) return qw_actx_fail(a, QW_AERR_BAD_FIELD, "IsClosed");
    if (stage_set) {
        if (qw_adapt_text(a, st, dc->stage, sizeof(dc->stage), "StageName") != QW_OK) return QW_ERR;
        dc->present |= QW_DC_STAGE;
    }
    qw_deal_status_t s = QW_DEAL_UNSPECIFIED;
    if (w && won)
        s = QW_DEAL_WON;
    else if (c && !closed)
        s = QW_DEAL_OPEN;
    else if (c && closed)
        s = QW_DEAL_LOST; /* closed and not (newly) won */
    else if (w && !won)
        s = sf->kind == SF_UPDATE ? QW_DEAL_LOST /* was won, still closed */ : QW_DEAL_OPEN;
    else if (stage_set && dc->stage[0])
        s = qw_stage_map_lookup(a->cfg, QW_SRC_SALESFORCE, NULL, dc->stage);
    if (s != QW_DEAL_UNSPECIFIED) {
        dc->status = s;
        dc->present |= QW_DC_STATUS;
    }
    return QW_OK;
}

static int sf_fields(qw_actx_t *a, const sf_t *sf, qw_deal_change_t *dc)
{
    int set, amount_set, cur_set;
    if (sf_status(a, sf, dc) != QW_OK) return QW_ERR;
    const json_t *cur = sf_field(sf, "CurrencyIsoCode", &cur_set);
    const json_t *amount = sf_field(sf, "Amount", &amount_set);
    if (cur) {
        if (qw_adapt_currency(a, cur, dc->currency) != QW_OK) return QW_ERR;
        dc->present |= QW_DC_CURRENCY;
    }
    if (amount_set && qw_adapt_set_amount(a, dc, QW_SRC_SALESFORCE, amount, NULL) != QW_OK)
        return QW_ERR;
    const json_t *v = sf_field(sf, "CloseDate", &set);
    if (set) {
        if (qw_adapt_date(a, v, &dc->close_date) != QW_OK) return QW_ERR;
        /* A deal always has a close date in the ledger: a nulled one keeps the old one. */
        if (dc->close_date != QW_DATE_NONE) dc->present |= QW_DC_CLOSE_DATE;
    }
    v = sf_field(sf, "OwnerId", &set);
    if (set) {
        if (qw_adapt_id(a, v, dc->owner_id, sizeof(dc->owner_id), "OwnerId") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_OWNER;
    }
    return QW_OK;
}

int qw_adapt_salesforce(qw_actx_t *a, json_t *root)
{
    sf_t sf = {0};
    const json_t *data = qw_j_get(root, "data");
    const json_t *body = NULL;
    if (qw_j_get(qw_j_get(data, "payload"), "ChangeEventHeader")) {
        body = qw_j_get(data, "payload"); /* CometD message */
    } else if (qw_j_get(qw_j_get(root, "payload"), "ChangeEventHeader")) {
        body = qw_j_get(root, "payload"); /* data alone, or a Connect schema envelope */
        sf.connect = json_is_object(qw_j_get(root, "schema"));
    } else if (qw_j_get(root, "ChangeEventHeader")) {
        body = root;
    }
    if (!body)
        return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "no ChangeEventHeader: not a CDC event");
    if (qw_j_get(body, "_ObjectType") || qw_j_get(body, "ReplayId")) sf.connect = 1;
    sf.body = body;
    const json_t *h = qw_j_get(body, "ChangeEventHeader");
    if (!json_is_object(h)) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "ChangeEventHeader");

    const char *entity = json_string_value(qw_j_get(h, "entityName"));
    if (!entity) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "no entityName");
    if (strcmp(entity, "Opportunity") != 0)
        return qw_actx_fail(a, QW_AERR_NOT_A_DEAL, "change event for %.64s, not Opportunity",
                            entity);
    sf.kind = sf_kind(json_string_value(qw_j_get(h, "changeType")));
    if (sf.kind < 0) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "no changeType");
    const json_t *ch = qw_j_get(h, "changedFields");
    const json_t *nu = qw_j_get(h, "nulledFields");
    sf.changed = list_usable(ch) ? ch : NULL;
    sf.nulled = list_usable(nu) ? nu : NULL;

    int64_t ts, seq = 0;
    const json_t *tsv = qw_j_get(h, "commitTimestamp");
    if (!tsv || qw_adapt_time_ms(a, tsv, &ts) != QW_OK)
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "no usable commitTimestamp");
    /* The version below is ts * 100000 + seq; beyond year 4892 it would not fit in int64. */
    if (ts > (INT64_MAX - 99999) / 100000)
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "commitTimestamp too far in the future");
    const json_t *sqv = qw_j_get(h, "sequenceNumber");
    if (sqv && (qw_j_i64(sqv, &seq) != 0 || seq < 0 || seq > 99999))
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "sequenceNumber out of 0..99999");

    /* One template patch; only deal_id differs between the record ids. */
    qw_deal_change_t dc;
    qw_dc_init(&dc, QW_SRC_SALESFORCE);
    dc.version = ts * 100000 + seq; /* commit order, then order within the transaction */
    dc.event_time_ms = ts;
    if (sf.kind == SF_DELETE) {
        dc.status = QW_DEAL_DELETED;
        dc.present = QW_DC_STATUS;
    } else if (sf.kind == SF_GAP) {
        dc.flags = QW_DCF_GAP;
    } else {
        if (sf_fields(a, &sf, &dc) != QW_OK) return QW_ERR;
        /* Undeleted without saying its state: resync rather than guess. */
        if (sf.kind == SF_UNDELETE && !(dc.present & QW_DC_STATUS)) dc.flags = QW_DCF_GAP;
        /* An update of fields we do not track (Description, Probability): no patch. */
        if (sf.kind == SF_UPDATE && !dc.present) return QW_OK;
    }

    const json_t *ids = qw_j_get(h, "recordIds");
    if (ids && !json_is_array(ids)) return qw_actx_fail(a, QW_AERR_NO_DEAL_ID, "recordIds");
    size_t n = ids ? json_array_size(ids) : 0;
    if (n == 0) {
        const json_t *id = qw_j_get(body, "Id");
        if (id) {
            if (qw_adapt_deal_id(a, &dc, "salesforce:", id) != QW_OK) return QW_ERR;
            return qw_actx_put(a, &dc);
        }
        if (sf.kind != SF_GAP) return qw_actx_fail(a, QW_AERR_NO_DEAL_ID, "no recordIds");
        /* GAP_OVERFLOW names no records: every deal of the source needs a resync. */
        snprintf(dc.deal_id, sizeof(dc.deal_id), "salesforce:*");
        return qw_actx_put(a, &dc);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *id = json_array_get(ids, i);
        const char *s;
        size_t len;
        if (qw_j_str(id, &s, &len) == 0 && len && s[len - 1] == '*') {
            /* "006*": a change to every record of the object (field type conversion). */
            qw_deal_change_t g = dc;
            g.present = 0;
            g.flags = QW_DCF_GAP;
            snprintf(g.deal_id, sizeof(g.deal_id), "salesforce:*");
            if (qw_actx_put(a, &g) != QW_OK) return QW_ERR;
            continue;
        }
        if (qw_adapt_deal_id(a, &dc, "salesforce:", id) != QW_OK) return QW_ERR;
        if (qw_actx_put(a, &dc) != QW_OK) return QW_ERR;
    }
    return QW_OK;
}
