#include "gw_request.h"

#include <string.h>

static const char *const names[QW_GW_SOURCES] = {"hubspot", "pipedrive", "canonical"};

const char *qw_gw_source_name(qw_gw_source_t src)
{
    return (unsigned)src < QW_GW_SOURCES ? names[src] : "unknown";
}

int qw_gw_route(const char *uri, qw_gw_source_t *src)
{
    static const char pre[] = "/v1/";
    if (!uri || strncmp(uri, pre, sizeof(pre) - 1)) return -1;
    const char *n = uri + sizeof(pre) - 1;
    size_t len = strcspn(n, "?");
    for (int i = 0; i < QW_GW_SOURCES; i++)
        if (strlen(names[i]) == len && !memcmp(n, names[i], len)) {
            *src = (qw_gw_source_t)i;
            return 0;
        }
    return -1;
}

static void set(qw_gw_outcome_t *o, int status, const char *reason)
{
    o->status = status;
    o->reason = reason;
}

void qw_gw_judge_head(const qw_gw_auth_t *a, const char *method, const char *uri,
                      int64_t content_length, qw_gw_outcome_t *o)
{
    memset(o, 0, sizeof(*o));
    set(o, 0, "accepted");
    if (qw_gw_route(uri, &o->src) || a->secrets[o->src].n == 0) return set(o, 404, "not_found");
    if (!method || strcmp(method, "POST")) return set(o, 405, "method");
    if (content_length >= 0 && (uint64_t)content_length > a->max_body)
        return set(o, 413, "too_large");
}

static const char *hdr(const qw_gw_req_t *r, const char *name)
{
    return r->header ? r->header(r->hopaque, name) : NULL;
}

void qw_gw_judge(const qw_gw_auth_t *a, const qw_gw_req_t *r, qw_gw_outcome_t *o)
{
    qw_gw_judge_head(a, r->method, r->uri, (int64_t)r->body_len, o);
    if (o->status) return;
    const qw_gw_secrets_t *s = &a->secrets[o->src];
    int which = -1;
    qw_gw_verdict_t v = QW_GW_MISSING;
    switch (o->src) {
    case QW_GW_SRC_HUBSPOT: {
        char uri[QW_GW_URI_MAX];
        if (qw_gw_hubspot_uri(a->public_url, r->uri, uri, sizeof(uri))) break;
        const char *v3 = hdr(r, "X-HubSpot-Signature-v3");
        if (!v3 && a->hubspot_legacy && hdr(r, "X-HubSpot-Signature"))
            v = qw_gw_hubspot_legacy_verify(s, hdr(r, "X-HubSpot-Signature-Version"), r->method,
                                            uri, r->body, r->body_len,
                                            hdr(r, "X-HubSpot-Signature"), &which);
        else
            v = qw_gw_hubspot_verify(s, r->method, uri, r->body, r->body_len,
                                     hdr(r, "X-HubSpot-Request-Timestamp"), v3, r->now_ms, &which);
        break;
    }
    case QW_GW_SRC_PIPEDRIVE:
        v = qw_gw_basic_verify(s, hdr(r, "Authorization"), &which);
        break;
    case QW_GW_SRC_CANONICAL:
        v = qw_gw_canonical_verify(s, hdr(r, "webhook-id"), hdr(r, "webhook-timestamp"),
                                   hdr(r, "webhook-signature"), r->body, r->body_len, r->now_ms,
                                   &which);
        break;
    }
    if (v == QW_GW_OK && which >= 0)
        v = qw_gw_body_inspect(o->src, r->body, r->body_len, o->key);
    else if (v == QW_GW_OK)
        v = QW_GW_BAD_SIGNATURE; /* cannot happen: a match always names its secret */
    if (v != QW_GW_OK) return set(o, v == QW_GW_BAD_SHAPE ? 400 : 401, qw_gw_verdict_name(v));
    o->principal = s->label[which];
}
