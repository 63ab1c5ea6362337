/* Slack Web API chat.postMessage with a bot token: how an app sends a direct message to a user
 * by id (the roster's Slack user id), which incoming webhooks cannot. Slack answers most errors
 * with HTTP 200 and {"ok":false,"error":"..."}, so the HTTP status alone says little. */
#include "channel.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors worth another attempt; every other error is about the request, the token or the
 * channel and would fail again the same way. */
static const char *const qw_slack_transient[] = {
    "ratelimited",         "rate_limited",    "internal_error",    "fatal_error",
    "service_unavailable", "request_timeout", "team_added_to_org", NULL};

int qw_chan_slack_user_ok(const char *id)
{
    /* User ids: U or W then upper-case letters and digits (Slack's encoded ids). */
    size_t n = id ? strlen(id) : 0;
    if (n < 2 || n > 32 || (id[0] != 'U' && id[0] != 'W')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9'))) return 0;
    return 1;
}

void qw_chan_slack_api_classify(const char *body, qw_send_result_t *res)
{
    /* The capture holds the first bytes only; Slack puts "ok" first, but accept any order. */
    const char *ok = strstr(body, "\"ok\":");
    if (!ok) {
        res->status = QW_SEND_RETRY;
        snprintf(res->reason, sizeof(res->reason), "bad_response");
        return;
    }
    ok += 5;
    while (*ok == ' ')
        ok++;
    if (strncmp(ok, "true", 4) == 0) {
        res->status = QW_SEND_OK;
        snprintf(res->reason, sizeof(res->reason), "ok");
        return;
    }
    snprintf(res->reason, sizeof(res->reason), "slack_error");
    const char *e = strstr(body, "\"error\":");
    if (e) {
        e += 8;
        while (*e == ' ')
            e++;
        size_t n = *e == '"' ? qw_chan_label_len(++e, 39) : 0;
        if (n > 0 && e[n] == '"') snprintf(res->reason, sizeof(res->reason), "%.*s", (int)n, e);
    }
    res->status = QW_SEND_PERMANENT;
    for (const char *const *t = qw_slack_transient; *t; t++)
        if (strcmp(res->reason, *t) == 0) res->status = QW_SEND_RETRY;
}

void qw_chan_slack_api_send(CURL *h, const qw_http_opts_t *o, const char *api_url,
                            const char *token, const char *user_id, const char *json, size_t len,
                            qw_send_result_t *res)
{
    memset(res, 0, sizeof(*res));
    if (!qw_chan_slack_user_ok(user_id)) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "bad_slack_user_id");
        return;
    }
    /* The rendered message plus the channel: posting to a user id opens the app's DM. */
    json_error_t jerr;
    json_t *msg = json_loadb(json, len, 0, &jerr);
    char *body = NULL;
    if (msg && json_is_object(msg) &&
        json_object_set_new(msg, "channel", json_string(user_id)) == 0)
        body = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!body) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "render");
        snprintf(res->detail, sizeof(res->detail), "Slack message is not a JSON object");
        return;
    }
    if (!token || !qw_chan_header_ok(token)) {
        /* A token with CR/LF would add header lines of its own: refuse, never log it. */
        free(body);
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "bad_token");
        snprintf(res->detail, sizeof(res->detail), "the Slack token has control characters");
        return;
    }
    char url[600], auth[600];
    snprintf(url, sizeof(url), "%s/chat.postMessage", api_url);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    hd = curl_slist_append(hd, auth);
    qw_chan_http_post(h, o, url, body, strlen(body), hd, res);
    curl_slist_free_all(hd);
    memset(auth, 0, sizeof(auth)); /* the token does not linger on the stack */
    free(body);
    if (res->status == QW_SEND_OK) qw_chan_slack_api_classify(res->detail, res);
}
