#include "simulate_main.h"

#include <stdio.h>
#include <string.h>

#include "quotawatch/config.h"
#include "quotawatch/log.h"
#include "simulate.h"

static void sim_log(void *opaque, int error, const char *event, const char *msg)
{
    (void)opaque;
    qw_log(error ? QW_LOG_ERROR : QW_LOG_WARN, event, "%s", msg);
}

/* --deals may be given several times; qw_config keeps one value per option, so the
 * occurrences are taken out of argv first. */
static int take_deals(int *argc, char **argv, qw_sim_opts_t *o)
{
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--deals") == 0) {
            if (i + 1 >= *argc) return QW_ERR;
            v = argv[++i];
        } else if (strncmp(argv[i], "--deals=", 8) == 0) {
            v = argv[i] + 8;
        } else {
            argv[w++] = argv[i];
            continue;
        }
        if (o->ninputs >= QW_SIM_INPUTS_MAX) return QW_ERR;
        o->inputs[o->ninputs++] = v;
    }
    *argc = w;
    argv[w] = NULL;
    return QW_OK;
}

int qw_sim_main(int argc, char **argv)
{
    qw_sim_opts_t o;
    memset(&o, 0, sizeof(o));
    int sorted = 0;
    const qw_opt_t opts[] = {
        {"policy", "QW_POLICY", QW_OPT_STR, "", "Policy YAML file (empty: built-in defaults)",
         &o.policy, 0},
        {"roster", NULL, QW_OPT_STR, "", "Roster CSV (docs/formats/csv.md)", &o.roster, 0},
        {"quotas", NULL, QW_OPT_STR, "", "Quotas CSV (docs/formats/csv.md)", &o.quotas, 0},
        {"deals", NULL, QW_OPT_STR, NULL,
         "[SOURCE:]FILE, repeatable: CRM messages one per line, SOURCE salesforce, hubspot, "
         "pipedrive or canonical (default; docs/formats/crm-sources.md)",
         &o.deals, 0},
        {"stage-map", "QW_STAGE_MAP", QW_OPT_STR, "",
         "Stage map over the vendor defaults, as qw-ingest --stage-map", &o.stage_map, 0},
        {"until", NULL, QW_OPT_STR, "",
         "Advance the clock to the end of this day (YYYY-MM-DD), closing what is due", &o.until, 0},
        {"now", NULL, QW_OPT_STR, "",
         "Freeze the clock here (RFC 3339 or epoch ms), as the service's --fake-now", &o.now, 0},
        {"sorted", NULL, QW_OPT_BOOL, "false", "Print decisions sorted by id", &sorted, 0},
        {NULL, NULL, 0, NULL, NULL, NULL, 0},
    };
    if (take_deals(&argc, argv, &o) != QW_OK) {
        fprintf(stderr, "qw-evaluator simulate: --deals needs [SOURCE:]FILE (at most %d)\n",
                QW_SIM_INPUTS_MAX);
        return QW_SIM_EXIT_CONFIG;
    }
    qw_config_t cfg;
    int rc =
        qw_config_parse(&cfg, "qw-evaluator simulate",
                        "What-if: run the adapters, the ledger and the policy engine in memory "
                        "over files and print every decision as a JSON line.",
                        opts, argc, argv);
    if (rc == QW_CONFIG_HELP) return 0;
    if (rc != QW_OK || !o.ninputs) {
        fprintf(stderr, "qw-evaluator simulate: %s\n",
                rc != QW_OK ? cfg.errstr : "--deals is required");
        return QW_SIM_EXIT_CONFIG;
    }
    o.sorted = sorted;
    o.out = stdout;
    o.log = sim_log;
    return qw_sim_run(&o);
}
