/* libFuzzer target: qwctl's protobuf-to-JSON over every message type qwctl tail decodes. The
 * first byte picks the schema; the rest is the record value (hostile: anyone who can produce).
 * Whatever unpacks converts to a JSON object that serialises (jansson refuses invalid UTF-8, so
 * a string that is not UTF-8 must have been replaced, not passed through). Seeds:
 * tests/fixtures/pbjson/. */
#include <stdint.h>
#include <stdlib.h>

#include "pbjson.h"
#include "quotawatch/v1/credit_entry.pb-c.h"
#include "quotawatch/v1/deal_change.pb-c.h"
#include "quotawatch/v1/decision.pb-c.h"
#include "quotawatch/v1/roster.pb-c.h"
#include "quotawatch/v1/watermark.pb-c.h"

static const ProtobufCMessageDescriptor *const schemas[] = {
    &quotawatch__v1__deal_change__descriptor,      &quotawatch__v1__credit_entry__descriptor,
    &quotawatch__v1__decision__descriptor,         &quotawatch__v1__rep_profile__descriptor,
    &quotawatch__v1__quota_assignment__descriptor, &quotawatch__v1__watermark__descriptor,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const ProtobufCMessageDescriptor *d = schemas[data[0] % (sizeof(schemas) / sizeof(*schemas))];
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, size - 1, data + 1);
    if (!m) return 0;
    json_t *j = qw_pbjson_from_message(m);
    if (!j || !json_is_object(j)) abort();
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) abort();
    free(s);
    json_decref(j);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
