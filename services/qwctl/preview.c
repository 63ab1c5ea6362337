/* qwctl preview-template: what each channel would send for a decision, rendered by the
 * notifier's own template code (services/notifier/core) from a template directory — so a
 * template change is seen before any rep gets it. Prints, per audience of the decision (or
 * --audience), the Slack payload, the e-mail subject, text and HTML, and the webhook
 * CloudEvent. A sample decision of TYPE is used when no decision file is given. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_json.h"
#include "qwctl.h"
#include "quotawatch/audience.h"
#include "quotawatch/decision_type.h"
#include "quotawatch/path.h"
#include "templates.h"

#define OUT_MAX (QW_TMPL_MAX_BYTES * 4)

static int usage(void)
{
    fprintf(stderr,
            "usage: qwctl [--templates DIR] [--audience A] preview-template TYPE [DECISION.json]\n"
            "  TYPE: a decision type (reward.quota_achieved, warning.at_risk, ...)\n"
            "  DECISION.json: one decision as qw-evaluator simulate or qwctl tail decisions\n"
            "  prints it (its type must be TYPE); without it a sample decision of TYPE\n");
    return 2;
}

/* A sample with plausible numbers: what a template author previews before any real one. */
static void sample(Quotawatch__V1__Decision *d, char **aud, Quotawatch__V1__Evidence *ev,
                   Quotawatch__V1__Evidence **evp, const char *type)
{
    quotawatch__v1__decision__init(d);
    quotawatch__v1__evidence__init(ev);
    ev->key = "checkpoint_bp";
    ev->value = 5000;
    evp[0] = ev;
    d->id = "d:rep-sample:2026-11:preview";
    d->type = (char *)type;
    d->rep_id = "rep-sample";
    d->team_id = "team-sample";
    d->period = "2026-11";
    d->time_ms = 1795089600000; /* 2026-11-20T12:00:00Z */
    d->policy_version = "preview";
    d->quota_version = "preview";
    d->attainment_bp = 10420;
    d->credited_minor = 5210000;
    d->quota_minor = 5000000;
    d->currency = "USD";
    d->summary = "A sample decision rendered by qwctl preview-template.";
    d->withdraws = "";
    aud[0] = "rep";
    aud[1] = "manager";
    d->audience = aud;
    d->n_audience = 2;
    d->evidence = evp;
    d->n_evidence = 1;
}

static void section(const char *audience, const char *part, const char *text)
{
    printf("==== %s: %s ====\n%s\n", audience, part, text);
}

static int render_for(const qw_tmpl_set_t *set, const Quotawatch__V1__Decision *d,
                      const char *audience, char *b1, char *b2, char *b3)
{
    char err[512];
    qw_rep_profile_t rep;
    memset(&rep, 0, sizeof(rep));
    snprintf(rep.rep_id, sizeof(rep.rep_id), "%s", d->rep_id);
    snprintf(rep.name, sizeof(rep.name), "%s", d->rep_id); /* no roster here: the id as name */
    int failed = 0;
    static const char *const kinds[] = {"slack", "email", "webhook"};
    /* People get Slack and e-mail; the webhook audience (HR workflow, generic receiver) gets
     * the CloudEvent only. */
    int webhook = strcmp(audience, "webhook") == 0;
    for (int k = webhook ? 2 : 0; k < (webhook ? 3 : 2); k++) {
        char channel[64];
        if (webhook)
            snprintf(channel, sizeof(channel), "webhook");
        else
            snprintf(channel, sizeof(channel), "%s.%s", audience, kinds[k]);
        qw_render_ctx_t ctx;
        qw_render_ctx_init(&ctx, d, &rep, audience, channel);
        qw_buf_t o1, o2, o3;
        qw_buf_init(&o1, b1, OUT_MAX);
        qw_buf_init(&o2, b2, OUT_MAX);
        qw_buf_init(&o3, b3, OUT_MAX);
        int rc = k == 0   ? qw_tmpl_slack(set, &ctx, &o1, err, sizeof(err))
                 : k == 1 ? qw_tmpl_email(set, &ctx, &o1, &o2, &o3, err, sizeof(err))
                          : qw_tmpl_webhook(set, &ctx, &o1, err, sizeof(err));
        if (rc != QW_OK) {
            fprintf(stderr, "qwctl: %s for %s: %s\n", kinds[k], audience, err);
            failed = 1;
            continue;
        }
        if (k == 1) {
            section(audience, "email subject", qw_buf_str(&o1));
            section(audience, "email text", qw_buf_str(&o2));
            section(audience, "email html", qw_buf_str(&o3));
        } else {
            section(audience, k == 0 ? "slack json" : "webhook json", qw_buf_str(&o1));
        }
    }
    return failed;
}

