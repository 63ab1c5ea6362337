/* `qwctl dlq`: which dead letters an operator's filters select, and what a redrive does with
 * each (pure: dlq.c reads the topic and acts). Format: docs/formats/dead-letters.md. */
#ifndef QW_DLQ_FILTER_H
#define QW_DLQ_FILTER_H

#include <stddef.h>
#include <stdint.h>

#define QWCTL_DLQ_LIST_MAX 8 /* comma-separated values of --reason */

/* What the filters compare: one dead letter's headers and position (NULL: absent). */
typedef struct qwctl_dlq_rec_s {
    const char *reason;
    const char *channel;      /* notify-dlq */
    const char *source_topic; /* dlq: where the original is */
    int32_t source_partition; /* -1: absent */
    int64_t source_offset;    /* -1: absent */
    int64_t truncated;        /* -1: whole; else the original's full length */
    int32_t partition;        /* of the dead letter itself */
    int64_t offset;
    int64_t timestamp_ms; /* when it was dead-lettered */
} qwctl_dlq_rec_t;

typedef struct qwctl_dlq_filter_s {
    const char *reasons[QWCTL_DLQ_LIST_MAX];
    size_t nreasons;
    char reason_buf[256];
    const char *source;  /* a CRM source name (hubspot), a topic suffix or a full topic */
    const char *channel; /* notify-dlq: "rep.slack", or an audience ("rep") */
    int32_t partition;   /* -1: any */
    int64_t from_offset, to_offset; /* inclusive; -1: open */
    int64_t since_ms, until_ms;     /* INT64_MIN / INT64_MAX: open */
} qwctl_dlq_filter_t;

void qwctl_dlq_filter_init(qwctl_dlq_filter_t *f);

/* --reason a,b,c. Returns 0, or -1 with a message in err (too many, empty). */
int qwctl_dlq_filter_reasons(qwctl_dlq_filter_t *f, const char *list, char *err, size_t errlen);

/* A time bound: an RFC 3339 timestamp, or an age before now ("90m", "6h", "7d"). Returns 0, or
 * -1 with a message in err. */
int qwctl_dlq_parse_time(const char *s, int64_t now_ms, int64_t *ms, char *err, size_t errlen);

/* "FROM-TO", "FROM-" or "N" (one offset). Returns 0 or -1 with a message in err. */
int qwctl_dlq_parse_offsets(const char *s, int64_t *from, int64_t *to, char *err, size_t errlen);

/* 1 when r passes every filter that is set. */
int qwctl_dlq_match(const qwctl_dlq_filter_t *f, const qwctl_dlq_rec_t *r);

typedef enum {
    QWCTL_REDRIVE_VALUE = 0,     /* re-produce the dead letter's value to its source */
    QWCTL_REDRIVE_REFERENCE = 1, /* the value was cut: read the original at its source */
    QWCTL_REDRIVE_DECISION = 2,  /* notify-dlq: back to qw.decisions.v1 for its channel */
    QWCTL_REDRIVE_NO = 3,        /* nothing to redrive (why in err) */
} qwctl_redrive_t;

/* What a redrive does with r. notify: the record is from qw.notify-dlq.v1. A dead letter with
 * no source (the notifier's bad_decision, a record that never was a Decision) or of a reason
 * that no fix upstream can change (not_a_deal, too_large) is QWCTL_REDRIVE_NO. */
qwctl_redrive_t qwctl_dlq_redrive_plan(const qwctl_dlq_rec_t *r, int notify, char *err,
                                       size_t errlen);

#endif
