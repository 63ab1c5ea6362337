/* Roles and e-mail identities of the roster (quotawatch/roster.h). */
#include <string.h>

#include "quotawatch/roster.h"

static const char *const role_names[] = {"rep", "manager", "sales_ops", "hr"};

const char *qw_roster_role_name(qw_role_t r)
{
    return (unsigned)r < sizeof(role_names) / sizeof(role_names[0]) ? role_names[r] : "unknown";
}

int qw_roster_role_parse(const char *s, size_t len, qw_role_t *out)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strlen(role_names[i]) == len && !memcmp(s, role_names[i], len)) {
            *out = (qw_role_t)i;
            return QW_OK;
        }
    return QW_ERR;
}

int qw_roster_evaluated(const qw_rep_profile_t *p)
{
    return p->active && (p->role == QW_ROLE_REP || p->role == QW_ROLE_MANAGER);
}

int qw_roster_email_check(const char *email, char *err, size_t errlen)
{
    size_t n = strnlen(email, QW_EMAIL_MAX);
    if (n == 0) return QW_OK;
    if (n < 3 || n > 254) return qw_err_set(err, errlen, "%zu bytes (an address has 3..254)", n);
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>(),;:\\[]", c))
            return qw_err_set(err, errlen, "byte 0x%02x at %zu is not allowed in an address", c,
                              i + 1);
        if (c == '@') {
            if (at) return qw_err_set(err, errlen, "more than one '@'");
            at = email + i;
        }
    }
    if (!at || at == email || at == email + n - 1)
        return qw_err_set(err, errlen, "not local@domain");
    if (at[1] == '.' || email[n - 1] == '.')
        return qw_err_set(err, errlen, "the domain starts or ends with a dot");
    return QW_OK;
}
