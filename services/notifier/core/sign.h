/* Standard Webhooks signatures (https://www.standardwebhooks.com/): the signed content is
 * "<webhook-id>.<webhook-timestamp>.<payload>", HMAC-SHA256 with the secret's bytes (the
 * base64 after "whsec_"), sent as "webhook-signature: v1,<base64 signature>". */
#ifndef QW_SIGN_H
#define QW_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define QW_SIGN_KEY_MAX 128
#define QW_SIGN_SIG_MAX 64 /* "v1," + 44 base64 characters + NUL */

typedef struct qw_sign_key_s {
    unsigned char key[QW_SIGN_KEY_MAX];
    size_t len;
} qw_sign_key_t;

/* Parses "whsec_<base64>" (the prefix is optional, surrounding whitespace ignored).
 * Returns QW_OK or QW_ERR with errbuf; the secret itself is never written to errbuf. */
int qw_sign_key_parse(qw_sign_key_t *k, const char *secret, size_t len, char *errbuf,
                      size_t errlen);

/* Writes "v1,<base64>" into sig (QW_SIGN_SIG_MAX bytes). */
int qw_sign(const qw_sign_key_t *k, const char *msg_id, int64_t ts_s, const char *payload,
            size_t payload_len, char sig[QW_SIGN_SIG_MAX]);

/* 1 when header (space-separated "v1,<sig>" entries) holds the signature of the message. */
int qw_sign_verify(const qw_sign_key_t *k, const char *msg_id, int64_t ts_s, const char *payload,
                   size_t payload_len, const char *header);

#endif
