/* A qw_decision_t as a protobuf Decision, without copying strings: the message points into the
 * decision, which must outlive it. */
#ifndef QW_DECISION_PB_H
#define QW_DECISION_PB_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "quotawatch/v1/decision.pb-c.h"

typedef struct qw_decision_pb_s {
    Quotawatch__V1__Decision msg;
    char *audience[QW_AUD_DECISION_COUNT];
    Quotawatch__V1__Evidence ev[QW_EVIDENCE_MAX];
    Quotawatch__V1__Evidence *evp[QW_EVIDENCE_MAX];
} qw_decision_pb_t;

void qw_decision_pb_fill(qw_decision_pb_t *out, const qw_decision_t *d);

/* Packs the decision; returns the size, or 0 when cap is too small. */
size_t qw_decision_pb_pack(const qw_decision_t *d, uint8_t *buf, size_t cap);

/* The reverse (for consumers of qw.decisions.v1): fails when a field does not fit. */
int qw_decision_from_pb(const Quotawatch__V1__Decision *m, qw_decision_t *out, char *errbuf,
                        size_t errlen);

#endif
