/* qw_decision_t <-> protobuf Decision. */
#include "decision_pb.h"

#include <stdio.h>
#include <string.h>

void qw_decision_pb_fill(qw_decision_pb_t *o, const qw_decision_t *d)
{
    /* protobuf-c wants char*; the message is only read (packed), never written through. */
    qw_decision_t *m = (qw_decision_t *)d;
    quotawatch__v1__decision__init(&o->msg);
    o->msg.id = m->id;
    o->msg.type = m->type;
    o->msg.rep_id = m->rep_id;
    o->msg.team_id = m->team_id;
    o->msg.period = m->period;
    o->msg.time_ms = m->time_ms;
    o->msg.n_audience = 0;
    for (int a = 0; a < QW_AUD_DECISION_COUNT; a++)
        if (QW_AUDSET_HAS(m->audience, a))
            o->audience[o->msg.n_audience++] = (char *)qw_aud_name((qw_aud_t)a);
    o->msg.audience = o->audience;
    o->msg.policy_version = m->policy_version;
    o->msg.quota_version = m->quota_version;
    o->msg.attainment_bp = m->attainment_bp;
    o->msg.credited_minor = m->credited_minor;
    o->msg.quota_minor = m->quota_minor;
    o->msg.currency = m->currency;
    int n = m->nevidence < QW_EVIDENCE_MAX ? m->nevidence : QW_EVIDENCE_MAX;
    for (int i = 0; i < n; i++) {
        quotawatch__v1__evidence__init(&o->ev[i]);
        o->ev[i].key = m->evidence[i].key;
        o->ev[i].value = m->evidence[i].value;
        o->ev[i].text = m->evidence[i].text;
        o->evp[i] = &o->ev[i];
    }
    o->msg.n_evidence = (size_t)n;
    o->msg.evidence = o->evp;
    o->msg.summary = m->summary;
    o->msg.withdraws = m->withdraws;
}

size_t qw_decision_pb_pack(const qw_decision_t *d, uint8_t *buf, size_t cap)
{
    qw_decision_pb_t pb;
    qw_decision_pb_fill(&pb, d);
    size_t n = quotawatch__v1__decision__get_packed_size(&pb.msg);
    if (n > cap) return 0;
    return quotawatch__v1__decision__pack(&pb.msg, buf);
}

int qw_decision_from_pb(const Quotawatch__V1__Decision *m, qw_decision_t *d, char *err,
                        size_t errlen)
{
    memset(d, 0, sizeof(*d));
    if (qw_str_field(d->id, sizeof(d->id), m->id, "decision: id", err, errlen) ||
        qw_str_field(d->type, sizeof(d->type), m->type, "decision: type", err, errlen) ||
        qw_str_field(d->rep_id, sizeof(d->rep_id), m->rep_id, "decision: rep_id", err, errlen) ||
        qw_str_field(d->team_id, sizeof(d->team_id), m->team_id, "decision: team_id", err,
                     errlen) ||
        qw_str_field(d->period, sizeof(d->period), m->period, "decision: period", err, errlen) ||
        qw_str_field(d->policy_version, sizeof(d->policy_version), m->policy_version,
                     "decision: policy_version", err, errlen) ||
        qw_str_field(d->quota_version, sizeof(d->quota_version), m->quota_version,
                     "decision: quota_version", err, errlen) ||
        qw_str_field(d->currency, sizeof(d->currency), m->currency, "decision: currency", err,
                     errlen) ||
        qw_str_field(d->summary, sizeof(d->summary), m->summary, "decision: summary", err,
                     errlen) ||
        qw_str_field(d->withdraws, sizeof(d->withdraws), m->withdraws, "decision: withdraws", err,
                     errlen))
        return QW_ERR;
    d->time_ms = m->time_ms;
    d->attainment_bp = m->attainment_bp;
    d->credited_minor = m->credited_minor;
    d->quota_minor = m->quota_minor;
    for (size_t i = 0; i < m->n_audience; i++) {
        qw_aud_t a;
        if (qw_aud_parse(m->audience[i], QW_AUD_DECISION_COUNT, &a) != QW_OK)
            return qw_err_set(err, errlen, "decision: unknown audience %s", m->audience[i]);
        d->audience |= QW_AUDSET(a);
    }
    if (m->n_evidence > QW_EVIDENCE_MAX)
        return qw_err_set(err, errlen, "decision: more than %d evidence entries", QW_EVIDENCE_MAX);
    for (size_t i = 0; i < m->n_evidence; i++) {
        qw_evidence_t *ev = &d->evidence[i];
        if (qw_str_field(ev->key, sizeof(ev->key), m->evidence[i]->key, "decision: evidence key",
                         err, errlen) ||
            qw_str_field(ev->text, sizeof(ev->text), m->evidence[i]->text,
                         "decision: evidence text", err, errlen))
            return QW_ERR;
        ev->value = m->evidence[i]->value;
    }
    d->nevidence = (int)m->n_evidence;
    return QW_OK;
}
