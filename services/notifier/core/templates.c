#include "templates.h"

#include "render_slack.h"
#include "quotawatch/common.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qw_tmpl_init(qw_tmpl_set_t *set)
{
    set->n = 0;
}

void qw_tmpl_free(qw_tmpl_set_t *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->files[i].text);
    set->n = 0;
}

int qw_tmpl_add(qw_tmpl_set_t *set, const char *name, const char *text, size_t len, char *errbuf,
                size_t errlen)
{
    if (set->n >= QW_TMPL_MAX_FILES)
        return qw_err_set(errbuf, errlen, "more than %d templates", QW_TMPL_MAX_FILES);
    if (len > QW_TMPL_MAX_BYTES)
        return qw_err_set(errbuf, errlen, "template %s is larger than %d bytes", name,
                          QW_TMPL_MAX_BYTES);
    qw_tmpl_file_t *f = &set->files[set->n];
    if (qw_strlcpy_checked(f->name, sizeof(f->name), name, strlen(name)))
        return qw_err_set(errbuf, errlen, "template name too long: %s", name);
    f->text = malloc(len + 1);
    if (!f->text) return qw_err_set(errbuf, errlen, "out of memory");
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    f->len = len;
    set->n++;
    return QW_OK;
}

static int load_file(qw_tmpl_set_t *set, const char *dir, const char *kind, const char *fname,
                     char *errbuf, size_t errlen)
{
    char path[1024], name[256];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, kind, fname);
    snprintf(name, sizeof(name), "%s/%s", kind, fname);
    FILE *fp = fopen(path, "rb");
    if (!fp) return qw_err_set(errbuf, errlen, "cannot open %s", path);
    char *buf = malloc(QW_TMPL_MAX_BYTES + 1);
    if (!buf) {
        fclose(fp);
        return qw_err_set(errbuf, errlen, "out of memory");
    }
    size_t n = fread(buf, 1, QW_TMPL_MAX_BYTES + 1, fp);
    fclose(fp);
    int rc = qw_tmpl_add(set, name, buf, n, errbuf, errlen);
    free(buf);
    return rc;
}

int qw_tmpl_load_dir(qw_tmpl_set_t *set, const char *dir, char *errbuf, size_t errlen)
{
    static const char *const kinds[] = {"slack", "email", "webhook"};
    for (size_t k = 0; k < 3; k++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, kinds[k]);
        DIR *d = opendir(path);
        if (!d) return qw_err_set(errbuf, errlen, "cannot open template directory %s", path);
        struct dirent *e;
        int rc = QW_OK;
        while (rc == QW_OK && (e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 5, ".tmpl") != 0) continue;
            rc = load_file(set, dir, kinds[k], e->d_name, errbuf, errlen);
        }
        closedir(d);
        if (rc) return rc;
    }
    return qw_tmpl_check(set, errbuf, errlen);
}

const qw_tmpl_file_t *qw_tmpl_find(const qw_tmpl_set_t *set, const char *kind, const char *type,
                                   const char *audience, const char *part)
{
    char cand[3][160];
    snprintf(cand[0], sizeof(cand[0]), "%s/%s.%s.%s.tmpl", kind, type, audience, part);
    snprintf(cand[1], sizeof(cand[1]), "%s/%s.%s.tmpl", kind, type, part);
    snprintf(cand[2], sizeof(cand[2]), "%s/default.%s.tmpl", kind, part);
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < set->n; i++)
            if (strcmp(set->files[i].name, cand[c]) == 0) return &set->files[i];
    return NULL;
}

static int render_part(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, const char *kind,
                       const char *part, qw_esc_t esc, qw_buf_t *out, char *errbuf, size_t errlen)
{
    const qw_tmpl_file_t *f = qw_tmpl_find(set, kind, ctx->d->type, ctx->audience, part);
    if (!f) return qw_err_set(errbuf, errlen, "no %s template for %s/%s", kind, ctx->d->type, part);
    char e[QW_ERRSTR_MAX];
    if (qw_render(f->text, f->len, esc, ctx, out, e, sizeof(e)))
        return qw_err_set(errbuf, errlen, "%s: %s", f->name, e);
    return QW_OK;
}

int qw_tmpl_slack(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *out, char *errbuf,
                  size_t errlen)
{
    char *tmp = malloc(out->cap ? out->cap : 1);
    if (!tmp) return qw_err_set(errbuf, errlen, "out of memory");
    qw_buf_t raw;
    qw_buf_init(&raw, tmp, out->cap);
    int rc = render_part(set, ctx, "slack", "json", QW_ESC_JSON, &raw, errbuf, errlen);
    if (rc == QW_OK) {
        char e[QW_ERRSTR_MAX];
        rc = qw_slack_finish(raw.p, raw.len, out, e, sizeof(e));
        if (rc) qw_err_set(errbuf, errlen, "slack template for %s: %s", ctx->d->type, e);
    }
    free(tmp);
    return rc;
}

