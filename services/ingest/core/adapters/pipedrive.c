/* Pipedrive webhooks v2 ({"meta", "data", "previous"}, meta.action create/change/delete,
 * meta.entity deal); v1 (meta.action added/updated/deleted/merged, meta.object, "current") is
 * read the same way. data is the deal's full current state, so each event is a full patch.
 * Mapping and versions: docs/formats/crm-sources.md. */
#include "adapters/adapt.h"

#include <string.h>

#include "quotawatch/date.h"

enum { PD_CREATE = 0, PD_CHANGE = 1, PD_DELETE = 2 };

static int pd_action(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "create") || !strcmp(s, "added")) return PD_CREATE;
    if (!strcmp(s, "change") || !strcmp(s, "updated") || !strcmp(s, "merged")) return PD_CHANGE;
    if (!strcmp(s, "delete") || !strcmp(s, "deleted")) return PD_DELETE;
    return -1;
}

/* Seconds, milliseconds or microseconds since the epoch, by magnitude. */
static int64_t pd_ms(int64_t t)
{
    if (t < 100000000000LL) return t * 1000;
    if (t < 100000000000000LL) return t;
    return t / 1000;
}

/* "2024-09-27T14:25:28Z" (v2) or "2024-09-27 14:25:28" (v1, UTC). */
static int pd_time(const json_t *v, int64_t *ms)
{
    const char *s;
    size_t len;
    if (qw_j_str(v, &s, &len) != 0 || len < 10 || len > 40) return -1;
    char buf[48];
    memcpy(buf, s, len);
    if (len > 10 && buf[10] == ' ') buf[10] = 'T';
    if (len == 19) buf[len++] = 'Z';
    return qw_time_parse_iso8601(buf, len, ms);
}

