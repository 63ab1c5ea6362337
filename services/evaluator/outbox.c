#include "outbox.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/date.h"

int qw_ce_decode(qw_ce_t *ce, const uint8_t *buf, size_t len, char *errbuf, size_t errlen)
{
    memset(ce, 0, sizeof(*ce));
    ce->msg = quotawatch__v1__decision__unpack(NULL, len, buf);
    if (!ce->msg) return qw_err_set(errbuf, errlen, "outbox entry is not a Decision protobuf");
    if (!ce->msg->id || !*ce->msg->id || !ce->msg->type || !*ce->msg->type) {
        qw_ce_free(ce);
        return qw_err_set(errbuf, errlen, "outbox entry without id or type");
    }
    ce->id = ce->msg->id;
    ce->type = ce->msg->type;
    if (ce->msg->rep_id && *ce->msg->rep_id) {
        ce->subject = ce->msg->rep_id;
    } else {
        /* Team and cohort decisions have no rep: key them by team so one team's decisions stay
         * in order on one partition. */
        snprintf(ce->subject_buf, sizeof(ce->subject_buf), "team:%s",
                 ce->msg->team_id ? ce->msg->team_id : "");
        ce->subject = ce->subject_buf;
    }
    qw_time_format_iso8601(ce->msg->time_ms, ce->time);
    return QW_OK;
}

void qw_ce_free(qw_ce_t *ce)
{
    if (ce->msg) quotawatch__v1__decision__free_unpacked(ce->msg, NULL);
    ce->msg = NULL;
}
