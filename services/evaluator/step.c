#include "step.h"

#include <string.h>

int qw_step_is_dup(const qw_idwin_t *win, const qw_strmap_t *seen, const qw_strmap_t *olddup,
                   const char *id)
{
    size_t il = strlen(id);
    return qw_idwin_has(win, id, il) || qw_strmap_get(seen, id, il) ||
           (olddup && qw_strmap_get(olddup, id, il));
}

void qw_step_group(const int *xrep, int n, int nwork, int *xstart, int *xfill, int *xorder)
{
    memset(xstart, 0, (size_t)(nwork + 1) * sizeof(*xstart));
    for (int k = 0; k < n; k++)
        if (xrep[k] >= 0) xstart[xrep[k] + 1]++;
    for (int w = 0; w < nwork; w++) {
        xstart[w + 1] += xstart[w];
        xfill[w] = xstart[w];
    }
    for (int k = 0; k < n; k++)
        if (xrep[k] >= 0) xorder[xfill[xrep[k]]++] = k;
}
