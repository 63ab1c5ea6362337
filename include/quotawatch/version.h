/* The version every program reports (--version, `qwctl version`, the qw_build_info metric):
 * the project version, plus "+git.<describe>" when built from a git checkout. */
#ifndef QW_VERSION_H
#define QW_VERSION_H

const char *qw_version(void);

#endif
