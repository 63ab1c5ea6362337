#include "batch.h"

int qw_batch_group(const int32_t *part, int n, int *idx, qw_batch_run_t *runs)
{
    int nruns = 0, k = 0;
    /* n is a batch (hundreds) and partitions are few: quadratic in partitions, no allocation. */
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int r = 0; r < nruns; r++)
            if (runs[r].part == part[i]) seen = 1;
        if (seen) continue;
        runs[nruns].part = part[i];
        runs[nruns].start = k;
        for (int j = i; j < n; j++)
            if (part[j] == part[i]) idx[k++] = j;
        runs[nruns].count = k - runs[nruns].start;
        nruns++;
    }
    return nruns;
}

int qw_batch_ascending(const int64_t *offset, const int *idx, int start, int count)
{
    for (int i = start + 1; i < start + count; i++)
        if (offset[idx[i]] <= offset[idx[i - 1]]) return 0;
    return 1;
}
