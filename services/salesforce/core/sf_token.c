/* Token endpoint answers: {"access_token", "instance_url", "token_type": "Bearer", ...} or
 * {"error", "error_description"}. */
#include "sf_token.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int printable(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s > '~') return 0;
    return 1;
}

int qw_sf_url_allowed(const char *url)
{
    if (!url || !printable(url)) return 0;
    if (!strncmp(url, "https://", 8)) return url[8] != '\0' && url[8] != '/';
    static const char *const loop[] = {"http://127.0.0.1", "http://[::1]", "http://localhost"};
    for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
        size_t n = strlen(loop[i]);
        if (!strncmp(url, loop[i], n) && (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
            return 1;
    }
    return 0;
}

/* Server text bound for a log line: bounded, only printable ASCII kept. */
static void clean(const char *in, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; in && in[i] && j + 1 < outlen; i++)
        out[j++] = in[i] >= ' ' && in[i] <= '~' ? in[i] : '?';
    out[j] = '\0';
}

static int fail_oauth(const json_t *root, long status, qw_sf_token_t *t, char *errbuf,
                      size_t errlen)
{
    char code[64], desc[160];
    clean(json_string_value(json_object_get(root, "error")), code, sizeof(code));
    clean(json_string_value(json_object_get(root, "error_description")), desc, sizeof(desc));
    snprintf(t->error, sizeof(t->error), "%s", code);
    return qw_err_set(errbuf, errlen, "token endpoint answered %ld %s%s%s", status,
                      *code ? code : "without a token", *desc ? ": " : "", desc);
}

int qw_sf_token_parse(const char *buf, size_t len, long status, qw_sf_token_t *t, char *errbuf,
                      size_t errlen)
{
    memset(t, 0, sizeof(*t));
    json_error_t je;
    json_t *root = json_loadb(buf, len, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return qw_err_set(errbuf, errlen, "token endpoint answered %ld, not a JSON object", status);
    }
    int rc = QW_ERR;
    const char *tok = json_string_value(json_object_get(root, "access_token"));
    const char *url = json_string_value(json_object_get(root, "instance_url"));
    const char *type = json_string_value(json_object_get(root, "token_type"));
    if (status != 200 || !tok) {
        rc = fail_oauth(root, status, t, errbuf, errlen);
    } else if (!*tok || strlen(tok) >= sizeof(t->access_token) || !printable(tok)) {
        rc = qw_err_set(errbuf, errlen, "token endpoint: unusable access_token");
    } else if (type && strcasecmp(type, "Bearer")) {
        rc = qw_err_set(errbuf, errlen, "token endpoint: token_type %.32s, not Bearer", type);
    } else if (!url || strlen(url) >= sizeof(t->instance_url) || !qw_sf_url_allowed(url)) {
        rc = qw_err_set(errbuf, errlen,
                        "token endpoint: instance_url missing or not https:// (http:// only to "
                        "loopback)");
    } else {
        strcpy(t->access_token, tok);
        strcpy(t->instance_url, url);
        size_t n = strlen(t->instance_url);
        while (n > 0 && t->instance_url[n - 1] == '/')
            t->instance_url[--n] = '\0';
        rc = QW_OK;
    }
    json_decref(root);
    if (rc != QW_OK) memset(t->access_token, 0, sizeof(t->access_token));
    return rc;
}
