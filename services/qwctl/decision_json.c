/* JSON to Decision for previews: strict about types (a number where a string belongs is an
 * error naming the field), bounded (audience and evidence counts), nothing allocated. */
#include "decision_json.h"

#include <string.h>

#include "quotawatch/common.h"

static int str(const json_t *o, const char *k, char **out, char *errbuf, size_t errlen)
{
    const json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) {
        *out = "";
        return QW_OK;
    }
    if (!json_is_string(v)) return qw_err_set(errbuf, errlen, "\"%s\" must be a string", k);
    *out = (char *)json_string_value(v);
    return QW_OK;
}

static int num(const json_t *o, const char *k, int64_t *out, char *errbuf, size_t errlen)
{
    const json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) {
        *out = 0;
        return QW_OK;
    }
    if (!json_is_integer(v)) return qw_err_set(errbuf, errlen, "\"%s\" must be an integer", k);
    *out = (int64_t)json_integer_value(v);
    return QW_OK;
}

static int evidence_item(qw_decision_json_t *o, const char *key, const json_t *item, char *errbuf,
                         size_t errlen)
{
    size_t i = o->msg.n_evidence;
    if (i == QW_DJ_EVIDENCE_MAX)
        return qw_err_set(errbuf, errlen, "more than %d evidence entries", QW_DJ_EVIDENCE_MAX);
    if (!json_is_object(item))
        return qw_err_set(errbuf, errlen, "evidence entries must be objects");
    Quotawatch__V1__Evidence *e = &o->ev[i];
    quotawatch__v1__evidence__init(e);
    if (key)
        e->key = (char *)key;
    else if (str(item, "key", &e->key, errbuf, errlen) != QW_OK)
        return QW_ERR;
    if (num(item, "value", &e->value, errbuf, errlen) != QW_OK ||
        str(item, "text", &e->text, errbuf, errlen) != QW_OK)
        return QW_ERR;
    o->evp[i] = e;
    o->msg.n_evidence = i + 1;
    return QW_OK;
}

int qw_decision_json_read(const json_t *doc, qw_decision_json_t *o, char *errbuf, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    quotawatch__v1__decision__init(&o->msg);
    o->msg.audience = o->audience;
    o->msg.evidence = o->evp;
    const json_t *d = doc;
    if (json_is_object(doc) && json_is_object(json_object_get(doc, "value")))
        d = json_object_get(doc, "value");
    if (!json_is_object(d)) return qw_err_set(errbuf, errlen, "a decision must be a JSON object");
    Quotawatch__V1__Decision *m = &o->msg;
    struct {
        const char *k;
        char **dst;
    } strs[] = {{"id", &m->id},
                {"type", &m->type},
                {"rep_id", &m->rep_id},
                {"team_id", &m->team_id},
                {"period", &m->period},
                {"policy_version", &m->policy_version},
                {"quota_version", &m->quota_version},
                {"currency", &m->currency},
                {"summary", &m->summary},
                {"withdraws", &m->withdraws}};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (str(d, strs[i].k, strs[i].dst, errbuf, errlen) != QW_OK) return QW_ERR;
    if (num(d, "time_ms", &m->time_ms, errbuf, errlen) != QW_OK ||
        num(d, "attainment_bp", &m->attainment_bp, errbuf, errlen) != QW_OK ||
        num(d, "credited_minor", &m->credited_minor, errbuf, errlen) != QW_OK ||
        num(d, "quota_minor", &m->quota_minor, errbuf, errlen) != QW_OK)
        return QW_ERR;
    if (!m->id[0] || !m->type[0])
        return qw_err_set(errbuf, errlen, "a decision needs \"id\" and \"type\"");
    const json_t *aud = json_object_get(d, "audience");
    if (aud && !json_is_array(aud))
        return qw_err_set(errbuf, errlen, "\"audience\" must be an array of names");
    size_t i;
    const json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (!json_is_string(v)) return qw_err_set(errbuf, errlen, "audience names are strings");
        if (m->n_audience == QW_DJ_AUDIENCE_MAX)
            return qw_err_set(errbuf, errlen, "more than %d audiences", QW_DJ_AUDIENCE_MAX);
        o->audience[m->n_audience++] = (char *)json_string_value(v);
    }
    const json_t *ev = json_object_get(d, "evidence");
    if (json_is_array(ev)) {
        json_array_foreach(ev, i, v)
        {
            if (evidence_item(o, NULL, v, errbuf, errlen) != QW_OK) return QW_ERR;
        }
    } else if (json_is_object(ev)) {
        const char *k;
        json_object_foreach((json_t *)ev, k, v)
        {
            if (evidence_item(o, k, v, errbuf, errlen) != QW_OK) return QW_ERR;
        }
    } else if (ev && !json_is_null(ev)) {
        return qw_err_set(errbuf, errlen, "\"evidence\" must be an object or an array");
    }
    return QW_OK;
}
