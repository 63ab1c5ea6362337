/* `qw-evaluator simulate`: the same ledger and engine as the services, in memory, over files --
 * a what-if run. The clock follows event time (never backwards), runs every checkpoint and
 * period close in order as time passes them, and finally advances to the end of --until.
 * Every decision is printed as one JSON line. docs/evaluator.md, "simulate". */
#ifndef QW_SIMULATE_H
#define QW_SIMULATE_H

#include <jansson.h>
#include <stdio.h>

#include "engine.h"

#define QW_SIM_INPUTS_MAX 16

/* Exit codes of simulate. A refused credit wins over unusable lines: both are on stderr. */
#define QW_SIM_EXIT_OK       0
#define QW_SIM_EXIT_CONFIG   2 /* bad options or files */
#define QW_SIM_EXIT_UNUSABLE 3 /* some lines were unusable (DLQ reasons on stderr), skipped */
#define QW_SIM_EXIT_REFUSED  4 /* the ledger or the engine refused a credit (named on stderr) */

typedef struct qw_sim_opts_s {
    const char *policy;
    const char *roster;
    const char *quotas;
    const char *deals; /* one input: "[SOURCE:]FILE"; kept for callers of the first version */
    const char *inputs[QW_SIM_INPUTS_MAX]; /* more inputs, each "[SOURCE:]FILE" */
    int ninputs;
    const char *stage_map; /* stage-map file as qw-ingest --stage-map, or NULL */
    const char *until;     /* YYYY-MM-DD or NULL */
    const char *now;       /* RFC 3339 or epoch ms: a frozen clock as --fake-now, or NULL */
    int sorted;            /* print decisions sorted by id instead of in the order made */
    FILE *out;
    /* What the service would log (bad CSV rows, failed ticks); NULL: not logged. The run
     * itself is pure, so the caller's shell does the logging. */
    void (*log)(void *opaque, int error, const char *event, const char *msg);
    void *log_opaque;
} qw_sim_opts_t;

/* Returns the exit code (QW_SIM_EXIT_*). */
int qw_sim_run(const qw_sim_opts_t *o);

/* One decision as simulate prints it (docs/evaluator.md, "simulate"): every evidence entry as
 * {"value": integer, "text": string}. The caller owns the reference. */
json_t *qw_sim_decision_json(const qw_decision_t *d);

/* "[SOURCE:]FILE": the source (canonical when there is no known source prefix) into src and the
 * file name into *path. QW_ERR when the spec is empty. */
int qw_sim_input_parse(const char *spec, char *src, size_t srclen, const char **path);

#endif
