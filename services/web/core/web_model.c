/* qw-web's projection (web_model.h): credits through the engine as simulate applies them,
 * decisions as published, indexes for the views. */
#include "web_model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_pb.h"
#include "quotawatch/decision_type.h"
#include "quotawatch/credit_entry.h"
#include "quotawatch/date.h"
#include "quotawatch/tz.h"

static void discard(void *opaque, const qw_decision_t *d)
{
    (void)opaque, (void)d; /* qw.decisions.v1 carries the evaluator's own */
}

int qw_web_model_init(qw_web_model_t *m, const qw_policy_t *policy, qw_reftable_t *ref)
{
    memset(m, 0, sizeof(*m));
    m->policy = *policy;
    qw_engine_init(&m->engine, &m->policy, discard, NULL);
    qw_reftable_init(&m->own_ref);
    m->ref = ref ? ref : &m->own_ref;
    qw_strmap_init(&m->reps);
    qw_strmap_init(&m->teams);
    qw_strmap_init(&m->applied);
    qw_strmap_init(&m->decisions);
    qw_strmap_init(&m->withdrawals);
    qw_strmap_init(&m->emails);
    qw_strmap_init(&m->reports);
    m->index_stale = 1;
    return QW_OK;
}

static void free_rep(void *v)
{
    qw_web_rep_t *r = v;
    free(r->credits);
    free(r->decisions.items);
    free(r);
}

static void free_team(void *v)
{
    qw_web_team_t *t = v;
    free(t->decisions.items);
    free(t);
}

static void free_idlist(void *v)
{
    qw_web_idlist_t *l = v;
    free(l->ids);
    free(l);
}

void qw_web_model_free(qw_web_model_t *m)
{
    qw_strmap_free(&m->reps, free_rep);
    qw_strmap_free(&m->teams, free_team);
    qw_strmap_free(&m->applied, NULL);
    qw_strmap_free(&m->decisions, free);
    qw_strmap_free(&m->withdrawals, free);
    qw_strmap_free(&m->emails, NULL);
    qw_strmap_free(&m->reports, free_idlist);
    qw_reftable_free(&m->own_ref);
}

void qw_web_model_set_on_change(qw_web_model_t *m, qw_web_change_fn fn, void *opaque)
{
    m->on_change = fn;
    m->change_opaque = opaque;
}

void qw_web_model_roster_changed(qw_web_model_t *m)
{
    m->index_stale = 1;
    m->version++;
    if (m->on_change) m->on_change(m->change_opaque, "", "", "", m->version);
}

int qw_web_model_put_profile(qw_web_model_t *m, const qw_rep_profile_t *p)
{
    if (qw_reftable_put_profile(m->ref, p) != QW_OK) return QW_ERR;
    qw_web_model_roster_changed(m);
    return QW_OK;
}

int qw_web_model_put_quota(qw_web_model_t *m, const qw_quota_t *q)
{
    if (qw_reftable_put_quota(m->ref, q) != QW_OK) return QW_ERR;
    m->version++;
    return QW_OK;
}

