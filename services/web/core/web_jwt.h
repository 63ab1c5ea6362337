/* OIDC bearer tokens for qw-web (pure: no I/O). A JWKS document (RFC 7517) becomes a key set;
 * a compact JWS (RFC 7515) signed RS256 or ES256 (RFC 7518) is verified against it with
 * OpenSSL, and its claims are checked: iss, aud, exp, nbf, and the e-mail claim that is the
 * person's login identity (email_verified false is refused). Everything else — "none", HS256
 * (a public key used as an HMAC secret), unknown kids, oversize or malformed tokens — is
 * refused with the reason. docs/web.md, "OIDC". */
#ifndef QW_WEB_JWT_H
#define QW_WEB_JWT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

#define QW_JWKS_KEYS_MAX 16
#define QW_JWT_TOKEN_MAX 8192 /* bytes of a compact token; an id token is ~1 KiB */
#define QW_JWT_KID_MAX   128

typedef enum { QW_JWT_RS256 = 1, QW_JWT_ES256 = 2 } qw_jwt_alg_t;

typedef struct qw_jwks_key_s {
    char kid[QW_JWT_KID_MAX]; /* "" when the key has none */
    qw_jwt_alg_t alg;         /* from kty (RSA: RS256, EC P-256: ES256) */
    EVP_PKEY *pkey;
} qw_jwks_key_t;

typedef struct qw_jwks_s {
    qw_jwks_key_t keys[QW_JWKS_KEYS_MAX];
    int n;
} qw_jwks_t;

/* Parses a JWKS: every signing key of a kind above (RSA of 2048 bits or more, EC P-256);
 * keys for encryption ("use": "enc") or of other kinds are skipped. QW_OK with at least one
 * key, else QW_ERR with the reason. Free with qw_jwks_free (also after QW_ERR). */
int qw_jwks_parse(qw_jwks_t *ks, const char *json, size_t len, char *errbuf, size_t errlen);
void qw_jwks_free(qw_jwks_t *ks);

typedef struct qw_jwt_rules_s {
    const char *issuer;      /* iss must equal it */
    const char *audience;    /* aud (a string, or an array) must hold it */
    const char *email_claim; /* the claim holding the e-mail, e.g. "email" */
    int64_t leeway_s;        /* clock skew allowed on exp and nbf */
} qw_jwt_rules_t;

/* Verifies token (len bytes) at now_s. QW_OK with the e-mail in email (email_cap bytes);
 * QW_ERR with the reason in errbuf, which is safe to log (it never holds the token). When the
 * token names a kid the set does not have, *unknown_kid is set (the caller may refetch the
 * JWKS once: keys rotate). */
int qw_jwt_verify(const qw_jwks_t *ks, const qw_jwt_rules_t *rules, const char *token, size_t len,
                  int64_t now_s, char *email, size_t email_cap, int *unknown_kid, char *errbuf,
                  size_t errlen);

/* base64url without padding (RFC 4648 §5) into out: the decoded length, or -1 when s is not
 * base64url or does not fit cap. */
long qw_b64url_decode(const char *s, size_t len, unsigned char *out, size_t cap);

#endif
