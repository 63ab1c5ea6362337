#include "engine_decode.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/credit_entry.h"
#include "quotawatch/id.h"

int qw_engine_credit_decode(const void *pb, size_t len, qw_credit_t *c, char *rep, char *err,
                            size_t errlen)
{
    if (errlen) err[0] = '\0';
    Quotawatch__V1__CreditEntry *ce =
        pb ? quotawatch__v1__credit_entry__unpack(NULL, len, pb) : NULL;
    if (!ce) {
        snprintf(err, errlen, "not a CreditEntry");
        return QW_ERR;
    }
    int rc = qw_credit_entry_from_pb(ce, c, err, errlen) == QW_OK && ce->rep_id &&
                     qw_id_valid(ce->rep_id, strlen(ce->rep_id), err, errlen) == QW_OK &&
                     qw_strlcpy_checked(rep, QW_ID_MAX, ce->rep_id, strlen(ce->rep_id)) == QW_OK
                 ? QW_OK
                 : QW_ERR;
    quotawatch__v1__credit_entry__free_unpacked(ce, NULL);
    return rc;
}
