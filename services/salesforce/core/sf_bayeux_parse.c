/* Bayeux replies: the /meta/ message answered, its advice, and the data messages of the
 * subscribed channel (a /meta/connect reply carries the events that arrived meanwhile). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_bayeux.h"

#define QW_SF_EVENTS_MAX 10000 /* Salesforce hands out far fewer per connect */

qw_sf_next_t qw_sf_classify(const char *meta, const char *error, const char *reconnect)
{
    const char *e = error ? error : "";
    if (strstr(e, "403::") == e && strstr(e, "nknown client")) return QW_SF_NEXT_HANDSHAKE;
    if (strstr(e, "401::") == e) return QW_SF_NEXT_LOGIN;
    if (meta && !strcmp(meta, "/meta/subscribe") && strstr(e, "replayId") && strstr(e, "invalid"))
        return QW_SF_NEXT_REPLAY_EXPIRED;
    if (reconnect && !strcmp(reconnect, "handshake")) return QW_SF_NEXT_HANDSHAKE;
    if (reconnect && !strcmp(reconnect, "none")) return QW_SF_NEXT_STOP;
    return *e ? QW_SF_NEXT_RETRY : QW_SF_NEXT_OK;
}

int qw_sf_change_is_gap(const char *ct)
{
    static const char *const known[] = {"CREATE", "UPDATE", "DELETE", "UNDELETE"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(ct, known[i])) return 0;
    return 1;
}

/* A JSON number as an integer in [lo, hi], else def: a real out of range (1e48 from a hostile
 * server) must not reach a cast, whose result is undefined (found by fuzz_salesforce_bayeux). */
static int64_t num_in(const json_t *v, int64_t lo, int64_t hi, int64_t def)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i < lo ? lo : i > hi ? hi : (int64_t)i;
    }
    if (!json_is_real(v)) return def;
    double d = json_real_value(v);
    if (!(d >= (double)lo && d <= (double)hi)) return def; /* NaN fails both */
    return (int64_t)d;
}

#define QW_SF_ADVICE_MAX_MS (24LL * 3600 * 1000)

static void parse_advice(const json_t *a, qw_sf_advice_t *adv)
{
    adv->interval_ms = adv->timeout_ms = -1;
    if (!json_is_object(a)) return;
    adv->present = 1;
    const char *rc = json_string_value(json_object_get(a, "reconnect"));
    if (rc && strlen(rc) < sizeof(adv->reconnect)) strcpy(adv->reconnect, rc);
    /* Negative: absent; beyond a day: a day (a server cannot park us for longer). */
    const json_t *v = json_object_get(a, "interval");
    if (json_is_number(v) && json_number_value(v) >= 0)
        adv->interval_ms = num_in(v, 0, QW_SF_ADVICE_MAX_MS, QW_SF_ADVICE_MAX_MS);
    v = json_object_get(a, "timeout");
    if (json_is_number(v) && json_number_value(v) >= 0)
        adv->timeout_ms = num_in(v, 0, QW_SF_ADVICE_MAX_MS, QW_SF_ADVICE_MAX_MS);
}

static int parse_ids(const json_t *ids, qw_sf_event_t *ev)
{
    size_t n = json_is_array(ids) ? json_array_size(ids) : 0;
    if (!n) return QW_OK;
    ev->record_ids = calloc(n, sizeof(char *));
    if (!ev->record_ids) return QW_ERR;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(ids, i));
        if (!s) continue;
        if (!(ev->record_ids[ev->nrecord_ids] = strdup(s))) return QW_ERR;
        ev->nrecord_ids++;
    }
    return QW_OK;
}

