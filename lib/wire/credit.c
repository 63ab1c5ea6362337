#include "quotawatch/credit.h"

#include <string.h>

static const char *const qw_reason_names[QW_REASON_COUNT_] = {
    "",
    "won",
    "reopened",
    "lost",
    "deleted",
    "unassigned",
    "amount_changed",
    "currency_changed",
    "owner_changed",
    "split_changed",
    "close_date_moved",
};

const char *qw_credit_reason_name(qw_credit_reason_t r)
{
    return (unsigned)r < QW_REASON_COUNT_ ? qw_reason_names[r] : "";
}

int qw_credit_reason_parse(const char *name, qw_credit_reason_t *out)
{
    if (!name) name = "";
    for (int i = 0; i < QW_REASON_COUNT_; i++)
        if (strcmp(name, qw_reason_names[i]) == 0) return *out = (qw_credit_reason_t)i, QW_OK;
    return QW_ERR;
}

const char *qw_credit_kind_name(qw_credit_kind_t k)
{
    switch (k) {
    case QW_CREDIT_KIND_CREDIT:
        return "credit";
    case QW_CREDIT_KIND_CLAWBACK:
        return "clawback";
    case QW_CREDIT_KIND_ADJUSTMENT:
        return "adjustment";
    default:
        return "";
    }
}