static int pd_fields(qw_actx_t *a, const json_t *d, qw_deal_change_t *dc)
{
    const json_t *v;
    if (json_object_get(d, "currency") || json_object_get(d, "value")) {
        v = qw_j_get(d, "currency");
        if (qw_adapt_set_amount(a, dc, QW_SRC_PIPEDRIVE, qw_j_get(d, "value"), v) != QW_OK)
            return QW_ERR;
    }
    if (json_object_get(d, "owner_id") || json_object_get(d, "user_id")) {
        v = qw_j_get(d, "owner_id");
        if (!v) v = qw_j_get(d, "user_id");
        if (json_is_object(v)) v = qw_j_get(v, "id"); /* v1 API objects nest the user */
        if (qw_adapt_id(a, v, dc->owner_id, sizeof(dc->owner_id), "owner_id") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_OWNER;
    }
    if ((v = qw_j_get(d, "pipeline_id"))) {
        if (qw_adapt_text(a, v, dc->pipeline, sizeof(dc->pipeline), "pipeline_id") != QW_OK)
            return QW_ERR;
        dc->present |= QW_DC_PIPELINE;
    }
    if ((v = qw_j_get(d, "stage_id"))) {
        if (qw_adapt_text(a, v, dc->stage, sizeof(dc->stage), "stage_id") != QW_OK) return QW_ERR;
        dc->present |= QW_DC_STAGE;
    }
    const char *st = json_string_value(qw_j_get(d, "status"));
    int deleted = json_is_true(qw_j_get(d, "is_deleted"));
    if (st || deleted) {
        if (deleted || !strcmp(st, "deleted"))
            dc->status = QW_DEAL_DELETED;
        else if (!strcmp(st, "won"))
            dc->status = QW_DEAL_WON;
        else if (!strcmp(st, "lost"))
            dc->status = QW_DEAL_LOST;
        else if (!strcmp(st, "open"))
            dc->status = QW_DEAL_OPEN;
        else
            return qw_actx_fail(a, QW_AERR_BAD_FIELD, "unknown deal status \"%.32s\"", st);
        dc->present |= QW_DC_STATUS;
    } else if (dc->stage[0]) {
        qw_deal_status_t s = qw_stage_map_lookup(a->cfg, QW_SRC_PIPEDRIVE,
                                                 dc->pipeline[0] ? dc->pipeline : NULL, dc->stage);
        if (s != QW_DEAL_UNSPECIFIED) dc->status = s, dc->present |= QW_DC_STATUS;
    }
    /* A closed deal counts on the day it closed; an open one on its expected date. */
    const char *when = dc->status == QW_DEAL_WON    ? "won_time"
                       : dc->status == QW_DEAL_LOST ? "lost_time"
                                                    : NULL;
    int64_t ms;
    if (when && (v = qw_j_get(d, when)) && pd_time(v, &ms) == 0) {
        dc->close_date = qw_date_from_ms(ms);
        dc->present |= QW_DC_CLOSE_DATE;
    } else if (when && v) {
        /* Not Pipedrive's own spelling: a connector's epoch number or date, by magnitude. */
        if (qw_adapt_date(a, v, &dc->close_date) != QW_OK) return QW_ERR;
        if (dc->close_date != QW_DATE_NONE) dc->present |= QW_DC_CLOSE_DATE;
    } else if (json_object_get(d, "expected_close_date")) {
        if (qw_adapt_date(a, qw_j_get(d, "expected_close_date"), &dc->close_date) != QW_OK)
            return QW_ERR;
        if (dc->close_date != QW_DATE_NONE) dc->present |= QW_DC_CLOSE_DATE;
    }
    return QW_OK;
}

int qw_adapt_pipedrive(qw_actx_t *a, json_t *root)
{
    const json_t *meta = qw_j_get(root, "meta");
    if (!json_is_object(meta)) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "no meta object");
    const char *entity = json_string_value(qw_j_get(meta, "entity"));
    if (!entity) entity = json_string_value(qw_j_get(meta, "object"));
    if (!entity) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "meta names no entity");
    if (strcmp(entity, "deal") != 0)
        return qw_actx_fail(a, QW_AERR_NOT_A_DEAL, "webhook for %.32s, not deal", entity);
    int action = pd_action(json_string_value(qw_j_get(meta, "action")));
    if (action < 0) return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "unknown meta.action");
    const json_t *data = qw_j_get(root, "data");
    if (!data) data = qw_j_get(root, "current");
    const json_t *prev = qw_j_get(root, "previous");
    if (data && !json_is_object(data))
        return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "data is not an object");
    if (action != PD_DELETE && !data)
        return qw_actx_fail(a, QW_AERR_UNKNOWN_SHAPE, "create/change without data");

    qw_deal_change_t dc;
    qw_dc_init(&dc, QW_SRC_PIPEDRIVE);
    const json_t *id = qw_j_get(meta, "entity_id");
    if (!id) id = qw_j_get(data, "id");
    if (!id) id = qw_j_get(prev, "id");
    if (!id) id = qw_j_get(meta, "id");
    if (qw_adapt_deal_id(a, &dc, "pipedrive:", id) != QW_OK) return QW_ERR;

    /* Version: when the event happened, x10 plus the action so that a delete orders after a
     * change of the same second (Pipedrive times are whole seconds). */
    int64_t t, ms = -1;
    const json_t *tv = qw_j_get(meta, "timestamp_micro");
    if (!tv) tv = qw_j_get(meta, "timestamp");
    if (tv && qw_j_i64(tv, &t) == 0 && t > 0) {
        ms = pd_ms(t);
    } else if ((tv = qw_j_get(data, "update_time")) && pd_time(tv, &t) == 0) {
        ms = t;
    }
    if (ms < 0 || ms > 100000000000000LL)
        return qw_actx_fail(a, QW_AERR_BAD_VERSION, "no meta.timestamp or data.update_time");
    dc.event_time_ms = ms;
    dc.version = ms * 10 + action;

    if (action == PD_DELETE) {
        dc.status = QW_DEAL_DELETED;
        dc.present = QW_DC_STATUS;
    } else if (pd_fields(a, data, &dc) != QW_OK) {
        return QW_ERR;
    }
    return qw_actx_put(a, &dc);
}
