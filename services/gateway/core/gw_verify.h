/* Webhook request verification for qw-gateway (pure): HubSpot v3 signatures, Pipedrive HTTP
 * Basic, Standard Webhooks for the canonical source, and the top-level JSON shape check.
 * Every check takes several secrets so a source's secret can be rotated without downtime. */
#ifndef QW_GW_VERIFY_H
#define QW_GW_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#define QW_GW_SECRETS_MAX 4
#define QW_GW_SECRET_LEN  256
#define QW_GW_WINDOW_MS   (5 * 60 * 1000) /* HubSpot's and Standard Webhooks' replay window */
#define QW_GW_URI_MAX     2048

typedef enum {
    QW_GW_OK = 0,
    QW_GW_BAD_SIGNATURE, /* no secret matches (401) */
    QW_GW_STALE,         /* timestamp outside the window (401) */
    QW_GW_MISSING,       /* a required header is absent or malformed (401) */
    QW_GW_BAD_SHAPE,     /* body is not the JSON object/array the source sends (400) */
} qw_gw_verdict_t;

typedef enum { QW_GW_SRC_HUBSPOT, QW_GW_SRC_PIPEDRIVE, QW_GW_SRC_CANONICAL } qw_gw_source_t;

#define QW_GW_LABEL_LEN 64

typedef struct {
    int n;
    char s[QW_GW_SECRETS_MAX][QW_GW_SECRET_LEN];
    size_t len[QW_GW_SECRETS_MAX];
    /* Who a secret authenticates (the principal header of what it lets in): the optional first
     * word of a "LABEL SECRET" line (qw_gw_secrets_label), or the user of a "user:pass" line. */
    char label[QW_GW_SECRETS_MAX][QW_GW_LABEL_LEN];
} qw_gw_secrets_t;

/* One secret per line (blank lines and "#" comments skipped, whitespace trimmed); at least
 * one, at most QW_GW_SECRETS_MAX. */
int qw_gw_secrets_parse(qw_gw_secrets_t *out, const char *text, size_t len, char *errbuf,
                        size_t errlen);

/* Split "LABEL SECRET" lines (HubSpot app id, canonical sender name) into label and secret;
 * a line of one word keeps it as the secret and gets the label "<fallback>#<line>". For
 * "user:pass" lines (basic != 0) the label is the user. Secrets never contain whitespace. */
void qw_gw_secrets_label(qw_gw_secrets_t *s, const char *fallback, int basic);

/* The URI HubSpot signed: public_url (trailing '/' dropped) + path_query, with the escapes
 * HubSpot decodes before signing (%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B) decoded. */
int qw_gw_hubspot_uri(const char *public_url, const char *path_query, char *out, size_t outlen);

/* HubSpot v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)) compared in
 * constant time with X-HubSpot-Signature-v3; the timestamp (ms) must be within 5 minutes. */
qw_gw_verdict_t qw_gw_hubspot_verify(const qw_gw_secrets_t *secrets, const char *method,
                                     const char *uri, const char *body, size_t body_len,
                                     const char *ts_header, const char *sig_header, int64_t now_ms,
                                     int *which);

/* HubSpot's older schemes, X-HubSpot-Signature = hex SHA-256 of secret + body (v1) or of
 * secret + method + URI + body (v2), version from X-HubSpot-Signature-Version. They carry no
 * timestamp, so a captured request can be replayed forever: accepted only when the operator
 * opts in (--hubspot-legacy-signatures), for apps that cannot send v3. */
qw_gw_verdict_t qw_gw_hubspot_legacy_verify(const qw_gw_secrets_t *secrets, const char *version,
                                            const char *method, const char *uri, const char *body,
                                            size_t body_len, const char *sig_header, int *which);

/* Each verify sets *which (when not NULL) to the index of the matching secret on QW_GW_OK.
 * Pipedrive: "Authorization: Basic base64(user:pass)" against the "user:pass" lines. */
qw_gw_verdict_t qw_gw_basic_verify(const qw_gw_secrets_t *creds, const char *auth_header,
                                   int *which);

/* Canonical: Standard Webhooks (webhook-id, webhook-timestamp in seconds, webhook-signature);
 * secrets are "whsec_<base64>" lines. */
qw_gw_verdict_t qw_gw_canonical_verify(const qw_gw_secrets_t *secrets, const char *id,
                                       const char *ts_header, const char *sig_header,
                                       const char *body, size_t body_len, int64_t now_ms,
                                       int *which);

/* The body is JSON of the source's top-level shape (gw_body.c). */
qw_gw_verdict_t qw_gw_shape_check(qw_gw_source_t src, const char *body, size_t body_len);

const char *qw_gw_verdict_name(qw_gw_verdict_t v);

#endif
