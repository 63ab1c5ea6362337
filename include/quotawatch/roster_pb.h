/* The one codec of RepProfile (qw.roster.v1) and QuotaAssignment (qw.quotas.v1): the plain
 * structs of quotawatch/roster.h <-> protobuf, for qwctl (publishes), the evaluator and the
 * notifier (read the compacted topics). */
#ifndef QW_ROSTER_PB_H
#define QW_ROSTER_PB_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/roster.h"
#include "quotawatch/v1/roster.pb-c.h"

/* Serialise into a malloc'd buffer (*len bytes; caller frees). NULL when out of memory. */
uint8_t *qw_roster_profile_pack(const qw_rep_profile_t *p, size_t *len);
uint8_t *qw_roster_quota_pack(const qw_quota_t *q, size_t *len);

/* A RepProfile from the topic into p. Ids, e-mail and the other fields that do not fit are
 * errors, never cut (check the ids with qw_roster_ids_check); the display name, which anyone
 * can make long, is cut at a UTF-8 character boundary to fit. Dates must parse and leave
 * ranges be ordered. Returns QW_OK, or QW_ERR with the field in errbuf. */
int qw_roster_profile_from_pb(const Quotawatch__V1__RepProfile *m, qw_rep_profile_t *p,
                              char *errbuf, size_t errlen);
int qw_roster_profile_unpack(const uint8_t *buf, size_t len, qw_rep_profile_t *p, char *errbuf,
                             size_t errlen);

/* A QuotaAssignment into q: strings must fit, the period must parse, the amount not be
 * negative. Returns QW_OK, or QW_ERR with the field in errbuf. */
int qw_roster_quota_from_pb(const Quotawatch__V1__QuotaAssignment *m, qw_quota_t *q, char *errbuf,
                            size_t errlen);
int qw_roster_quota_unpack(const uint8_t *buf, size_t len, qw_quota_t *q, char *errbuf,
                           size_t errlen);

#endif
