/* The notifier's template language and the values a decision offers to it. Pure: rendering
 * reads only its arguments and writes only the caller's bounded buffer.
 *
 * Language (a small subset in the spirit of Mustache):
 *   {{name}}            a value, escaped for the template's target (json, html, text, header)
 *   {{name|mrkdwn}}     in a JSON template: Slack mrkdwn escaping (& < >), then JSON
 *   {{#name}}..{{/name}} section: a list (evidence) repeats, a string or number shows when
 *                        non-empty / non-zero; {{^name}}..{{/name}} is the inverse
 *   {{evidence.KEY}}    one evidence entry by key: its text, else its value ("" when absent)
 *   {{! comment }}
 * Unknown names, unknown filters and unbalanced sections are errors, so a broken template is
 * refused when it is loaded rather than when a decision arrives. */
#ifndef QW_RENDER_H
#define QW_RENDER_H

#include "render_escape.h"
#include "quotawatch/v1/decision.pb-c.h"
#include "quotawatch/roster.h"

/* A decision as the templates see it: the decision, the rep's profile (NULL when the roster
 * has none) and the formatted numbers, computed once per notification. */
typedef struct qw_render_ctx_s {
    const Quotawatch__V1__Decision *d;
    const qw_rep_profile_t *rep;
    const char *audience; /* rep, manager, team, hr, sales_ops, webhook */
    const char *channel;  /* the delivery channel name, e.g. team.slack */
    char attainment[32];  /* "104.2%" */
    char credited[64];    /* "12500.00 USD" */
    char quota[64];
    char time[40];       /* RFC 3339, UTC */
    char type_label[64]; /* "Quota achieved" */
} qw_render_ctx_t;

void qw_render_ctx_init(qw_render_ctx_t *ctx, const Quotawatch__V1__Decision *d,
                        const qw_rep_profile_t *rep, const char *audience, const char *channel);

/* Renders tmpl (len bytes) with every value escaped for target into out. Returns QW_OK, or
 * QW_ERR with the reason in errbuf (template error, or output larger than out). */
int qw_render(const char *tmpl, size_t len, qw_esc_t target, const qw_render_ctx_t *ctx,
              qw_buf_t *out, char *errbuf, size_t errlen);

/* Formatting helpers, integers only. */
char *qw_render_percent_bp(int64_t bp, char *out, size_t outlen); /* 10420 -> "104.2%" */
char *qw_render_money(int64_t minor, const char *currency, char *out, size_t outlen);
char *qw_render_rfc3339(int64_t ms, char *out, size_t outlen);

#endif
