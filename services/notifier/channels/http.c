#include "channel.h"

#include "quotawatch/common.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct {
    char body[256];
    size_t body_len;
    char retry_after[64];
} capture_t;

static size_t on_body(char *p, size_t size, size_t n, void *opaque)
{
    capture_t *c = opaque;
    size_t len = size * n, room = sizeof(c->body) - 1 - c->body_len;
    size_t take = len < room ? len : room;
    memcpy(c->body + c->body_len, p, take);
    c->body_len += take;
    c->body[c->body_len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *opaque)
{
    capture_t *c = opaque;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        size_t i = sizeof(name) - 1;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        size_t e = len;
        while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
            e--;
        snprintf(c->retry_after, sizeof(c->retry_after), "%.*s", (int)(e - i), p + i);
    }
    return len;
}

size_t qw_chan_label_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
        n++;
    return n;
}

int64_t qw_chan_retry_after(const char *v, int64_t now_ms)
{
    if (!v || !*v) return -1;
    int digits = 1;
    for (const char *p = v; *p; p++)
        if (!isdigit((unsigned char)*p)) digits = 0;
    if (digits) {
        long long s = strtoll(v, NULL, 10);
        if (s > 86400) s = 86400; /* a day at most: a broken header must not park a message */
        return s * 1000;
    }
    time_t at = curl_getdate(v, NULL);
    if (at < 0) return -1;
    /* Compare in seconds first: a far-future date would overflow in milliseconds. */
    if ((int64_t)at - now_ms / 1000 > 86400) return 86400000;
    int64_t d = (int64_t)at * 1000 - now_ms;
    return d < 0 ? 0 : d > 86400000 ? 86400000 : d;
}

void qw_chan_http_post(CURL *h, const qw_http_opts_t *o, const char *url, const char *body,
                       size_t len, struct curl_slist *headers, qw_send_result_t *res)
{
    capture_t cap;
    memset(&cap, 0, sizeof(cap));
    memset(res, 0, sizeof(*res));
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &cap);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &cap);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "quotawatch-notifier/0.1");
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        res->status = QW_SEND_RETRY;
        snprintf(res->reason, sizeof(res->reason), "%s",
                 rc == CURLE_OPERATION_TIMEDOUT                                  ? "timeout"
                 : rc == CURLE_COULDNT_CONNECT                                   ? "connect"
                 : rc == CURLE_COULDNT_RESOLVE_HOST                              ? "resolve"
                 : rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ? "bad_url"
                                                                                 : "transport");
        if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
            res->status = QW_SEND_PERMANENT;
        snprintf(res->detail, sizeof(res->detail), "%s", curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
    snprintf(res->detail, sizeof(res->detail), "%s", cap.body);
    long c = res->code;
    if (c >= 200 && c < 300) {
        res->status = QW_SEND_OK;
        snprintf(res->reason, sizeof(res->reason), "ok");
        return;
    }
    snprintf(res->reason, sizeof(res->reason), "http_%ld", c);
    if (c == 408 || c == 425 || c == 429 || c >= 500) {
        res->status = QW_SEND_RETRY;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* only to read an HTTP-date Retry-After */
        int64_t ra =
            qw_chan_retry_after(cap.retry_after, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        res->retry_after_ms = ra > 0 ? ra : 0;
    } else {
        res->status = QW_SEND_PERMANENT;
    }
}

int qw_chan_header_encode(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        int keep = *p > 0x20 && *p < 0x7F && *p != '%';
        size_t need = keep ? 1 : 3;
        if (o + need >= outlen) return QW_ERR;
        if (keep) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (outlen == 0) return QW_ERR;
    out[o] = '\0';
    return QW_OK;
}

int qw_chan_header_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F) return 0;
    return 1;
}
