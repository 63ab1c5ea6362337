/* libcurl requests of the subscriber: bounded answers, TLS verified, no redirects followed
 * (a redirected token request would carry the secret elsewhere). */
#include <stdlib.h>
#include <string.h>

#include "quotawatch/bytes.h"
#include "quotawatch/svc.h"
#include "salesforce.h"

#define QW_SF_RESP_MAX (16 * 1024 * 1024)

static size_t on_data(char *p, size_t size, size_t n, void *opaque)
{
    qw_sf_resp_t *r = opaque;
    qw_bytes_t b = {.p = r->body, .len = r->len, .max = QW_SF_RESP_MAX};
    size_t len = qw_bytes_curl_write(p, size, n, &b);
    r->body = b.p;
    r->len = b.len;
    return len;
}

/* A stop request (SIGTERM) ends a long poll at once instead of after up to 110 s; what it
 * carried was not committed, so Salesforce sends it again after the restart. */
static int on_progress(void *opaque, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)opaque;
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    return qw_svc_stop ? 1 : 0;
}

void qw_sf_resp_free(qw_sf_resp_t *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int qw_sf_http(CURL *h, const char *url, const char *ctype, const char *body, const char *bearer,
               long timeout_s, qw_sf_resp_t *r, char *errbuf, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct curl_slist *hdr = NULL;
    char line[QW_SF_TOKEN_MAX + 64];
    if (ctype) {
        snprintf(line, sizeof(line), "Content-Type: %s", ctype);
        hdr = curl_slist_append(hdr, line);
    }
    hdr = curl_slist_append(hdr, "Accept: application/json");
    if (bearer) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", bearer);
        hdr = curl_slist_append(hdr, line);
        memset(line, 0, sizeof(line));
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode c = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    if (c != CURLE_OK) {
        qw_sf_resp_free(r);
        return qw_err_set(errbuf, errlen, "%s", curl_easy_strerror(c));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (!r->body) r->body = calloc(1, 1);
    return r->body ? QW_OK : qw_err_set(errbuf, errlen, "out of memory");
}

int qw_sf_fetch_opportunity(CURL *h, const qw_sf_token_t *tok, const char *api_version,
                            const char *id, qw_sf_resp_t *r, char *errbuf, size_t errlen)
{
    char url[QW_SF_URL_MAX + 128];
    snprintf(url, sizeof(url), "%s/services/data/v%s/sobjects/Opportunity/%s", tok->instance_url,
             api_version, id);
    if (qw_sf_http(h, url, NULL, NULL, tok->access_token, 30, r, errbuf, errlen)) return QW_ERR;
    if (r->status == 200 || r->status == 404) return QW_OK;
    long st = r->status;
    qw_sf_resp_free(r);
    return qw_err_set(errbuf, errlen, "GET sobjects/Opportunity/%s answered %ld", id, st);
}
