/* qw-web's request router and views: any identity, path and query bytes against a small model
 * (split at the first two NULs). Must answer with a status and a body, never crash; a 200 only
 * ever for a known person. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "web_view.h"

static qw_policy_t policy;
static qw_web_model_t m;
static int ready;

static void person(const char *id, const char *email, const char *mgr, qw_role_t role)
{
    qw_rep_profile_t p;
    memset(&p, 0, sizeof(p));
    snprintf(p.rep_id, sizeof(p.rep_id), "%s", id);
    snprintf(p.email, sizeof(p.email), "%s", email);
    snprintf(p.manager_id, sizeof(p.manager_id), "%s", mgr);
    snprintf(p.team_id, sizeof(p.team_id), "t");
    p.hire_date = QW_DATE_NONE;
    p.active = 1;
    p.role = role;
    qw_web_model_put_profile(&m, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        qw_policy_defaults(&policy);
        qw_web_model_init(&m, &policy, NULL);
        person("a", "a@x.io", "m", QW_ROLE_REP);
        person("m", "m@x.io", "", QW_ROLE_MANAGER);
        person("o", "o@x.io", "", QW_ROLE_SALES_OPS);
        ready = 1;
    }
    char *buf = malloc(size + 3);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = buf[size + 2] = '\0';
    char *email = buf, *path = email + strlen(email) + 1;
    if (path > buf + size) path = buf + size;
    char *query = path + strlen(path) + 1;
    if (query > buf + size + 1) query = buf + size + 1;
    int st = 0;
    json_t *o = qw_web_route(&m, email, path, query, 1795176000000, &st);
    if (!o || st < 200 || st > 599) __builtin_trap();
    if (st == 200 && !qw_web_model_by_email(&m, email)) __builtin_trap();
    json_decref(o);
    free(buf);
    return 0;
}
