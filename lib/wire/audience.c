#include "quotawatch/audience.h"

#include <string.h>

#include "quotawatch/common.h"

static const char *const qw_aud_names[QW_AUD_COUNT] = {"rep", "manager",   "team",
                                                       "hr",  "sales_ops", "webhook"};

const char *qw_aud_name(qw_aud_t a)
{
    return (unsigned)a < QW_AUD_COUNT ? qw_aud_names[a] : "?";
}

int qw_aud_parse(const char *name, int count, qw_aud_t *out)
{
    if (!name || count > QW_AUD_COUNT) return QW_ERR;
    for (int i = 0; i < count; i++)
        if (strcmp(name, qw_aud_names[i]) == 0) return *out = (qw_aud_t)i, QW_OK;
    return QW_ERR;
}
