#include "retract_build.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/decision_type.h"
#include "quotawatch/id.h"

/* Free text that ends up in Slack, mail and HR systems: well-formed UTF-8 without controls
 * (the renderers escape it for each sink; a line break would still split a mail header). */
static int text_ok(const char *what, const char *s, char *errbuf, size_t errlen)
{
    char why[128];
    if (!s || !*s) return qw_err_set(errbuf, errlen, "%s is required", what);
    if (qw_id_valid_max(s, strlen(s), QWCTL_RETRACT_TEXT_MAX, why, sizeof(why)) != QW_OK)
        return qw_err_set(errbuf, errlen,
                          "%s: %s (at most %d bytes of UTF-8, no control "
                          "characters)",
                          what, why, QWCTL_RETRACT_TEXT_MAX);
    return QW_OK;
}

static void evidence(qw_decision_t *d, const char *key, const char *text)
{
    if (d->nevidence >= QW_EVIDENCE_MAX) d->nevidence = QW_EVIDENCE_MAX - 1;
    qw_evidence_t *e = &d->evidence[d->nevidence++];
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    snprintf(e->text, sizeof(e->text), "%.*s", (int)sizeof(e->text) - 1, text);
}

int qwctl_retract_build(const qw_decision_t *orig, const char *by, const char *reason,
                        int64_t now_ms, qw_decision_t *out, char *errbuf, size_t errlen)
{
    const char *wtype = qw_dt_withdrawal_of(orig->type);
    if (qw_dt_family(orig->type) == QW_DTF_INFO)
        return qw_err_set(errbuf, errlen,
                          "%s is a weekly digest (%s): information is not withdrawn; the next "
                          "week's digest supersedes it",
                          orig->id, orig->type);
    if (orig->withdraws[0] || (qw_dt_known(orig->type) && !wtype))
        return qw_err_set(errbuf, errlen,
                          "%s is a withdrawal (%s) itself: a withdrawal is never withdrawn",
                          orig->id, orig->type);
    if (!wtype)
        return qw_err_set(errbuf, errlen, "%s has type %s, which quotawatch does not know",
                          orig->id, orig->type);
    if (text_ok("--by", by, errbuf, errlen) || text_ok("--reason", reason, errbuf, errlen))
        return QW_ERR;
    if (strlen(orig->id) + sizeof(QWCTL_RETRACT_SUFFIX) > sizeof(out->id))
        return qw_err_set(errbuf, errlen, "%s is too long to build a withdrawal id from", orig->id);
    *out = *orig;
    snprintf(out->id, sizeof(out->id), "%s%s", orig->id, QWCTL_RETRACT_SUFFIX);
    snprintf(out->type, sizeof(out->type), "%s", wtype);
    snprintf(out->withdraws, sizeof(out->withdraws), "%s", orig->id);
    out->time_ms = now_ms;
    out->nevidence = 0;
    evidence(out, "retracted_type", orig->type);
    evidence(out, "retracted_by", by);
    evidence(out, "retract_reason", reason);
    /* Every part is bounded (by and reason by QWCTL_RETRACT_TEXT_MAX): nothing is cut. */
    snprintf(out->summary, sizeof(out->summary),
             "Correction: %.47s for %.15s is withdrawn by %.200s: %.200s", orig->type,
             orig->period[0] ? orig->period : "-", by, reason);
    return QW_OK;
}
