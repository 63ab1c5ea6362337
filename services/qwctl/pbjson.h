/* Any protobuf-c message as JSON, driven by its descriptor: one converter for every schema. */
#ifndef QW_PBJSON_H
#define QW_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Field names as in the .proto; int64 as JSON numbers; enums by name; unset proto3 scalars are
 * included with their zero value so readers see every field. */
json_t *qw_pbjson_from_message(const ProtobufCMessage *m);

#endif
