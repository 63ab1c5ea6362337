/* One strict way to read a YAML configuration file (the policy, the notifier's routes): the
 * bytes are screened before libfyaml sees them, one document is parsed, and every refusal names
 * "FILE:LINE:COLUMN: key.path: problem". docs/policy.md lists the refusals. */
#ifndef QW_YAML_H
#define QW_YAML_H

#include <libfyaml.h>
#include <stddef.h>

#include "quotawatch/common.h"

#define QW_YAML_NAME_MAX 160

typedef struct {
    int line, col; /* 1-based; 0 when unknown */
} qw_yaml_pos_t;

typedef struct {
    char name[QW_YAML_NAME_MAX]; /* the file name (or "policy", "routing") used in messages */
    struct fy_diag *diag;
    struct fy_parser *fyp;
    struct fy_document *doc;
    char *owned;        /* the file's bytes when qw_yaml_parse_file read them */
    qw_yaml_pos_t epos; /* the first syntax error libfyaml reported */
    char emsg[128];
} qw_yaml_t;

/* Parse text (len bytes, which must outlive y) as one YAML document whose root is a mapping.
 * Refused, with the position: a NUL byte or invalid UTF-8 (libfyaml 0.7.12 loops forever on
 * invalid UTF-8 in a directive line, so it is never handed such bytes), a syntax error, a
 * duplicate key (with its key path), a non-scalar key, an alias, a second document, an empty
 * file. QW_ERR leaves y freed; on QW_OK call qw_yaml_free. */
int qw_yaml_parse(qw_yaml_t *y, const char *name, const char *text, size_t len, char *errbuf,
                  size_t errlen);

/* qw_yaml_parse on a file of at most max bytes; messages are named by path. */
int qw_yaml_parse_file(qw_yaml_t *y, const char *path, size_t max, char *errbuf, size_t errlen);

void qw_yaml_free(qw_yaml_t *y);

struct fy_node *qw_yaml_root(const qw_yaml_t *y);

/* Where a node starts (scalars only: libfyaml 0.7.12 keeps no mark for collections). */
qw_yaml_pos_t qw_yaml_pos(struct fy_node *n);

/* Like qw_yaml_pos, and for a collection the position of its first scalar (a mapping's first
 * key, a list's first item): where a route or an address block starts. */
qw_yaml_pos_t qw_yaml_first_pos(struct fy_node *n);

/* Screen only: QW_OK when the bytes may be given to libfyaml; else QW_ERR and *pos at the
 * offending byte and errbuf "the file is not UTF-8 text (...)". Exposed for tests. */
int qw_yaml_screen(const char *text, size_t len, qw_yaml_pos_t *pos, char *errbuf, size_t errlen);

/* "NAME:LINE:COL: PATH: message" (position and path left out when unknown/empty). Returns
 * QW_ERR. */
int qw_yaml_err(char *errbuf, size_t errlen, const qw_yaml_t *y, qw_yaml_pos_t pos,
                const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A scalar's text copied into buf (NUL-terminated); NULL when n is not a scalar or the text does
 * not fit in cap bytes. *len (optional) receives the full length either way. */
const char *qw_yaml_scalar(struct fy_node *n, char *buf, size_t cap, size_t *len);

#endif
