/* qwctl rep|team|decision|health: the same facts as qw-web's API, in the terminal. They ask
 * qw-web (--web URL) as a person (--as EMAIL, sent as the SSO proxy's header), so a terminal
 * shows exactly what that person's page shows and nothing the roster does not allow them. Exit:
 * 0; 1 not found; 2 usage; 3 qw-web unreachable or not ready; 4 refused (401/403). */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/bytes.h"
#include "qwctl.h"
#include "views_render.h"

#define BODY_MAX (8 * 1024 * 1024)

/* GET path; *doc gets the parsed body. Returns the HTTP status, or -1 (message printed). */
static long get(const qwctl_t *ctl, const char *path, json_t **doc)
{
    *doc = NULL;
    CURL *c = curl_easy_init();
    if (!c) return -1;
    qw_bytes_t b = {.max = BODY_MAX};
    char url[4096], hdr[512];
    snprintf(url, sizeof(url), "%s%s", ctl->web_url, path);
    snprintf(hdr, sizeof(hdr), "%s: %s", ctl->web_header, ctl->web_as ? ctl->web_as : "");
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, qw_bytes_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    long status = -1;
    if (rc != CURLE_OK) {
        fprintf(stderr, "qwctl: qw-web at %s: %s (check --web)\n", ctl->web_url,
                curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        *doc = b.p ? json_loads(b.p, 0, NULL) : NULL;
        if (!*doc) {
            fprintf(stderr, "qwctl: qw-web answered %ld without JSON: is --web qw-web's API?\n",
                    status);
            status = -1;
        }
    }
    qw_bytes_free(&b);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* A path segment, percent-encoded (ids are upstream bytes). */
static int seg(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (n + 4 >= cap) return -1;
        n += plain ? (size_t)snprintf(out + n, cap - n, "%c", ch)
                   : (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    return 0;
}

static int exit_of(long status, json_t *doc)
{
    const char *msg = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
    if (status == 200) return 0;
    fprintf(stderr, "qwctl: qw-web: %ld %s\n", status, msg ? msg : "");
    if (status == 404) return 1;
    if (status == 400) return 2;
    if (status == 401 || status == 403) {
        if (status == 401)
            fprintf(stderr, "qwctl: give --as EMAIL (qw-web must trust this host: "
                            "--trusted-proxy)\n");
        return 4;
    }
    return 3;
}

int qwctl_view(qwctl_t *ctl, const char *kind, int argc, char **argv)
{
    int health = !strcmp(kind, "health");
    if ((!health && argc != 1) || (health && argc != 0)) {
        fprintf(stderr, "usage: qwctl [--web URL] [--as EMAIL] [--period P] [--json] %s%s\n", kind,
                health ? "" : " ID");
        return 2;
    }
    char id[1024] = "", path[2048], q[64] = "";
    if (!health && seg(id, sizeof(id), argv[0]) != 0) {
        fprintf(stderr, "qwctl: the id is too long\n");
        return 2;
    }
    if (ctl->period && *ctl->period) {
        char p[48];
        if (seg(p, sizeof(p), ctl->period) != 0) return 2;
        snprintf(q, sizeof(q), "?period=%s", p);
    }
    const char *what = !strcmp(kind, "rep")    ? "reps"
                       : !strcmp(kind, "team") ? "teams"
                                               : "decisions";
    if (health)
        snprintf(path, sizeof(path), "/api/v1/health%s", q);
    else
        snprintf(path, sizeof(path), "/api/v1/%s/%s%s", what, id,
                 !strcmp(kind, "decision") ? "" : q);
    json_t *doc, *ds = NULL;
    long st = get(ctl, path, &doc);
    if (st < 0) return 3;
    int rc = exit_of(st, doc);
    if (rc == 0 && !strcmp(kind, "rep")) {
        snprintf(path, sizeof(path), "/api/v1/reps/%s/decisions%s", id, q);
        if (get(ctl, path, &ds) != 200) {
            json_decref(ds);
            ds = NULL;
        }
    }
    if (rc == 0) {
        if (ctl->json) {
            if (ds) json_object_set(doc, "decisions", json_object_get(ds, "decisions"));
            char *s = json_dumps(doc, JSON_INDENT(2));
            if (s) puts(s);
            free(s);
        } else {
            qw_views_render(stdout, kind, doc, ds);
        }
    }
    json_decref(doc);
    json_decref(ds);
    return rc;
}
