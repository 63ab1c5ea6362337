/* `qw-evaluator simulate`: the same ledger and engine as the services, in memory, over files --
 * a what-if run. The clock follows event time (never backwards), runs every checkpoint and
 * period close in order as time passes them, and finally advances to the end of --until.
 * Every decision is printed as one JSON line. docs/evaluator.md, "simulate". */
#ifndef QW_SIMULATE_H
#define QW_SIMULATE_H

#include <stdio.h>

typedef struct qw_sim_opts_s {
    const char *policy;
    const char *roster;
    const char *quotas;
    const char *deals;
    const char *until; /* YYYY-MM-DD or NULL */
    FILE *out;
} qw_sim_opts_t;

/* Returns the exit code: 0, 2 (bad options or files), 3 (some deal lines were unusable; they
 * are reported on stderr and skipped). */
int qw_sim_run(const qw_sim_opts_t *o);

/* argv[0] is "simulate". */
int qw_sim_main(int argc, char **argv);

#endif
