/* Fuzzes what the notifier reads from endpoints it does not control: a Slack Web API answer
 * body (as captured: at most 255 bytes) and a Retry-After value. Invariants: no crash; the
 * status is one of the three; the reason is a non-empty metric label of [a-z0-9_]; a wait is
 * never negative nor longer than a day. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channels/channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char body[256];
    size_t n = size < sizeof(body) - 1 ? size : sizeof(body) - 1;
    memcpy(body, data, n);
    body[n] = '\0';

    qw_send_result_t r;
    memset(&r, 0, sizeof(r));
    qw_chan_slack_api_classify(body, &r);
    if (r.status != QW_SEND_OK && r.status != QW_SEND_RETRY && r.status != QW_SEND_PERMANENT)
        abort();
    if (!r.reason[0]) abort();
    for (const char *p = r.reason; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) abort();

    int64_t w = qw_chan_retry_after(body, 1445412470000LL);
    if (w < -1 || w > 86400000) abort();
    return 0;
}
