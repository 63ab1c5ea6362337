#include "channel.h"

#include "quotawatch/id.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void qw_chan_webhook_send(CURL *h, const qw_http_opts_t *o, const char *url, const char *json,
                          size_t len, const qw_sign_key_t *key, const char *msg_id, int64_t now_s,
                          qw_send_result_t *res)
{
    /* The id is built from CRM and roster ids: it goes out encoded for the header (and is
     * signed as sent), so no byte of it can end the header line. Plain ids are unchanged. */
    char id[3 * (QW_DECISION_ID_MAX + 64) + 1], line[sizeof(id) + 32];
    if (qw_chan_header_encode(msg_id, id, sizeof(id)) != QW_OK) {
        memset(res, 0, sizeof(*res));
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "bad_header");
        snprintf(res->detail, sizeof(res->detail), "webhook-id longer than %zu bytes encoded",
                 sizeof(id) - 1);
        return;
    }
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/cloudevents+json; charset=utf-8");
    snprintf(line, sizeof(line), "webhook-id: %s", id);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %" PRId64, now_s);
    hd = curl_slist_append(hd, line);
    if (key) {
        char sig[QW_SIGN_SIG_MAX];
        if (qw_sign(key, id, now_s, json, len, sig) != 0) {
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