static qw_web_rep_t *rep_get(qw_web_model_t *m, const char *rep_id)
{
    qw_web_rep_t *r = qw_strmap_get(&m->reps, rep_id, strlen(rep_id));
    if (r) return r;
    r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    snprintf(r->rep_id, sizeof(r->rep_id), "%s", rep_id);
    qw_rep_state_init(&r->st, rep_id);
    if (qw_strmap_put(&m->reps, rep_id, strlen(rep_id), r, NULL) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static qw_web_team_t *team_get(qw_web_model_t *m, const char *team_id)
{
    qw_web_team_t *t = qw_strmap_get(&m->teams, team_id, strlen(team_id));
    if (t) return t;
    t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    snprintf(t->team_id, sizeof(t->team_id), "%s", team_id);
    if (qw_strmap_put(&m->teams, team_id, strlen(team_id), t, NULL) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

static void bump(qw_web_model_t *m, qw_web_rep_t *r, qw_web_team_t *t, const char *period)
{
    m->version++;
    if (r) r->version = m->version;
    if (t) t->version = m->version;
    if (m->on_change)
        m->on_change(m->change_opaque, r ? r->rep_id : "", t ? t->team_id : "",
                     period ? period : "", m->version);
}

int qw_web_model_apply_credit(qw_web_model_t *m, const char *rep_id, const uint8_t *pb, size_t len,
                              int64_t now_ms, char *err, size_t errlen)
{
    qw_credit_t c;
    if (qw_credit_entry_unpack(pb, len, &c, err, errlen) != QW_OK) {
        m->rejected++;
        return QW_ERR;
    }
    if (rep_id && *rep_id && strcmp(rep_id, c.rep_id) != 0) {
        m->rejected++;
        return qw_err_set(err, errlen, "record key %s is not the entry's rep %s", rep_id, c.rep_id);
    }
    /* An id counts once at any age, as in the evaluator and simulate. */
    if (qw_strmap_get(&m->applied, c.id, strlen(c.id))) {
        m->duplicates++;
        return QW_WEB_DUPLICATE;
    }
    qw_web_rep_t *r = rep_get(m, c.rep_id);
    if (!r) return qw_err_set(err, errlen, "out of memory");
    qw_rep_profile_t anon;
    const qw_rep_profile_t *prof = qw_web_model_profile_or_default(m, c.rep_id, &anon);
    qw_period_t p;
    const qw_quota_t *q = NULL;
    if (qw_engine_credit_period(&m->engine, &c, &p) == QW_OK)
        q = qw_reftable_quota(m->ref, c.rep_id, p.id);
    else
        p.id[0] = '\0';
    if (qw_engine_apply_credit(&m->engine, prof, q, &r->st, &c, now_ms) != QW_OK) {
        m->rejected++;
        return qw_err_set(err, errlen, "credit %s refused: %s", c.id, m->engine.errstr);
    }
    if (qw_strmap_put(&m->applied, c.id, strlen(c.id), (void *)1, NULL) != 0)
        return qw_err_set(err, errlen, "out of memory");
    if (r->ncredits == r->capcredits) {
        size_t nc = r->capcredits ? r->capcredits * 2 : 8;
        qw_web_credit_t *n = realloc(r->credits, nc * sizeof(*n));
        if (!n) return qw_err_set(err, errlen, "out of memory");
        r->credits = n, r->capcredits = nc;
    }
    qw_web_credit_t *w = &r->credits[r->ncredits++];
    memset(w, 0, sizeof(*w));
    snprintf(w->id, sizeof(w->id), "%s", c.id);
    snprintf(w->deal_id, sizeof(w->deal_id), "%s", c.deal_id);
    snprintf(w->period, sizeof(w->period), "%s", p.id);
    w->kind = (uint8_t)c.kind;
    w->reason = (uint8_t)c.reason;
    memcpy(w->currency, c.currency, sizeof(w->currency));
    memcpy(w->original_currency, c.original_currency, sizeof(w->original_currency));
    w->amount_minor = c.amount_minor;
    w->original_minor = c.original_minor;
    w->close_date = c.close_date;
    w->close_time_ms = c.close_time_ms;
    w->event_time_ms = c.event_time_ms;
    m->credits++;
    qw_web_team_t *t = prof->team_id[0] ? team_get(m, prof->team_id) : NULL;
    bump(m, r, t, p.id);
    return QW_OK;
}

static int list_add(qw_web_declist_t *l, qw_web_decision_t *d)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == d) return QW_OK;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        qw_web_decision_t **n = realloc(l->items, nc * sizeof(*n));
        if (!n) return QW_ERR;
        l->items = n, l->cap = nc;
    }
    l->items[l->n++] = d;
    return QW_OK;
}

int qw_web_model_put_decision(qw_web_model_t *m, const qw_decision_t *d)
{
    if (!d->id[0]) return QW_ERR;
    /* Weekly digests (info.*) are messages, not decisions about a person: the rep's page shows
     * the same numbers live, so they are left out of every view (docs/web.md). */
    if (qw_dt_family(d->type) == QW_DTF_INFO) return QW_WEB_NOT_SHOWN;
    qw_web_decision_t *w = qw_strmap_get(&m->decisions, d->id, strlen(d->id));
    int dup = 0;
    if (w) {
        /* A replay of the same id (the relay is at least once): the newest copy, one entry. */
        dup = memcmp(&w->d, d, sizeof(*d)) == 0;
        w->d = *d;
    } else {
        w = calloc(1, sizeof(*w));
        if (!w) return QW_ERR;
        w->d = *d;
        w->seq = ++m->seq;
        if (qw_strmap_put(&m->decisions, d->id, strlen(d->id), w, NULL) != 0) {
            free(w);
            return QW_ERR;
        }
        m->ndecisions++;
        /* Withdrawn before it arrived? */
        const char *by = qw_strmap_get(&m->withdrawals, d->id, strlen(d->id));
        if (by) snprintf(w->withdrawn_by, sizeof(w->withdrawn_by), "%s", by);
    }
    if (d->withdraws[0]) {
        qw_web_decision_t *old = qw_strmap_get(&m->decisions, d->withdraws, strlen(d->withdraws));
        if (old) snprintf(old->withdrawn_by, sizeof(old->withdrawn_by), "%s", d->id);
        if (!qw_strmap_get(&m->withdrawals, d->withdraws, strlen(d->withdraws))) {
            char *id = strdup(d->id);
            if (!id ||
                qw_strmap_put(&m->withdrawals, d->withdraws, strlen(d->withdraws), id, NULL) != 0) {
                free(id);
                return QW_ERR;
            }
        }
    }
    qw_web_rep_t *r = d->rep_id[0] ? rep_get(m, d->rep_id) : NULL;
    qw_web_team_t *t = d->team_id[0] ? team_get(m, d->team_id) : NULL;
    if ((d->rep_id[0] && !r) || (d->team_id[0] && !t)) return QW_ERR;
    if ((r && list_add(&r->decisions, w) != QW_OK) || (t && list_add(&t->decisions, w) != QW_OK))
        return QW_ERR;
    bump(m, r, t, d->period);
    return dup ? QW_WEB_DUPLICATE : QW_OK;
}

int qw_web_model_apply_decision(qw_web_model_t *m, const uint8_t *pb, size_t len, char *err,
                                size_t errlen)
{
    Quotawatch__V1__Decision *msg = quotawatch__v1__decision__unpack(NULL, len, pb);
    if (!msg) return qw_err_set(err, errlen, "not a Decision protobuf");
    qw_decision_t *d = malloc(sizeof(*d));
    int rc =
        d ? qw_decision_from_pb(msg, d, err, errlen) : qw_err_set(err, errlen, "out of memory");
    quotawatch__v1__decision__free_unpacked(msg, NULL);
    if (rc == QW_OK) {
        rc = qw_web_model_put_decision(m, d);
        if (rc == QW_ERR) qw_err_set(err, errlen, "out of memory");
    }
    free(d);
    return rc;
}

const qw_rep_profile_t *qw_web_model_profile(const qw_web_model_t *m, const char *rep_id)
{
    return qw_reftable_profile(m->ref, rep_id);
}

const qw_rep_profile_t *qw_web_model_profile_or_default(const qw_web_model_t *m, const char *rep_id,
                                                        qw_rep_profile_t *scratch)
{
    const qw_rep_profile_t *p = qw_reftable_profile(m->ref, rep_id);
    if (p) return p;
    memset(scratch, 0, sizeof(*scratch));
    snprintf(scratch->rep_id, sizeof(scratch->rep_id), "%s", rep_id);
    scratch->hire_date = QW_DATE_NONE;
    scratch->active = 1;
    return scratch;
}

const qw_quota_t *qw_web_model_quota(const qw_web_model_t *m, const char *rep_id,
                                     const char *period)
{
    return qw_reftable_quota(m->ref, rep_id, period);
}

const qw_web_rep_t *qw_web_model_rep(const qw_web_model_t *m, const char *rep_id)
{
    return qw_strmap_get(&m->reps, rep_id, strlen(rep_id));
}

const qw_web_team_t *qw_web_model_team(const qw_web_model_t *m, const char *team_id)
{
    return qw_strmap_get(&m->teams, team_id, strlen(team_id));
}

const qw_web_decision_t *qw_web_model_decision(const qw_web_model_t *m, const char *id)
{
    return qw_strmap_get(&m->decisions, id, strlen(id));
}

static void lower(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)s[i]);
    dst[i] = '\0';
}

