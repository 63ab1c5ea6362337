/* Roster and quota structs → their protobuf messages (qw.roster.v1 RepProfile, qw.quotas.v1
 * QuotaAssignment), for whoever publishes them (qwctl). */
#ifndef QW_ROSTER_PB_H
#define QW_ROSTER_PB_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/roster.h"

/* Serialise into a malloc'd buffer (*len bytes; caller frees). NULL when out of memory. */
uint8_t *qw_roster_profile_pack(const qw_rep_profile_t *p, size_t *len);
uint8_t *qw_roster_quota_pack(const qw_quota_t *q, size_t *len);

#endif
