/* The withdrawal that qwctl retract publishes for a decision someone judged wrong (pure). */
#ifndef QWCTL_RETRACT_BUILD_H
#define QWCTL_RETRACT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define QWCTL_RETRACT_SUFFIX ":retracted"
/* --reason and --by, bytes: each fits an evidence text and both the summary. */
#define QWCTL_RETRACT_TEXT_MAX 200
_Static_assert(QWCTL_RETRACT_TEXT_MAX < QW_EVIDENCE_TEXT_MAX, "a reason fits its evidence text");

/* Fills out with the withdrawal of orig: type <family>.withdrawn, id "<orig id>:retracted"
 * (one retraction per decision, so a repeated command cannot send a second one), withdraws =
 * orig's id, the same rep, team, period, audience, policy and quota versions and numbers, at
 * now_ms, with evidence retracted_type, retracted_by and retract_reason and a summary that says
 * who withdrew it and why. QW_ERR with the reason in errbuf when orig is itself a withdrawal or
 * of an unknown type, when by or reason is empty, too long, not UTF-8 or holds a control
 * character, or when the id would not fit. */
int qwctl_retract_build(const qw_decision_t *orig, const char *by, const char *reason,
                        int64_t now_ms, qw_decision_t *out, char *errbuf, size_t errlen);

#endif
