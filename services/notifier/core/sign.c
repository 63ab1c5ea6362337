#include "sign.h"

#include "quotawatch/common.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

int qw_sign_key_parse(qw_sign_key_t *k, const char *secret, size_t len, char *errbuf, size_t errlen)
{
    while (len && isspace((unsigned char)*secret))
        secret++, len--;
    while (len && isspace((unsigned char)secret[len - 1]))
        len--;
    if (len >= 6 && memcmp(secret, "whsec_", 6) == 0) secret += 6, len -= 6;
    if (len == 0 || len % 4 != 0 || len > (QW_SIGN_KEY_MAX / 3) * 4)
        return qw_err_set(errbuf, errlen, "webhook secret is not base64 (after whsec_)");
    unsigned char out[QW_SIGN_KEY_MAX + 4];
    int n = EVP_DecodeBlock(out, (const unsigned char *)secret, (int)len);
    if (n < 0) return qw_err_set(errbuf, errlen, "webhook secret is not base64 (after whsec_)");
    /* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
    if (secret[len - 1] == '=') n--;
    if (secret[len - 2] == '=') n--;
    if (n < 16) return qw_err_set(errbuf, errlen, "webhook secret is shorter than 16 bytes");
    memcpy(k->key, out, (size_t)n);
    k->len = (size_t)n;
    OPENSSL_cleanse(out, sizeof(out));
    return QW_OK;
}

static int sign_raw(const qw_sign_key_t *k, const char *msg_id, int64_t ts_s, const char *payload,
                    size_t payload_len, unsigned char mac[32])
{
    char prefix[256];
    int n = snprintf(prefix, sizeof(prefix), "%s.%" PRId64 ".", msg_id, ts_s);
    if (n < 0 || (size_t)n >= sizeof(prefix)) return QW_ERR;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *h = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t len = 0;
    int ok = h && EVP_MAC_init(h, k->key, k->len, params) &&
             EVP_MAC_update(h, (const unsigned char *)prefix, (size_t)n) &&
             EVP_MAC_update(h, (const unsigned char *)payload, payload_len) &&
             EVP_MAC_final(h, mac, &len, 32) && len == 32;
    EVP_MAC_CTX_free(h);
    EVP_MAC_free(m);
    return ok ? QW_OK : QW_ERR;
}

int qw_sign(const qw_sign_key_t *k, const char *msg_id, int64_t ts_s, const char *payload,
            size_t payload_len, char sig[QW_SIGN_SIG_MAX])
{
    unsigned char mac[32];
    if (sign_raw(k, msg_id, ts_s, payload, payload_len, mac)) return QW_ERR;
    memcpy(sig, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)sig + 3, mac, 32); /* 44 characters + NUL */
    return QW_OK;
}

int qw_sign_verify(const qw_sign_key_t *k, const char *msg_id, int64_t ts_s, const char *payload,
                   size_t payload_len, const char *header)
{
    char want[QW_SIGN_SIG_MAX];
    if (qw_sign(k, msg_id, ts_s, payload, payload_len, want)) return 0;
    size_t wl = strlen(want);
    for (const char *p = header; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == wl && CRYPTO_memcmp(p, want, wl) == 0) return 1;
        p = e;
    }
    return 0;
}
