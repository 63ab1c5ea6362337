/* The JWT bearer assertion of Salesforce's OAuth 2.0 JWT flow: header {"alg":"RS256"}, claims
 * iss (the connected app's consumer key), sub (the user name), aud (the login host URL), exp
 * (at most 3 minutes ahead), signed with the app certificate's private key. */
#ifndef QW_SF_JWT_H
#define QW_SF_JWT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

#define QW_SF_JWT_MAX   4096
#define QW_SF_JWT_EXP_S 180

/* base64url without padding of len bytes; QW_ERR when out is too small. */
int qw_sf_b64url(const unsigned char *in, size_t len, char *out, size_t outlen);

/* "<b64url(header)>.<b64url(claims)>" for now_s (epoch seconds). */
int qw_sf_jwt_signing_input(const char *iss, const char *sub, const char *aud, int64_t now_s,
                            char *out, size_t outlen, char *errbuf, size_t errlen);

/* The whole assertion: the signing input, ".", b64url(RS256 signature) with an RSA key. */
int qw_sf_jwt_assertion(EVP_PKEY *key, const char *iss, const char *sub, const char *aud,
                        int64_t now_s, char *out, size_t outlen, char *errbuf, size_t errlen);

#endif
