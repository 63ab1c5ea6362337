/* `qw-evaluator simulate`'s command line: options, then the pure run (sim/simulate.h) with the
 * service's log. */
#ifndef QW_SIMULATE_MAIN_H
#define QW_SIMULATE_MAIN_H

/* argv[0] is "simulate". Returns the exit code (QW_SIM_EXIT_*). */
int qw_sim_main(int argc, char **argv);

#endif
