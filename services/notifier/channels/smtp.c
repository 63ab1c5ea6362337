#include "channel.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *p;
    size_t left;
} reader_t;

static size_t on_read(char *buf, size_t size, size_t n, void *opaque)
{
    reader_t *r = opaque;
    size_t room = size * n, take = r->left < room ? r->left : room;
    memcpy(buf, r->p, take);
    r->p += take;
    r->left -= take;
    return take;
}

void qw_chan_smtp_send(CURL *h, const qw_smtp_opts_t *o, const char *to, const char *msg,
                       size_t len, qw_send_result_t *res)
{
    memset(res, 0, sizeof(*res));
    int implicit_tls = strncasecmp(o->url, "smtps://", 8) == 0;
    if (o->user && *o->user && !o->require_tls && !implicit_tls) {
        /* Refused at start too (qw_secure_check): a password never goes out in clear. */
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "auth_in_clear");
        snprintf(res->detail, sizeof(res->detail), "SMTP AUTH over a cleartext connection");
        return;
    }
    char from[512], rcpt[512];
    snprintf(from, sizeof(from), "<%s>", o->from);
    snprintf(rcpt, sizeof(rcpt), "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    reader_t r = {msg, len};
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* STARTTLS required (CURLUSESSL_ALL), or, with --smtp-allow-plaintext, used when the
     * server offers it (CURLUSESSL_TRY). smtps:// is TLS from the first byte either way. */
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     (long)(o->require_tls || implicit_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (o->cacert && *o->cacert) curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    if (o->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (o->user && *o->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(rcpts);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
    if (rc == CURLE_OK) {
        res->status = QW_SEND_OK;
        snprintf(res->reason, sizeof(res->reason), "ok");
        return;
    }
    snprintf(res->detail, sizeof(res->detail), "%s", curl_easy_strerror(rc));
    if (rc == CURLE_USE_SSL_FAILED) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "starttls_unavailable");
    } else if (rc == CURLE_LOGIN_DENIED) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "login_denied");
    } else if (res->code >= 500 && res->code < 600) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "smtp_%ld", res->code);
    } else if (res->code >= 400 && res->code < 500) {
        res->status = QW_SEND_RETRY;
        snprintf(res->reason, sizeof(res->reason), "smtp_%ld", res->code);
    } else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
        res->status = QW_SEND_PERMANENT;
        snprintf(res->reason, sizeof(res->reason), "bad_url");
    } else {
        res->status = QW_SEND_RETRY;
        snprintf(res->reason, sizeof(res->reason), "%s",
                 rc == CURLE_OPERATION_TIMEDOUT ? "timeout"
                 : rc == CURLE_COULDNT_CONNECT  ? "connect"
                                                : "transport");
    }
}
