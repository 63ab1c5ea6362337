/* OAuth 2.0 token responses of Salesforce's token endpoint (client credentials or JWT bearer),
 * parsed without I/O. */
#ifndef QW_SF_TOKEN_H
#define QW_SF_TOKEN_H

#include <stddef.h>

#include "quotawatch/common.h"

#define QW_SF_TOKEN_MAX 4096
#define QW_SF_URL_MAX   512

typedef struct {
    char access_token[QW_SF_TOKEN_MAX];
    char instance_url[QW_SF_URL_MAX]; /* no trailing '/' */
    char error[128];                  /* an OAuth error answer: "invalid_grant", ... */
} qw_sf_token_t;

/* Parse a token endpoint answer with its HTTP status. QW_OK when it holds a bearer token and a
 * usable instance_url (https://, or http:// to a loopback address only); QW_ERR otherwise with
 * errbuf naming the OAuth error and its description — never the token. */
int qw_sf_token_parse(const char *buf, size_t len, long status, qw_sf_token_t *t, char *errbuf,
                      size_t errlen);

/* QW_OK when url is https://HOST..., or http:// to 127.0.0.1, [::1] or localhost. */
int qw_sf_url_allowed(const char *url);

#endif