/* E-mail and direct-report indexes, rebuilt after a roster change. */
static int reindex(qw_web_model_t *m)
{
    if (!m->index_stale) return QW_OK;
    qw_strmap_free(&m->emails, NULL);
    qw_strmap_free(&m->reports, free_idlist);
    qw_strmap_init(&m->emails);
    qw_strmap_init(&m->reports);
    size_t it = 0;
    const char *id;
    void *v;
    while (qw_strmap_next(&m->ref->roster, &it, &id, &v)) {
        const qw_rep_profile_t *p = v;
        if (p->email[0]) {
            char key[QW_EMAIL_MAX];
            lower(key, sizeof(key), p->email);
            if (qw_strmap_put(&m->emails, key, strlen(key), v, NULL) != 0) return QW_ERR;
        }
        if (p->manager_id[0] && strcmp(p->manager_id, p->rep_id) != 0) {
            qw_web_idlist_t *l = qw_strmap_get(&m->reports, p->manager_id, strlen(p->manager_id));
            if (!l) {
                l = calloc(1, sizeof(*l));
                if (!l || qw_strmap_put(&m->reports, p->manager_id, strlen(p->manager_id), l,
                                        NULL) != 0) {
                    free(l);
                    return QW_ERR;
                }
            }
            if (l->n == l->cap) {
                size_t nc = l->cap ? l->cap * 2 : 4;
                const char **n = realloc(l->ids, nc * sizeof(*n));
                if (!n) return QW_ERR;
                l->ids = n, l->cap = nc;
            }
            l->ids[l->n++] = p->rep_id;
        }
    }
    m->index_stale = 0;
    return QW_OK;
}

