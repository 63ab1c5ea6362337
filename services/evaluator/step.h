/* The pure parts of building one partition's batch step: which credits are duplicates, and
 * the applied credits grouped by rep for the commit script's exact id sets (a counting sort
 * over arrays sized once). The shell (service.c) sequences them with the engine and Redis. */
#ifndef QW_STEP_H
#define QW_STEP_H

#include <stddef.h>

#include "idwin.h"
#include "quotawatch/strmap.h"

/* What happens to a message of the step. */
enum { QW_STEP_SKIP = 0, QW_STEP_APPLY = 1, QW_STEP_DUP = 2 };

/* Is credit id a duplicate: in the partition's window, earlier in this batch (seen) or found
 * applied long ago during this run (olddup, may be NULL). */
int qw_step_is_dup(const qw_idwin_t *win, const qw_strmap_t *seen, const qw_strmap_t *olddup,
                   const char *id);

/* Group messages 0..n by rep: xrep[k] is message k's rep index in 0..nwork (or -1: not
 * applied). Fills xstart[0..nwork] (group w is xorder[xstart[w]..xstart[w+1])) using
 * xfill[0..nwork) as cursors; messages keep their order within a group. */
void qw_step_group(const int *xrep, int n, int nwork, int *xstart, int *xfill, int *xorder);

#endif
