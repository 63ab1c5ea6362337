/* libFuzzer target: the relay's decoding of outbox entries read back from Redis
 * (qw:ev:{p<N>}:outbox): either a packed Decision (qw_ce_decode) or a dead letter behind
 * QW_DLQ_MARK (qw_dlq_decode). Anyone who can write to Redis can write one. Whatever decodes must
 * give the relay what it publishes: an id and a type, a key that fits; a dead letter re-encodes
 * to the same bytes. Seeds: tests/fixtures/outbox/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (qw_outbox_is_dlq(data, size)) {
        qw_dlq_t d;
        if (qw_dlq_decode(&d, data, size) != QW_OK) return 0;
        uint8_t *again = malloc(size + 1);
        if (!again) return 0;
        size_t n = qw_dlq_encode(&d, again, size + 1);
        /* Decoding then encoding is the identity on what was accepted (trailing bytes aside). */
        if (!n || n > size || memcmp(again, data, n) != 0) abort();
        free(again);
        return 0;
    }
    qw_ce_t ce;
    if (qw_ce_decode(&ce, data, size, err, sizeof(err)) != QW_OK) {
        if (!err[0]) abort(); /* a refusal always says why */
        return 0;
    }
    if (!ce.id || !*ce.id || !ce.type || !*ce.type || !ce.subject) abort();
    if (strlen(ce.time) != 24) abort();
    qw_ce_free(&ce);
    return 0;
}