int qw_web_model_reindex(qw_web_model_t *m)
{
    return reindex(m);
}

const qw_rep_profile_t *qw_web_model_by_email(qw_web_model_t *m, const char *email)
{
    if (!email || !*email || reindex(m) != QW_OK) return NULL;
    char key[QW_EMAIL_MAX];
    lower(key, sizeof(key), email);
    return qw_strmap_get(&m->emails, key, strlen(key));
}

const qw_web_idlist_t *qw_web_model_direct_reports(qw_web_model_t *m, const char *manager_id)
{
    if (reindex(m) != QW_OK) return NULL;
    return qw_strmap_get(&m->reports, manager_id, strlen(manager_id));
}

uint64_t qw_web_model_version(const qw_web_model_t *m)
{
    return m->version;
}

uint64_t qw_web_model_rep_version(const qw_web_model_t *m, const char *rep_id)
{
    const qw_web_rep_t *r = qw_web_model_rep(m, rep_id);
    return r ? r->version : 0;
}

uint64_t qw_web_model_team_version(const qw_web_model_t *m, const char *team_id)
{
    const qw_web_team_t *t = qw_web_model_team(m, team_id);
    return t ? t->version : 0;
}

void qw_web_model_period_at(const qw_web_model_t *m, int64_t now_ms, qw_period_t *out)
{
    qw_period_of_date(m->policy.period, qw_tz_local_date(&m->policy.tz, now_ms), out);
}

size_t qw_web_model_bytes_per_credit(void)
{
    /* The entry, and the applied id in the dedup map: a key copy of a typical id (~48 bytes
     * with its malloc header) and about two slots (the table stays under half full). */
    return sizeof(qw_web_credit_t) + 48 + 2 * sizeof(qw_strmap_slot_t);
}
