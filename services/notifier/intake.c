/* Intake: a record of qw.decisions.v1 into what dispatch needs — the decoded Decision and its
 * targets with their priority. No I/O: the batch (process.c) decides what to do with it. */
#include "app.h"

#include "quotawatch/id.h"

#include <stdio.h>
#include <string.h>

Quotawatch__V1__Decision *qw_ntf_intake_decode(const void *value, size_t len)
{
    Quotawatch__V1__Decision *d = quotawatch__v1__decision__unpack(NULL, len, value);
    /* The id is the delivery key and a header value: one that the engine could not have
     * built (too long, controls, not UTF-8) is dead-lettered whole, never cut. */
    if (d && qw_id_valid_max(d->id, strlen(d->id), QW_DECISION_ID_MAX - 1, NULL, 0) != QW_OK) {
        quotawatch__v1__decision__free_unpacked(d, NULL);
        d = NULL;
    }
    return d;
}

size_t qw_ntf_intake_targets(const qw_route_cfg_t *routes, const qw_roster_cache_t *roster,
                             const Quotawatch__V1__Decision *d, size_t msg, qw_ntf_entry_t *out,
                             size_t cap)
{
    const qw_rep_profile_t *rep = qw_roster_cache_get(roster, d->rep_id);
    const qw_rep_profile_t *mgr =
        rep && rep->manager_id[0] ? qw_roster_cache_get(roster, rep->manager_id) : NULL;
    qw_target_t t[QW_ROUTE_MAX_TARGETS];
    size_t nt = qw_route_resolve(routes, d, rep, mgr, t, QW_ROUTE_MAX_TARGETS);
    int prio = qw_route_priority(d->type);
    size_t n = 0;
    for (size_t k = 0; k < nt && n < cap; k++, n++) {
        out[n].msg = msg;
        out[n].t = t[k];
        out[n].prio = prio;
    }
    return n;
}

size_t qw_ntf_intake_only_channel(qw_ntf_entry_t *e, size_t n, size_t msg, const char *ch,
                                  size_t ch_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int same = strlen(e[i].t.channel) == ch_len && !memcmp(e[i].t.channel, ch, ch_len);
        if (e[i].msg != msg || same) e[k++] = e[i];
    }
    return k;
}

void qw_ntf_intake_dlq_id(const void *id, size_t id_len, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", id ? (int)id_len : (int)strlen(QW_NTF_ID_FALLBACK),
             id ? (const char *)id : QW_NTF_ID_FALLBACK);
}
