/* Conversions from the protobuf inputs of the evaluator (RepProfile, QuotaAssignment) into the
 * engine's plain structs. Strings that do not fit are errors. */
#ifndef QW_ENGINE_PB_H
#define QW_ENGINE_PB_H

#include <stddef.h>

#include "engine.h"
#include "quotawatch/v1/roster.pb-c.h"

int qw_engine_profile_from_pb(const Quotawatch__V1__RepProfile *m, qw_rep_profile_t *out,
                              char *errbuf, size_t errlen);
int qw_engine_quota_from_pb(const Quotawatch__V1__QuotaAssignment *m, qw_quota_t *out, char *errbuf,
                            size_t errlen);

#endif
