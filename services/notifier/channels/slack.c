#include "channel.h"

#include <stdio.h>
#include <string.h>

void qw_chan_slack_send(CURL *h, const qw_http_opts_t *o, const char *url, const char *json,
                        size_t len, qw_send_result_t *res)
{
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    qw_chan_http_post(h, o, url, json, len, hd, res);
    curl_slist_free_all(hd);
    if (res->status == QW_SEND_OK || res->code == 0) return;
    /* Slack answers errors with a short plain-text code (invalid_blocks, no_text,
     * channel_not_found, ...): a bounded label made of [a-z0-9_] only. */
    size_t n = qw_chan_label_len(res->detail, 39);
    if (n > 0 && res->detail[n] == '\0')
        snprintf(res->reason, sizeof(res->reason), "%.*s", (int)n, res->detail);
}
