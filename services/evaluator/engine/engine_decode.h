/* One record of the credits topic as the evaluator takes it: a CreditEntry with a valid rep id.
 * Pure; the shell sends what does not decode to the dead-letter topic with the message. */
#ifndef QW_ENGINE_DECODE_H
#define QW_ENGINE_DECODE_H

#include <stddef.h>

#include "engine.h"

/* Decode pb[0..len) (pb may be NULL: no value) into *c and its rep id into rep[QW_ID_MAX].
 * QW_ERR with the reason in err ("not a CreditEntry" when it is not one at all). */
int qw_engine_credit_decode(const void *pb, size_t len, qw_credit_t *c, char *rep, char *err,
                            size_t errlen);

#endif