int qw_tmpl_email(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *subject,
                  qw_buf_t *text, qw_buf_t *html, char *errbuf, size_t errlen)
{
    if (render_part(set, ctx, "email", "subject", QW_ESC_HEADER, subject, errbuf, errlen) ||
        render_part(set, ctx, "email", "txt", QW_ESC_TEXT, text, errbuf, errlen) ||
        render_part(set, ctx, "email", "html", QW_ESC_HTML, html, errbuf, errlen))
        return QW_ERR;
    /* A subject is one line: the template's own newlines (a trailing one, say) go too. */
    while (subject->len &&
           (subject->p[subject->len - 1] == '\n' || subject->p[subject->len - 1] == ' '))
        subject->len--;
    for (size_t i = 0; i < subject->len; i++)
        if (subject->p[i] == '\n' || subject->p[i] == '\r') subject->p[i] = ' ';
    qw_buf_str(subject);
    return QW_OK;
}

int qw_tmpl_webhook(const qw_tmpl_set_t *set, const qw_render_ctx_t *ctx, qw_buf_t *out,
                    char *errbuf, size_t errlen)
{
    if (render_part(set, ctx, "webhook", "json", QW_ESC_JSON, out, errbuf, errlen)) return QW_ERR;
    json_error_t jerr;
    json_t *j = json_loadb(out->p, out->len, 0, &jerr);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return qw_err_set(errbuf, errlen, "webhook template for %s is not a JSON object: %s",
                          ctx->d->type, j ? "" : jerr.text);
    }
    json_decref(j);
    return QW_OK;
}

int qw_tmpl_check(const qw_tmpl_set_t *set, char *errbuf, size_t errlen)
{
    /* A sample with every field set, hostile characters included, and one evidence item. */
    Quotawatch__V1__Evidence ev = QUOTAWATCH__V1__EVIDENCE__INIT;
    Quotawatch__V1__Evidence *evs[1] = {&ev};
    ev.key = "sample";
    ev.value = 1;
    ev.text = "<b>\"x\" & y</b>";
    char *aud[] = {"rep"};
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "sample-id";
    d.rep_id = "rep-1";
    d.team_id = "team-1";
    d.period = "2026-11";
    d.policy_version = "p1";
    d.quota_version = "q1";
    d.currency = "USD";
    d.summary = "Sample <summary> & \"quotes\"\n";
    d.withdraws = "other";
    d.n_audience = 1;
    d.audience = aud;
    d.n_evidence = 1;
    d.evidence = evs;
    qw_rep_profile_t rep;
    memset(&rep, 0, sizeof(rep));
    snprintf(rep.name, sizeof(rep.name), "Sample Rep");
    static const char *const audiences[] = {"rep", "manager", "team", "hr", "sales_ops", "webhook"};
    char *b1 = malloc(3 * QW_TMPL_MAX_BYTES * 4);
    if (!b1) return qw_err_set(errbuf, errlen, "out of memory");
    char *b2 = b1 + QW_TMPL_MAX_BYTES * 4, *b3 = b2 + QW_TMPL_MAX_BYTES * 4;
    int rc = QW_OK;
    static const char *const required[] = {"slack/default.json.tmpl", "email/default.subject.tmpl",
                                           "email/default.txt.tmpl", "email/default.html.tmpl",
                                           "webhook/default.json.tmpl"};
    for (size_t r = 0; r < sizeof(required) / sizeof(required[0]) && rc == QW_OK; r++) {
        size_t i = 0;
        while (i < set->n && strcmp(set->files[i].name, required[r]) != 0)
            i++;
        if (i == set->n) rc = qw_err_set(errbuf, errlen, "missing template %s", required[r]);
    }
    for (size_t i = 0; i < set->n && rc == QW_OK; i++) {
        /* The type and audience come from the file name: <kind>/<type>[.<aud>].<part>.tmpl */
        char type[128];
        const char *slash = strchr(set->files[i].name, '/');
        const char *base = slash ? slash + 1 : set->files[i].name;
        size_t kl = slash ? (size_t)(slash - set->files[i].name) : 0;
        char kind[16];
        snprintf(kind, sizeof(kind), "%.*s", (int)kl, set->files[i].name);
        snprintf(type, sizeof(type), "%s", base);
        char *dot = strstr(type, ".");
        /* types look like reward.quota_achieved: the second dot ends the type */
        if (dot && strncmp(type, "default.", 8) != 0) dot = strchr(dot + 1, '.');
        if (dot) *dot = '\0';
        d.type = strcmp(type, "default") == 0 ? "reward.quota_achieved" : type;
        for (size_t a = 0; a < sizeof(audiences) / sizeof(audiences[0]) && rc == QW_OK; a++) {
            qw_render_ctx_t ctx;
            qw_render_ctx_init(&ctx, &d, &rep, audiences[a], "sample");
            qw_buf_t o1, o2, o3;
            qw_buf_init(&o1, b1, QW_TMPL_MAX_BYTES * 4);
            qw_buf_init(&o2, b2, QW_TMPL_MAX_BYTES * 4);
            qw_buf_init(&o3, b3, QW_TMPL_MAX_BYTES * 4);
            if (strcmp(kind, "slack") == 0)
                rc = qw_tmpl_slack(set, &ctx, &o1, errbuf, errlen);
            else if (strcmp(kind, "email") == 0)
                rc = qw_tmpl_email(set, &ctx, &o1, &o2, &o3, errbuf, errlen);
            else if (strcmp(kind, "webhook") == 0)
                rc = qw_tmpl_webhook(set, &ctx, &o1, errbuf, errlen);
            else
                rc = qw_err_set(errbuf, errlen, "template %s: unknown kind", set->files[i].name);
        }
    }
    free(b1);
    return rc;
}
