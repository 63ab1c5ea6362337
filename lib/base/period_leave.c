/* Leave days within a period (roster.h): the basis of leave proration and excused periods. */
#include "quotawatch/roster.h"

int32_t qw_roster_leave_days(const qw_rep_profile_t *p, int32_t first, int32_t last,
                             int *any_protected)
{
    int32_t days = 0;
    if (any_protected) *any_protected = 0;
    /* Day by day so that overlapping ranges count once; periods are at most 92 days. */
    for (int32_t d = first; d <= last; d++) {
        int on = 0;
        for (int i = 0; i < p->nleave && i < QW_LEAVE_MAX; i++) {
            if (d >= p->leave[i].start && d <= p->leave[i].end) {
                on = 1;
                if (p->leave[i].is_protected && any_protected) *any_protected = 1;
            }
        }
        days += on;
    }
    return days;
}
