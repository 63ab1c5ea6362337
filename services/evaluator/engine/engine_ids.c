/* Deterministic decision ids and the buffer emitter. */
#include <stdio.h>
#include <string.h>

#include "engine.h"

int qw_engine_decision_id(char *out, const char *scope, const char *period, const char *rule,
                          const char *level)
{
    int n = snprintf(out, QW_DECISION_ID_MAX, "d:%s:%s:%s%s%s", scope, period, rule,
                     level && *level ? ":" : "", level ? level : "");
    if (n < 0 || n >= QW_DECISION_ID_MAX) {
        out[0] = '\0';
        return QW_ERR;
    }
    return QW_OK;
}

void qw_decision_buf_emit(void *opaque, const qw_decision_t *d)
{
    qw_decision_buf_t *b = opaque;
    if (b->n < b->cap)
        b->items[b->n++] = *d;
    else
        b->dropped++;
}
