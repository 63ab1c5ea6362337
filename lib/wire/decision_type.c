#include "quotawatch/decision_type.h"

#include <stddef.h>
#include <string.h>

static const char *const qw_dt_family_names[QW_DTF_COUNT] = {
    "", "warning", "support", "review", "integrity", "reward", "health", "info"};

static const char *const qw_dt_names[] = {
    QW_DT_AT_RISK,          QW_DT_FINAL_WARNING,       QW_DT_WARNING_WITHDRAWN,
    QW_DT_COACHING,         QW_DT_SUPPORT_WITHDRAWN,   QW_DT_REVIEW,
    QW_DT_REVIEW_WITHDRAWN, QW_DT_QUOTA_ACHIEVED,      QW_DT_ACCELERATOR,
    QW_DT_CONSISTENT,       QW_DT_REWARD_WITHDRAWN,    QW_DT_INTEGRITY,
    QW_DT_QUOTA_PRESSURE,   QW_DT_ADVERSE_IMPACT,      QW_DT_HEALTH_WITHDRAWN,
    QW_DT_DATA_DELAYED,     QW_DT_INTEGRITY_WITHDRAWN, QW_DT_STANDING,
    QW_DT_TEAM_DIGEST};

qw_dt_family_t qw_dt_family(const char *type)
{
    if (!type) return QW_DTF_UNKNOWN;
    const char *dot = strchr(type, '.');
    size_t n = dot ? (size_t)(dot - type) : strlen(type);
    for (int f = QW_DTF_UNKNOWN + 1; f < QW_DTF_COUNT; f++)
        if (strlen(qw_dt_family_names[f]) == n && memcmp(type, qw_dt_family_names[f], n) == 0)
            return (qw_dt_family_t)f;
    return QW_DTF_UNKNOWN;
}

const char *qw_dt_family_name(qw_dt_family_t f)
{
    return (unsigned)f < QW_DTF_COUNT ? qw_dt_family_names[f] : "";
}

int qw_dt_family_is_sensitive(qw_dt_family_t f)
{
    return f == QW_DTF_REVIEW || f == QW_DTF_INTEGRITY;
}

int qw_dt_is_sensitive(const char *type)
{
    return qw_dt_family_is_sensitive(qw_dt_family(type));
}

const char *qw_dt_withdrawal_of(const char *type)
{
    static const char *const w[QW_DTF_COUNT] = {NULL,
                                                QW_DT_WARNING_WITHDRAWN,
                                                QW_DT_SUPPORT_WITHDRAWN,
                                                QW_DT_REVIEW_WITHDRAWN,
                                                QW_DT_INTEGRITY_WITHDRAWN,
                                                QW_DT_REWARD_WITHDRAWN,
                                                QW_DT_HEALTH_WITHDRAWN,
                                                NULL};
    if (!qw_dt_known(type)) return NULL;
    const char *wt = w[qw_dt_family(type)];
    return wt && strcmp(wt, type) != 0 ? wt : NULL;
}

int qw_dt_known(const char *type)
{
    if (!type) return 0;
    for (size_t i = 0; i < sizeof(qw_dt_names) / sizeof(qw_dt_names[0]); i++)
        if (strcmp(type, qw_dt_names[i]) == 0) return 1;
    return 0;
}
