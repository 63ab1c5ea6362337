/* libFuzzer target: a retry job's hash as the notifier reads it back from Redis
 * (qw_dlv_job_parse over HGETALL's name/value pairs). Redis is outside the process. Input:
 * records of <1-byte name length><name><2-byte value length, little endian><value>. Whatever is
 * accepted has its enums and priority in range, its strings NUL-terminated within their buffers
 * and the decision bytes it was given. Seeds: tests/fixtures/retry_job/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *f[16], *v[16];
    size_t fl[16], vl[16], n = 0, i = 0;
    while (n < 16 && i < size) {
        size_t kl = data[i++];
        if (size - i < kl + 2) break;
        f[n] = (const char *)data + i, fl[n] = kl, i += kl;
        size_t l = (size_t)data[i] | (size_t)data[i + 1] << 8;
        i += 2;
        if (size - i < l) break;
        v[n] = (const char *)data + i, vl[n] = l, i += l;
        n++;
    }
    static qw_dlv_job_t job;
    memset(&job, 0, sizeof(job));
    if (qw_dlv_job_parse(&job, f, fl, v, vl, n) != QW_OK) {
        if (job.dec) abort(); /* a refusal allocates nothing */
        return 0;
    }
    if (!job.dec || (int)job.kind < QW_CHAN_SLACK || job.kind > QW_CHAN_WEBHOOK ||
        (int)job.audience < 0 || job.audience >= QW_AUD_COUNT || job.prio < 0 ||
        job.prio >= QW_PRIO_LEVELS || job.attempts < 0 ||
        memchr(job.address, 0, sizeof(job.address)) == NULL ||
        memchr(job.reason, 0, sizeof(job.reason)) == NULL)
        abort();
    qw_dlv_job_free(&job);
    return 0;
}
