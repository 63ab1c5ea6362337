/* The one rule for identifiers from outside (CRM deal/owner/split ids, roster rep, team and
 * manager ids) and the bounds that hold for them end to end: ingest, engine, the notifier's
 * delivery keys, Redis keys and HTTP/mail headers. Ids are data, never syntax. */
#ifndef QW_ID_H
#define QW_ID_H

#include <stddef.h>

#include "quotawatch/common.h"

/* Longest id in bytes (a QW_ID_MAX buffer holds it with its NUL). */
#define QW_ID_LEN_MAX (QW_ID_MAX - 1)

/* Decision ids ("d:<scope>:<period>:<rule>[:<level>]", built from ids) on the wire and in
 * every buffer that holds one: the engine's, the notifier's delivery job and keys. The engine
 * asserts at compile time that the longest decision built from valid ids fits. */
#define QW_DECISION_ID_MAX 512

/* QW_OK when s[0..len) is a valid id: 1..QW_ID_LEN_MAX bytes of well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF) with no control character (C0,
 * DEL, C1). Otherwise QW_ERR with the reason in err. */
int qw_id_valid(const char *s, size_t len, char *err, size_t errlen);

/* The same rule with another length bound (decision ids: QW_DECISION_ID_MAX - 1). */
int qw_id_valid_max(const char *s, size_t len, size_t maxlen, char *err, size_t errlen);

#endif
