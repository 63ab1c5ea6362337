/* `qwctl topics check`: what quotawatch needs of each of its topics, judged over what the
 * cluster reports (filled by topics.c). No I/O here, so every rule has a unit test. */
#ifndef QW_TOPICS_JUDGE_H
#define QW_TOPICS_JUDGE_H

#include <stdint.h>

#define QW_TOPICS_COUNT        10
#define QW_TOPICS_FINDINGS_MAX 8

typedef enum {
    QW_TOPIC_RAW,       /* qw.crm.*: the deal ledger's input; a ledger rebuild replays it */
    QW_TOPIC_DERIVED,   /* qw.credits.v1, qw.decisions.v1: the evaluator's and qw-web's input */
    QW_TOPIC_DLQ,       /* qw.dlq.v1, qw.notify-dlq.v1: kept until redriven */
    QW_TOPIC_REFERENCE, /* qw.roster.v1, qw.quotas.v1: compacted, read whole at start */
} qw_topic_role_t;

typedef struct qw_topic_need_s {
    const char *base; /* name without the prefix */
    qw_topic_role_t role;
} qw_topic_need_t;

/* The topics, in the order the local stack creates them (deploy/local/common.sh). */
extern const qw_topic_need_t qw_topics_needed[QW_TOPICS_COUNT];

typedef struct qw_topic_seen_s {
    int exists;
    int partitions;
    int replication;      /* smallest replica count over the partitions */
    int min_isr;          /* min.insync.replicas, or 0 when unknown */
    int compact, delete;  /* cleanup.policy contains compact / delete */
    int64_t retention_ms; /* -1: infinite; INT64_MIN: unknown */
} qw_topic_seen_t;

typedef enum { QW_FIND_OK = 0, QW_FIND_WARN = 1, QW_FIND_ERROR = 2 } qw_find_level_t;

typedef struct qw_topic_finding_s {
    qw_find_level_t level;
    char text[320]; /* what is wrong, why it matters and the fix */
} qw_topic_finding_t;

/* Judge one topic; returns the number of findings written (at most QW_TOPICS_FINDINGS_MAX).
 * DLQ retention shorter than dlq_min_ms, and raw/derived retention that is finite, are warnings
 * (a rebuild or a redrive reaches only that far back); a missing topic, a reference topic that
 * is not compacted or also deletes, and zero partitions are errors. A replication factor
 * below 3 or min.insync.replicas below 2 is a warning (fine on a one-broker test stack). */
int qw_topics_judge(const qw_topic_need_t *need, const char *name, const qw_topic_seen_t *seen,
                    int64_t dlq_min_ms, qw_topic_finding_t *out);

/* topics.c: what the cluster says of every topic of qw_topics_needed (names[i] with the
 * prefix): 0, or the exit code (2 no client, 3 the cluster did not answer) with the reason on
 * stderr. */
struct qwctl_s;
int qwctl_topics_seen(struct qwctl_s *ctl, char names[][256], qw_topic_seen_t *seen);

#endif
