/* Channels: one libcurl request per notification, classified so that the delivery layer knows
 * what to do next: done, try again (after Retry-After when the endpoint said so), or give up. */
#ifndef QW_CHANNEL_H
#define QW_CHANNEL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "sign.h"

typedef enum { QW_SEND_OK, QW_SEND_RETRY, QW_SEND_PERMANENT } qw_send_status_t;

typedef struct qw_send_result_s {
    qw_send_status_t status;
    int64_t retry_after_ms; /* > 0: the endpoint asked to wait this long (HTTP 429/503) */
    long code;              /* HTTP status or SMTP reply code, 0 when there was none */
    char reason[48];        /* short label for metrics and the DLQ: "http_500", "invalid_blocks" */
    char detail[256];       /* for the log: the endpoint's error body or curl's message */
} qw_send_result_t;

typedef struct qw_http_opts_s {
    long timeout_ms; /* the whole request; one slow endpoint must not hold the others long */
    long connect_timeout_ms;
} qw_http_opts_t;

/* POST body to url with the given extra headers; classifies the answer:
 * 2xx ok; 408, 425, 429 and 5xx retry (Retry-After honoured); other 4xx permanent;
 * connection and timeout errors retry. The response body (first bytes) goes to detail. */
void qw_chan_http_post(CURL *h, const qw_http_opts_t *o, const char *url, const char *body,
                       size_t len, struct curl_slist *headers, qw_send_result_t *res);

/* A value made safe for one HTTP header field whatever its origin: visible ASCII is kept,
 * '%', space, controls (CR, LF, ...) and non-ASCII bytes become %XX. QW_ERR when out (outlen
 * bytes) is too small; nothing is cut. */
int qw_chan_header_encode(const char *in, char *out, size_t outlen);

/* 1 when s can go into a header as it is (visible ASCII and spaces, no CR/LF/controls). */
int qw_chan_header_ok(const char *s);

/* Length of the run of [a-z0-9_] that s starts with, at most max: how an endpoint's error code
 * becomes a bounded metric label (and nothing else does). */
size_t qw_chan_label_len(const char *s, size_t max);

/* Parses a Retry-After value: delta seconds, or an HTTP date relative to now_ms.
 * Returns milliseconds (>= 0), or -1 when it is not one of those. */
int64_t qw_chan_retry_after(const char *value, int64_t now_ms);

/* Slack incoming webhook: JSON body; Slack's plain-text error bodies (invalid_blocks,
 * no_text, channel_not_found, ...) become the reason. */
void qw_chan_slack_send(CURL *h, const qw_http_opts_t *o, const char *url, const char *json,
                        size_t len, qw_send_result_t *res);

/* Slack Web API chat.postMessage to a user id (the app's DM with that user), authorised with
 * a bot token (scope chat:write) that is never logged. json is the rendered Slack message;
 * the channel is added. HTTP 200 with "ok":false is an error: ratelimited, internal_error and
 * the like retry, everything else (channel_not_found, invalid_auth, ...) is permanent, with
 * Slack's error code as the reason. */
void qw_chan_slack_api_send(CURL *h, const qw_http_opts_t *o, const char *api_url,
                            const char *token, const char *user_id, const char *json, size_t len,
                            qw_send_result_t *res);
/* The classification of a 2xx answer's body (pure; the first bytes are enough). */
void qw_chan_slack_api_classify(const char *body, qw_send_result_t *res);
/* 1 when id looks like a Slack user id (U... or W..., upper-case letters and digits). */
int qw_chan_slack_user_ok(const char *id);

/* Signed webhook (CloudEvents structured mode): webhook-id, webhook-timestamp (now_s) and
 * webhook-signature headers per Standard Webhooks; key NULL sends unsigned. */
void qw_chan_webhook_send(CURL *h, const qw_http_opts_t *o, const char *url, const char *json,
                          size_t len, const qw_sign_key_t *key, const char *msg_id, int64_t now_s,
                          qw_send_result_t *res);

typedef struct qw_smtp_opts_s {
    const char *url;  /* smtp://host:port or smtps://host:port */
    const char *from; /* envelope and header From */
    const char *user; /* NULL: no authentication */
    const char *password;
    int require_tls;    /* STARTTLS required (CURLUSESSL_ALL); 0: used when offered */
    int insecure;       /* skip certificate verification (tests with self-signed certs only) */
    const char *cacert; /* CA bundle file; NULL: the system's */
    long timeout_ms;
} qw_smtp_opts_t;

/* Sends one RFC 5322 message (built by qw_mail_build) to one recipient. SMTP 4xx and
 * connection errors retry; 5xx, refused logins and a server without STARTTLS when it is
 * required are permanent. */
void qw_chan_smtp_send(CURL *h, const qw_smtp_opts_t *o, const char *to, const char *msg,
                       size_t len, qw_send_result_t *res);

#endif
