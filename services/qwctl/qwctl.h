/* qwctl, the operator's command line: one file per command. */
#ifndef QW_QWCTL_H
#define QW_QWCTL_H

#include <stdint.h>

#include "quotawatch/config.h"

typedef struct qwctl_s {
    qw_config_t cfg;
    const char *brokers;
    const char *topic_prefix;
    const char *key;
    const char *key_field;
    const char *policy; /* publish: the policy quotas are checked against ("" = unchecked) */
    int dry_run;        /* publish: validate only */
    int until_eof;
    int uncommitted;
    int marks; /* tail credits: show completeness watermark records too */
    int64_t timeout_ms;
    int json;              /* topics check: one JSON object instead of the table */
    int strict;            /* topics check: warnings fail too */
    const char *templates; /* preview-template: the template directory */
    const char *audience;  /* preview-template: render for this audience only */
    const char *web_url, *web_as, *web_header, *period; /* rep|team|decision|health */
} qwctl_t;

int qwctl_tail(qwctl_t *ctl, int argc, char **argv);
int qwctl_produce(qwctl_t *ctl, int argc, char **argv);
int qwctl_publish(qwctl_t *ctl, int argc, char **argv);
int qwctl_resync(qwctl_t *ctl, int argc, char **argv);
int qwctl_topics(qwctl_t *ctl, int argc, char **argv);
int qwctl_preview(qwctl_t *ctl, int argc, char **argv);
int qwctl_view(qwctl_t *ctl, const char *kind, int argc, char **argv);

#endif
