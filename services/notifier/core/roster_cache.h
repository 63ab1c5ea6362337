/* The roster in memory: rep id -> decoded profile (quotawatch/roster_pb.h), rebuilt from the
 * compacted qw.roster.v1 topic. A newer record replaces the older one; an empty value
 * (tombstone) removes the rep. */
#ifndef QW_ROSTER_CACHE_H
#define QW_ROSTER_CACHE_H

#include <stddef.h>

#include "quotawatch/roster.h"
#include "quotawatch/strmap.h"

typedef struct qw_roster_cache_s {
    qw_strmap_t map; /* rep id -> qw_rep_profile_t* (owned) */
} qw_roster_cache_t;

void qw_roster_cache_init(qw_roster_cache_t *c);
void qw_roster_cache_free(qw_roster_cache_t *c);
/* Applies one record (key = rep id, value = protobuf or empty). QW_OK, or QW_ERR when the
 * value does not decode or the key, rep, manager or team id breaks qw_id_valid (the cache is
 * unchanged). A display name too long for the profile is cut, not refused. */
int qw_roster_cache_apply(qw_roster_cache_t *c, const char *key, size_t key_len, const void *value,
                          size_t len);
/* The profile of rep_id, or NULL. Valid until the next apply of that rep. */
const qw_rep_profile_t *qw_roster_cache_get(const qw_roster_cache_t *c, const char *rep_id);

#endif
