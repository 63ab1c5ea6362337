/* The template files, loaded once at start-up, and the composition of one notification from
 * them. Lookup falls back from the most specific file to the default:
 *   <kind>/<type>.<audience>.<part>.tmpl, <kind>/<type>.<part>.tmpl, <kind>/default.<part>.tmpl
 * kinds and parts: slack: json; email: subject, txt, html; webhook: json. */
#ifndef QW_TEMPLATES_H
#define QW_TEMPLATES_H

#include "render.h"

#define QW_TMPL_MAX_FILES 256
#define QW_TMPL_MAX_BYTES (64 * 1024)

typedef struct qw_tmpl_file_s {
    char name[128]; /* relative to the template directory, e.g. slack/default.json.tmpl */
    char *text;
    size_t len;
} qw_tmpl_file_t;

typedef struct qw_tmpl_set_s {
    qw_tmpl_file_t files[QW_TMPL_MAX_FILES];
    size_t n;
} qw_tmpl_set_t;

void qw_tmpl_init(qw_tmpl_set_t *set);
void qw_tmpl_free(qw_tmpl_set_t *set);
/* Adds one template (copied). */
int qw_tmpl_add(qw_tmpl_set_t *set, const char *name, const char *text, size_t len, char *errbuf,
                size_t errlen);
/* Loads the .tmpl files of dir/slack, dir/email and dir/webhook, then checks every file
 * (qw_tmpl_check). */
int qw_tmpl_load_dir(qw_tmpl_set_t *set, const char *dir, char *errbuf, size_t errlen);
/* Renders every template against a sample decision: syntax, names, JSON validity and Slack
 * shape; the default templates of each kind must exist. */
int qw_tmpl_check(const qw_tmpl_set_t *set, char *errbuf, size_t errlen);

/* The most specific template for (kind, type, audience, part), or NULL. */
const qw_tmpl_file_t *qw_tmpl_find(const qw_tmpl_set_t *set, const char *kind, const char *type,
                                   const char *audience, const char *part);

/* Composition: pure, into caller buffers. */
int qw_tmpl_slack(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *out, char *errbuf,
                  size_t errlen);
int qw_tmpl_email(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *subject,
                  qw_buf_t *text, qw_buf_t *html, char *errbuf, size_t errlen);
/* A CloudEvent in structured JSON mode; checked to be valid JSON. */
int qw_tmpl_webhook(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *out,
                    char *errbuf, size_t errlen);

#endif
