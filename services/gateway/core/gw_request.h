/* What qw-gateway answers to one webhook request (pure): the route, the size bound, the
 * source's authentication and the top-level shape. The shell only moves bytes and produces
 * what this lets through, so every refusal is decided — and unit tested — here. */
#ifndef QW_GW_REQUEST_H
#define QW_GW_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "gw_body.h"
#include "gw_verify.h"

#define QW_GW_SOURCES 3

typedef struct {
    /* Secrets per source; a source with n == 0 is not configured: its path answers 404. */
    qw_gw_secrets_t secrets[QW_GW_SOURCES];
    char public_url[512]; /* the URL the gateway's root is reachable at (HubSpot's signed URI) */
    size_t max_body;
    int hubspot_legacy; /* accept HubSpot v1/v2 signatures when no v3 one is sent */
} qw_gw_auth_t;

/* Header lookup of the shell (case-insensitive name), NULL when absent. */
typedef const char *(*qw_gw_header_fn)(void *opaque, const char *name);

typedef struct {
    const char *method;
    const char *uri; /* path and query exactly as on the request line */
    const char *body;
    size_t body_len;
    qw_gw_header_fn header;
    void *hopaque;
    int64_t now_ms;
} qw_gw_req_t;

typedef struct {
    int status;         /* 0: accept (produce it); else the HTTP status to answer */
    const char *reason; /* metric label: "accepted", "not_found", "bad_signature", ... */
    qw_gw_source_t src;
    const char *principal;   /* label of the secret that matched (points into the auth) */
    char key[QW_GW_KEY_MAX]; /* the record key (the deal id), "" for none: gw_body.h */
} qw_gw_outcome_t;

/* The source of a path ("/v1/hubspot", query ignored); -1 when none. */
int qw_gw_route(const char *uri, qw_gw_source_t *src);

/* The early answer, before the body is read: 404 unknown or unconfigured path, 405 not POST,
 * 413 a declared Content-Length over the bound (content_length < 0: not declared). */
void qw_gw_judge_head(const qw_gw_auth_t *a, const char *method, const char *uri,
                      int64_t content_length, qw_gw_outcome_t *o);

/* The full answer once the body is in: the head checks, then size, authentication, shape. */
void qw_gw_judge(const qw_gw_auth_t *a, const qw_gw_req_t *r, qw_gw_outcome_t *o);

const char *qw_gw_source_name(qw_gw_source_t src);

#endif
