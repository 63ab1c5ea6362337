/* A decision as JSON (what `qw-evaluator simulate` prints, or a `qwctl tail decisions` line) back
 * into a protobuf Decision, for `qwctl preview-template`. The message's strings point into the
 * JSON document, which must outlive it. */
#ifndef QW_DECISION_JSON_H
#define QW_DECISION_JSON_H

#include <jansson.h>

#include "quotawatch/v1/decision.pb-c.h"

#define QW_DJ_AUDIENCE_MAX 8
#define QW_DJ_EVIDENCE_MAX 32

typedef struct qw_decision_json_s {
    Quotawatch__V1__Decision msg;
    char *audience[QW_DJ_AUDIENCE_MAX];
    Quotawatch__V1__Evidence ev[QW_DJ_EVIDENCE_MAX];
    Quotawatch__V1__Evidence *evp[QW_DJ_EVIDENCE_MAX];
} qw_decision_json_t;

/* From a parsed document: the decision itself, or an object whose "value" is the decision.
 * Evidence either as simulate prints it ({"key": {"value": n, "text": s}}) or as tail prints
 * it ([{"key", "value", "text"}]). QW_ERR with errbuf naming the bad field. */
int qw_decision_json_read(const json_t *doc, qw_decision_json_t *out, char *errbuf, size_t errlen);

#endif
