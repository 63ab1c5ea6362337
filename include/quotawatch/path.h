/* Where installed data lives (templates, example configuration): defaults resolve against the
 * install prefix, never the source tree, so a program runs from any working directory. */
#ifndef QW_PATH_H
#define QW_PATH_H
#ifdef QW_PURE
#error "quotawatch/path.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <stddef.h>

/* The data directory, first that applies: $QW_DATADIR; <dir of the running program>/../share/
 * quotawatch when that directory exists (a relocated or staged install); the configured
 * <prefix>/share/quotawatch. Written to out; QW_OK, or QW_ERR when it does not fit. */
int qw_path_datadir(char *out, size_t cap);

/* qw_path_datadir + "/" + rel. */
int qw_path_data(char *out, size_t cap, const char *rel);

#endif
