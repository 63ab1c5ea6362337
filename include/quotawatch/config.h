/* Command-line and environment configuration: every option has a flag, a QW_* variable and a
 * default, and --help lists them all. Precedence: default < environment < flag. */
#ifndef QW_CONFIG_H
#define QW_CONFIG_H
#ifdef QW_PURE
#error "quotawatch/config.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <stdint.h>
#include "quotawatch/common.h"

#define QW_CONFIG_HELP      1 /* qw_config_parse printed --help or --version: exit 0 */
#define QW_CONFIG_KAFKA_MAX 64

typedef enum { QW_OPT_STR, QW_OPT_INT, QW_OPT_BOOL } qw_opt_type_t;

typedef struct qw_opt_s {
    const char *name; /* long flag without dashes: "brokers" */
    const char *env;  /* environment variable, e.g. "QW_KAFKA_BOOTSTRAP", or NULL */
    qw_opt_type_t type;
    const char *def; /* default, as text; NULL = unset */
    const char *help;
    void *dst;  /* const char ** (STR), int64_t * (INT), int * (BOOL) */
    int secret; /* value is never printed (help shows only whether it is set) */
} qw_opt_t;

typedef struct qw_config_s {
    /* librdkafka properties from -X key=value, in order: pairs of key, value. */
    const char *kafka[2 * QW_CONFIG_KAFKA_MAX];
    int nkafka;
    /* Positional arguments left after the options. */
    char **args;
    int nargs;
    char errstr[QW_ERRSTR_MAX];
} qw_config_t;

/* Parse argv[1..] against opts (terminated by an entry with name NULL). Strings point into
 * argv, the environment or the defaults: nothing is allocated. Returns QW_OK, QW_CONFIG_HELP
 * (help or the version was printed to stdout), or QW_ERR with cfg->errstr naming the option and
 * problem. */
int qw_config_parse(qw_config_t *cfg, const char *prog, const char *summary, const qw_opt_t *opts,
                    int argc, char **argv);

/* The value -X gave key (the last one), or NULL: a service's own default for a property yields
 * to the operator's. */
const char *qw_config_kafka_get(const qw_config_t *cfg, const char *key);

/* Read a secret from the named file (trailing newline stripped) into a buffer; returns QW_OK or
 * QW_ERR with errbuf saying which file could not be read (never its content). */
int qw_config_read_secret(const char *path, char *out, size_t outlen, char *errbuf, size_t errlen);

#endif