int qwctl_preview(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 1 || argc > 2) return usage();
    const char *type = argv[0];
    if (!qw_dt_known(type)) {
        fprintf(stderr, "qwctl: %s is not a decision type (docs/engine.md lists them)\n", type);
        return 2;
    }
    char dir[4096], err[512];
    if (ctl->templates && ctl->templates[0])
        snprintf(dir, sizeof(dir), "%s", ctl->templates);
    else if (qw_path_data(dir, sizeof(dir), "templates") != QW_OK)
        snprintf(dir, sizeof(dir), "templates");
    qw_tmpl_set_t *set = malloc(sizeof(*set));
    char *bufs = malloc(3 * (size_t)OUT_MAX);
    if (!set || !bufs) {
        free(set);
        free(bufs);
        fprintf(stderr, "qwctl: out of memory\n");
        return 1;
    }
    qw_tmpl_init(set);
    int rc = 0;
    json_t *doc = NULL;
    if (qw_tmpl_load_dir(set, dir, err, sizeof(err)) != QW_OK) {
        fprintf(stderr, "qwctl: templates in %s: %s (--templates DIR)\n", dir, err);
        rc = 2;
        goto out;
    }
    Quotawatch__V1__Decision sample_d;
    char *sample_aud[2];
    Quotawatch__V1__Evidence sample_ev, *sample_evp[1];
    qw_decision_json_t dj;
    const Quotawatch__V1__Decision *d = &sample_d;
    if (argc == 2) {
        json_error_t je;
        doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &je);
        if (!doc) {
            fprintf(stderr, "qwctl: %s:%d: %s\n", argv[1], je.line, je.text);
            rc = 2;
            goto out;
        }
        if (qw_decision_json_read(doc, &dj, err, sizeof(err)) != QW_OK) {
            fprintf(stderr, "qwctl: %s: %s\n", argv[1], err);
            rc = 2;
            goto out;
        }
        if (strcmp(dj.msg.type, type) != 0) {
            fprintf(stderr, "qwctl: %s holds a %s, not a %s\n", argv[1], dj.msg.type, type);
            rc = 2;
            goto out;
        }
        d = &dj.msg;
    } else {
        sample(&sample_d, sample_aud, &sample_ev, sample_evp, type);
    }
    char *b1 = bufs, *b2 = bufs + OUT_MAX, *b3 = bufs + 2 * (size_t)OUT_MAX;
    if (ctl->audience && ctl->audience[0]) {
        qw_aud_t a;
        if (qw_aud_parse(ctl->audience, QW_AUD_COUNT, &a) != QW_OK) {
            fprintf(stderr,
                    "qwctl: --audience %s: one of rep, manager, team, hr, sales_ops, "
                    "webhook\n",
                    ctl->audience);
            rc = 2;
            goto out;
        }
        rc = render_for(set, d, qw_aud_name(a), b1, b2, b3);
    } else {
        for (size_t i = 0; i < d->n_audience; i++)
            rc |= render_for(set, d, d->audience[i], b1, b2, b3);
        /* The HR workflow and any generic webhook receive every decision. */
        rc |= render_for(set, d, "webhook", b1, b2, b3);
    }
out:
    json_decref(doc);
    qw_tmpl_free(set);
    free(set);
    free(bufs);
    return rc;
}
