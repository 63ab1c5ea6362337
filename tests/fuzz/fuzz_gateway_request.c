/* libFuzzer target: qw-gateway's whole judgement of an untrusted request. The input is split
 * at NUL bytes into method, URI, HubSpot timestamp, HubSpot signature, Authorization,
 * webhook-id, webhook-timestamp, webhook-signature and body. Nothing may crash; the answer is
 * one of the statuses the gateway sends; an accepted request names its principal and has the
 * source's shape; a random signature is never accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_rate.h"
#include "gw_request.h"

enum { F_METHOD, F_URI, F_HS_TS, F_HS_SIG, F_AUTH, F_WH_ID, F_WH_TS, F_WH_SIG, F_N };
static const char *const names[F_N] = {"",
                                       "",
                                       "X-HubSpot-Request-Timestamp",
                                       "X-HubSpot-Signature-v3",
                                       "Authorization",
                                       "webhook-id",
                                       "webhook-timestamp",
                                       "webhook-signature"};

static int legacy; /* this input takes HubSpot's legacy path: no v3 header is sent */

static const char *lookup(void *opaque, const char *name)
{
    const char **f = opaque;
    if (legacy && !strcasecmp(name, "X-HubSpot-Signature-v3")) return NULL;
    for (int i = F_HS_TS; i < F_N; i++)
        if (!strcasecmp(names[i], name)) return f[i][0] ? f[i] : NULL;
    /* HubSpot's legacy scheme reuses the timestamp field as its version, the v3 one as its
     * signature. */
    if (!strcasecmp(name, "X-HubSpot-Signature")) return f[F_HS_SIG];
    if (!strcasecmp(name, "X-HubSpot-Signature-Version")) return f[F_HS_TS];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qw_gw_auth_t auth;
    static int ready;
    if (!ready) {
        static const char *const text[QW_GW_SOURCES] = {"app1 fuzz-secret\n", "pd:pw\n",
                                                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"};
        char err[256];
        for (int s = 0; s < QW_GW_SOURCES; s++) {
            if (qw_gw_secrets_parse(&auth.secrets[s], text[s], strlen(text[s]), err, sizeof(err)))
                abort();
            qw_gw_secrets_label(&auth.secrets[s], qw_gw_source_name((qw_gw_source_t)s),
                                s == QW_GW_SRC_PIPEDRIVE);
        }
        strcpy(auth.public_url, "https://h.example");
        auth.max_body = 4096;
        ready = 1;
    }
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *f[F_N];
    char *p = buf, *end = buf + size;
    for (int i = 0; i < F_N; i++) {
        f[i] = p;
        char *z = memchr(p, '\0', (size_t)(end - p));
        p = z ? z + 1 : end;
    }
    qw_gw_req_t r = {.method = f[F_METHOD],
                     .uri = f[F_URI],
                     .body = p,
                     .body_len = (size_t)(end - p),
                     .header = lookup,
                     .hopaque = (void *)f,
                     .now_ms = 0};
    qw_gw_outcome_t o;
    auth.hubspot_legacy = (int)(size & 1);
    legacy = (int)(size & 2);
    qw_gw_judge(&auth, &r, &o);
    switch (o.status) {
    case 0:
        /* Only Pipedrive's fixed credentials can be guessed; HMACs cannot. */
        if (o.src != QW_GW_SRC_PIPEDRIVE || !o.principal || strcmp(o.principal, "pd")) abort();
        if (qw_gw_shape_check(o.src, r.body, r.body_len) != QW_GW_OK) abort();
        break;
    case 400:
    case 401:
    case 404:
    case 405:
    case 413:
        break;
    default:
        abort();
    }
    if (!o.reason) abort();
    /* The key goes into Kafka as is: bounded, printable, and only on an accepted request. */
    size_t kn = strnlen(o.key, sizeof(o.key));
    if (kn >= sizeof(o.key) || (o.status && kn)) abort();
    for (size_t i = 0; i < kn; i++)
        if (o.key[i] < 0x21 || o.key[i] > 0x7e) abort();
    qw_gw_rate_t rate;
    int64_t ra = 0, t = 0;
    qw_gw_rate_init(&rate, (int64_t)(size % 1000), (int64_t)(size % 7), 0);
    for (size_t i = 0; i < size && i < 64; i++) {
        t += data[i] * 37;
        if (!qw_gw_rate_take(&rate, t, &ra) && ra < 1) abort();
    }
    free(buf);
    return 0;
}
