#include "quotawatch/deal.h"

const char *qw_deal_status_name(qw_deal_status_t s)
{
    switch (s) {
    case QW_DEAL_OPEN:
        return "open";
    case QW_DEAL_WON:
        return "won";
    case QW_DEAL_LOST:
        return "lost";
    case QW_DEAL_DELETED:
        return "deleted";
    default:
        return "unspecified";
    }
}
