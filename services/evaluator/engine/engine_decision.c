/* Building decisions: the fields every decision carries, evidence, summary, emission. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void qw_engine_decision_start(qw_decision_t *d, const qw_engine_t *e, const char *type,
                              const qw_rep_profile_t *prof, const qw_period_state_t *slot,
                              const char *period, const char *level, qw_audset_t audience,
                              int64_t now_ms)
{
    /* Only the header is cleared: evidence entries are written before they are counted. */
    memset(d, 0, offsetof(qw_decision_t, evidence));
    d->summary[0] = '\0';
    d->withdraws[0] = '\0';
    copy(d->type, sizeof(d->type), type);
    if (prof) {
        copy(d->rep_id, sizeof(d->rep_id), prof->rep_id);
        copy(d->team_id, sizeof(d->team_id), prof->team_id);
        qw_engine_decision_id(d->id, prof->rep_id, period, type, level);
    }
    copy(d->period, sizeof(d->period), period);
    d->time_ms = now_ms;
    d->audience = audience;
    copy(d->policy_version, sizeof(d->policy_version), e->policy->version);
    copy(d->currency, sizeof(d->currency), e->policy->rates.base);
    if (slot) {
        copy(d->quota_version, sizeof(d->quota_version), slot->quota_version);
        d->credited_minor = slot->credited_minor;
        d->quota_minor = slot->quota_minor;
        d->attainment_bp = qw_engine_attainment(slot->credited_minor, slot->quota_minor);
    }
}

void qw_engine_evidence(qw_decision_t *d, const char *key, int64_t value, const char *text)
{
    if (d->nevidence >= QW_EVIDENCE_MAX) return; /* bounded: callers stay well below */
    qw_evidence_t *ev = &d->evidence[d->nevidence++];
    copy(ev->key, sizeof(ev->key), key);
    ev->value = value;
    copy(ev->text, sizeof(ev->text), text ? text : "");
}

void qw_engine_summary(qw_decision_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->summary, sizeof(d->summary), fmt, ap);
    va_end(ap);
}

void qw_engine_emit(qw_engine_t *e, const qw_decision_t *d)
{
    if (e->emit) e->emit(e->opaque, d);
}

qw_audset_t qw_engine_reward_audience(const qw_rep_profile_t *prof)
{
    return QW_AUDSET_REP | QW_AUDSET_MANAGER | (prof->recognition_opt_out ? 0u : QW_AUDSET_TEAM);
}

void qw_engine_init(qw_engine_t *e, const qw_policy_t *policy, qw_emit_fn emit, void *opaque)
{
    memset(e, 0, sizeof(*e));
    e->policy = policy;
    e->emit = emit;
    e->opaque = opaque;
}
