#include "channel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void qw_chan_webhook_send(CURL *h, const qw_http_opts_t *o, const char *url, const char *json,
                          size_t len, const qw_sign_key_t *key, const char *msg_id, int64_t now_s,
                          qw_send_result_t *res)
{
    char line[512];
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/cloudevents+json; charset=utf-8");
    snprintf(line, sizeof(line), "webhook-id: %s", msg_id);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %" PRId64, now_s);
    hd = curl_slist_append(hd, line);
    if (key) {
        char sig[QW_SIGN_SIG_MAX];
        if (qw_sign(key, msg_id, now_s, json, len, sig) != 0) {
            curl_slist_free_all(hd);
            memset(res, 0, sizeof(*res));
            res->status = QW_SEND_PERMANENT;
            snprintf(res->reason, sizeof(res->reason), "sign_failed");
            return;
        }
        snprintf(line, sizeof(line), "webhook-signature: %s", sig);
        hd = curl_slist_append(hd, line);
    }
    qw_chan_http_post(h, o, url, json, len, hd, res);
    curl_slist_free_all(hd);
}