/* One data message; QW_ERR when it is not a usable event (no payload or replay id). */
static int parse_event(const json_t *m, qw_sf_event_t *ev, char *errbuf, size_t errlen)
{
    const json_t *data = json_object_get(m, "data");
    const json_t *payload = json_object_get(data, "payload");
    const json_t *rid = json_object_get(json_object_get(data, "event"), "replayId");
    if (!json_is_object(payload)) return qw_err_set(errbuf, errlen, "event without data.payload");
    if (!json_is_number(rid))
        return qw_err_set(errbuf, errlen, "event without data.event.replayId");
    double d = json_number_value(rid);
    if (json_is_real(rid) && (d < 0 || d > 9e15 || d != (double)(int64_t)d))
        return qw_err_set(errbuf, errlen, "replayId is not an integer");
    ev->replay_id = json_is_integer(rid) ? json_integer_value(rid) : (int64_t)d;
    if (ev->replay_id < 0) return qw_err_set(errbuf, errlen, "negative replayId");
    ev->payload = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!ev->payload) return qw_err_set(errbuf, errlen, "out of memory");
    ev->payload_len = strlen(ev->payload);
    const json_t *h = json_object_get(payload, "ChangeEventHeader");
    const char *ct = json_string_value(json_object_get(h, "changeType"));
    if (ct) snprintf(ev->change_type, sizeof(ev->change_type), "%.31s", ct);
    ev->gap = ct && qw_sf_change_is_gap(ct);
    const json_t *v = json_object_get(h, "commitTimestamp");
    ev->commit_ms = num_in(v, 0, INT64_MAX / 2, 0);
    v = json_object_get(h, "sequenceNumber");
    ev->sequence = num_in(v, 0, INT64_MAX / 2, 0);
    if (parse_ids(json_object_get(h, "recordIds"), ev)) return qw_err_set(errbuf, errlen, "oom");
    return QW_OK;
}

static int parse_meta(const json_t *m, const char *meta, qw_sf_reply_t *r)
{
    r->have_meta = 1;
    r->successful = json_is_true(json_object_get(m, "successful"));
    const char *id = json_string_value(json_object_get(m, "clientId"));
    if (id && strlen(id) < sizeof(r->client_id)) strcpy(r->client_id, id);
    const char *e = json_string_value(json_object_get(m, "error"));
    if (e) snprintf(r->error, sizeof(r->error), "%s", e);
    if (!r->successful && !*r->error) snprintf(r->error, sizeof(r->error), "%s refused", meta);
    parse_advice(json_object_get(m, "advice"), &r->advice);
    return QW_OK;
}

static int parse_all(const json_t *root, const char *meta, const char *channel, qw_sf_reply_t *r,
                     char *errbuf, size_t errlen)
{
    size_t n = json_array_size(root);
    if (n > QW_SF_EVENTS_MAX) return qw_err_set(errbuf, errlen, "%zu messages in one reply", n);
    r->events = calloc(n ? n : 1, sizeof(*r->events));
    if (!r->events) return qw_err_set(errbuf, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(root, i);
        const char *ch = json_string_value(json_object_get(m, "channel"));
        if (!json_is_object(m) || !ch)
            return qw_err_set(errbuf, errlen, "message %zu: no channel", i);
        if (!strcmp(ch, meta) && !r->have_meta) {
            parse_meta(m, meta, r);
        } else if (channel && !strcmp(ch, channel)) {
            char e[QW_ERRSTR_MAX];
            if (parse_event(m, &r->events[r->nevents], e, sizeof(e)) != QW_OK) {
                r->nevents++; /* freed with the others */
                return qw_err_set(errbuf, errlen, "message %zu: %s", i, e);
            }
            r->nevents++;
        }
    }
    if (!r->have_meta) return qw_err_set(errbuf, errlen, "no %s message in the reply", meta);
    return QW_OK;
}

int qw_sf_reply_parse(const char *buf, size_t len, const char *meta, const char *channel,
                      qw_sf_reply_t *r, char *errbuf, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) /* a replay id or number beyond 64 bits: read numbers as doubles */
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
    if (!root) return qw_err_set(errbuf, errlen, "not JSON: %s", je.text);
    int rc = json_is_array(root) ? parse_all(root, meta, channel, r, errbuf, errlen)
                                 : qw_err_set(errbuf, errlen, "not a JSON array of messages");
    json_decref(root);
    if (rc != QW_OK) {
        qw_sf_reply_free(r);
        return QW_ERR;
    }
    r->next = r->successful && !*r->error ? QW_SF_NEXT_OK
                                          : qw_sf_classify(meta, r->error, r->advice.reconnect);
    if (r->next == QW_SF_NEXT_OK && !r->successful) r->next = QW_SF_NEXT_RETRY;
    if (r->next == QW_SF_NEXT_OK && !strcmp(r->advice.reconnect, "handshake"))
        r->next = QW_SF_NEXT_HANDSHAKE;
    return QW_OK;
}

void qw_sf_reply_free(qw_sf_reply_t *r)
{
    for (size_t i = 0; i < r->nevents; i++) {
        free(r->events[i].payload);
        for (size_t j = 0; j < r->events[i].nrecord_ids; j++)
            free(r->events[i].record_ids[j]);
        free(r->events[i].record_ids);
    }
    free(r->events);
    memset(r, 0, sizeof(*r));
}
