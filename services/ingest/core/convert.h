/* `qw-ingest convert`: run a source adapter offline over a file of raw payloads and print each
 * resulting DealChange as one JSON line, so sales ops can check a mapping before going live. */
#ifndef QW_CONVERT_H
#define QW_CONVERT_H

#include <stddef.h>
#include <stdio.h>

#include "adapter.h"

/* argv[0] is the subcommand ("convert"); then --source NAME [--stage-map FILE] [FILE].
 * Reads standard input when FILE is absent or "-". Exit status: 0 all documents good, 1 some
 * were unusable (each named on stderr; the good ones are still printed), 2 usage or I/O. */
int qw_convert_main(int argc, char **argv);

/* Convert a buffer: one JSON document, or one document per line. `name` labels error lines
 * ("name:line: reason: message"). Returns the number of unusable documents. */
int qw_convert_buffer(const qw_adapter_cfg_t *cfg, qw_source_t src, const char *name,
                      const char *buf, size_t len, FILE *out, FILE *err);

/* One patch as a compact JSON object (no newline) into out. Returns QW_OK, or QW_ERR when it
 * does not fit. */
int qw_convert_format(const qw_deal_change_t *dc, char *out, size_t outlen);

#endif
