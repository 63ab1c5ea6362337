/* HubSpot webhooks: a JSON array of events (or one event object), legacy "deal.*" or generic
 * "object.*" subscription types. Each deal event is one patch with version = occurredAt.
 * Events about other objects in the same batch are skipped; a batch with no deal event at all
 * is not_a_deal. Mapping: docs/formats/crm-sources.md. */
#include "adapters/adapt.h"

#include <string.h>

#include "quotawatch/date.h"

static int prop_change(qw_actx_t *a, const json_t *ev, qw_deal_change_t *dc)
{
    const char *name = json_string_value(qw_j_get(ev, "propertyName"));
    const json_t *val = qw_j_get(ev, "propertyValue");
    if (!name) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "propertyChange without propertyName");
    if (strcmp(name, "amount") == 0) return qw_adapt_set_amount(a, dc, QW_SRC_HUBSPOT, val, NULL);
    if (strcmp(name, "deal_currency_code") == 0) {
        if (qw_adapt_currency(a, val, dc->currency) != QW_OK) return QW_ERR;
        dc->present |= QW_DC_CURRENCY;
        return QW_OK;
    }
    if (strcmp(name, "closedate") == 0) {
        if (qw_adapt_date(a, val, &dc->close_date) != QW_OK) return QW_ERR;
        if (dc->close_date == QW_DATE_NONE) return 1; /* cleared: the deal keeps its date */
        dc->present |= QW_DC_CLOSE_DATE;
        return QW_OK;
    }
    if (strcmp(name, "hubspot_owner_id") == 0) {
        if (qw_adapt_id(a, val, dc->owner_id, sizeof(dc->owner_id), "hubspot_owner_id") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_OWNER;
        return QW_OK;
    }
    if (strcmp(name, "pipeline") == 0) {
        if (qw_adapt_text(a, val, dc->pipeline, sizeof(dc->pipeline), "pipeline") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_PIPELINE;
        return QW_OK;
    }
    if (strcmp(name, "dealstage") == 0) {
        if (qw_adapt_text(a, val, dc->stage, sizeof(dc->stage), "dealstage") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_STAGE;
        if (!dc->stage[0]) return QW_OK;
        /* The event does not say the pipeline; HubSpot stage ids are unique across pipelines.
         * A stage no rule names is an open stage: moving there reopens the deal. */
        qw_deal_status_t s = qw_stage_map_lookup(a->cfg, QW_SRC_HUBSPOT, NULL, dc->stage);
        dc->status = s == QW_DEAL_UNSPECIFIED ? QW_DEAL_OPEN : s;
        dc->present |= QW_DC_STATUS;
        return QW_OK;
    }
    return 1; /* a property we do not track: no patch */
}

/* Kind of a deal event, or NULL when the event is about another object. */
static const char *deal_event_kind(const json_t *ev, int *is_deal)
{
    const char *t = json_string_value(qw_j_get(ev, "subscriptionType"));
    *is_deal = 0;
    if (!t) return NULL;
    if (strncmp(t, "deal.", 5) == 0) {
        *is_deal = 1;
        return t + 5;
    }
    if (strncmp(t, "object.", 7) == 0) {
        const char *type = json_string_value(qw_j_get(ev, "objectTypeId"));
        if (type && strcmp(type, "0-3") == 0) { /* 0-3 is HubSpot's deal object type */
            *is_deal = 1;
            return t + 7;
        }
    }
    return t;
}

static int one_event(qw_actx_t *a, const json_t *ev, int *deals)
{
    int is_deal;
    if (!json_is_object(ev))
        return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "event is not an object");
    const char *kind = deal_event_kind(ev, &is_deal);
    if (!kind) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "event without subscriptionType");
    if (!is_deal) return QW_OK;
    (*deals)++;

    qw_deal_change_t dc;
    qw_dc_init(&dc, QW_SRC_HUBSPOT);
    const json_t *t = qw_j_get(ev, "occurredAt");
    if (!t || qw_adapt_time_ms(a, t, &dc.event_time_ms) != QW_OK)
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "no usable occurredAt");
    dc.version = dc.event_time_ms;

    if (strcmp(kind, "merge") == 0) {
        /* The survivor's state is now a combination: resync it; the others are gone. */
        const json_t *primary = qw_j_get(ev, "primaryObjectId");
        if (!primary) primary = qw_j_get(ev, "objectId");
        if (qw_adapt_deal_id(a, &dc, "hubspot:", primary) != QW_OK) return QW_ERR;
        dc.flags = QW_DCF_GAP;
        if (qw_actx_put(a, &dc) != QW_OK) return QW_ERR;
        char keep[QW_ID_MAX];
        memcpy(keep, dc.deal_id, sizeof(keep));
        const json_t *merged = qw_j_get(ev, "mergedObjectIds");
        size_t i;
        json_t *m;
        json_array_foreach(merged, i, m)
        {
            qw_deal_change_t del = dc;
            del.flags = 0;
            del.status = QW_DEAL_DELETED;
            del.present = QW_DC_STATUS;
            if (qw_adapt_deal_id(a, &del, "hubspot:", m) != QW_OK) return QW_ERR;
            if (strcmp(del.deal_id, keep) == 0) continue;
            if (qw_actx_put(a, &del) != QW_OK) return QW_ERR;
        }
        return QW_OK;
    }
    if (qw_adapt_deal_id(a, &dc, "hubspot:", qw_j_get(ev, "objectId")) != QW_OK) return QW_ERR;
    if (strcmp(kind, "propertyChange") == 0) {
        int rc = prop_change(a, ev, &dc);
        if (rc == QW_ERR) return QW_ERR;
        if (rc == 1) return QW_OK;
    } else if (strcmp(kind, "deletion") == 0) {
        dc.status = QW_DEAL_DELETED;
        dc.present = QW_DC_STATUS;
    } else if (strcmp(kind, "restore") == 0) {
        dc.flags = QW_DCF_GAP; /* back from the recycle bin in a state the event does not say */
    } else {
        /* creation carries no properties (their values follow as propertyChange events of the
         * same occurredAt; an empty patch there would only compete for the version);
         * associationChange, privacyDeletion, ...: nothing a deal patch holds. */
        return QW_OK;
    }
    return qw_actx_put(a, &dc);
}

int qw_adapt_hubspot(qw_actx_t *a, json_t *root)
{
    int deals = 0;
    if (json_is_object(root)) {
        if (one_event(a, root, &deals) != QW_OK) return QW_ERR;
    } else if (json_is_array(root)) {
        if (json_array_size(root) == 0)
            return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "empty event array");
        size_t i;
        json_t *ev;
        json_array_foreach(root, i, ev)
        {
            a->index = (int)i;
            if (one_event(a, ev, &deals) != QW_OK) return QW_ERR;
        }
        a->index = -1;
    } else {
        return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "not an array of webhook events");
    }
    if (deals == 0) return qw_actx_fail(a, QW_AERR_NOT_A_DEAL, "no deal event in the message");
    return QW_OK;
}
