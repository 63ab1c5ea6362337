/* SIGHUP: re-read the routing file and the template directory, check them exactly as at start
 * (routing rules, templates rendered against the hostile sample, the transport-security rules),
 * and swap them in only when all of it passes: on any error the running configuration stays
 * and the reason is logged. Options, secrets and the Slack token are not re-read (restart for
 * those): a reload must never turn a signed webhook unsigned. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "quotawatch/log.h"
#include "secure.h"

static int refuse(const char *what, const char *err)
{
    qw_log(QW_LOG_ERROR, "config.reload_refused", "%s refused, the running configuration stays: %s",
           what, err);
    return QW_ERR;
}

int qw_ntf_reload(qw_ntf_t *a)
{
    char err[QW_ERRSTR_MAX];
    qw_route_cfg_t r;
    qw_route_cfg_init(&r);
    if (a->o.routes && *a->o.routes &&
        qw_route_load_file(&r, a->o.routes, err, sizeof(err)) != QW_OK) {
        qw_route_cfg_free(&r);
        return refuse("routing file", err);
    }
    if (a->o.webhook_url && *a->o.webhook_url)
        snprintf(r.webhook_url, sizeof(r.webhook_url), "%s", a->o.webhook_url);
    if (r.n_routes == 0 && !r.webhook_url[0]) {
        qw_route_cfg_free(&r);
        return refuse("routing file", "nothing to deliver to");
    }
    qw_secure_in_t sin = {.smtp_url = a->o.smtp_url,
                          .smtp_user = a->o.smtp_user,
                          .smtp_password = a->o.smtp_password,
                          .smtp_allow_plaintext = a->o.smtp_allow_plaintext,
                          .webhook_url = r.webhook_url,
                          .hr_webhook = r.hr_webhook,
                          .have_secret = a->have_key,
                          .allow_insecure_webhook = a->o.allow_insecure_webhook};
    qw_secure_out_t sout;
    if (qw_secure_check(&sin, &sout, err, sizeof(err)) != QW_OK) {
        qw_route_cfg_free(&r);
        return refuse("routing file", err);
    }
    qw_tmpl_set_t *t = calloc(1, sizeof(*t));
    if (!t) {
        qw_route_cfg_free(&r);
        return refuse("templates", "out of memory");
    }
    qw_tmpl_init(t);
    if (qw_tmpl_load_dir(t, a->o.templates, err, sizeof(err)) != QW_OK) {
        qw_tmpl_free(t);
        free(t);
        qw_route_cfg_free(&r);
        return refuse("templates", err);
    }
    qw_route_cfg_free(&a->routes);
    a->routes = r;
    qw_tmpl_free(a->tmpl);
    free(a->tmpl);
    a->tmpl = t;
    qw_log(QW_LOG_INFO, "config.reloaded",
           "routing and templates reloaded: %zu routes, %zu templates", a->routes.n_routes,
           a->tmpl->n);
    return QW_OK;
}
