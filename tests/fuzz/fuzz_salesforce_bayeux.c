/* libFuzzer target: Bayeux replies from Salesforce (handshake, subscribe, connect with events).
 * Nothing may crash or leak; an accepted reply's events each carry a non-negative replay id and
 * a payload that is one JSON object of the stated length; a refused one keeps nothing. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf_bayeux.h"

static const char *const metas[] = {"/meta/handshake", "/meta/subscribe", "/meta/connect"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t k = 0; k < 3; k++) {
        qw_sf_reply_t r;
        char err[QW_ERRSTR_MAX];
        int rc = qw_sf_reply_parse((const char *)data, size, metas[k],
                                   "/data/OpportunityChangeEvent", &r, err, sizeof(err));
        if (rc != QW_OK) {
            if (r.events || r.nevents || !err[0]) abort();
            continue;
        }
        if (!r.have_meta || strnlen(r.client_id, sizeof(r.client_id)) >= sizeof(r.client_id) ||
            strnlen(r.error, sizeof(r.error)) >= sizeof(r.error))
            abort();
        if (r.next == QW_SF_NEXT_OK && (!r.successful || r.error[0])) abort();
        for (size_t i = 0; i < r.nevents; i++) {
            const qw_sf_event_t *ev = &r.events[i];
            if (ev->replay_id < 0 || !ev->payload || strlen(ev->payload) != ev->payload_len)
                abort();
            json_error_t je;
            json_t *j = json_loadb(ev->payload, ev->payload_len, JSON_DECODE_INT_AS_REAL, &je);
            if (!json_is_object(j)) abort();
            json_decref(j);
            if (strnlen(ev->change_type, sizeof(ev->change_type)) >= sizeof(ev->change_type))
                abort();
            /* A type cut at 31 bytes is longer than every known one: a gap either way. */
            if (ev->change_type[0] && ev->gap != qw_sf_change_is_gap(ev->change_type)) abort();
        }
        qw_sf_reply_free(&r);
    }
    return 0;
}
