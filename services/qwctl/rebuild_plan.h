/* qwctl rebuild evaluator: whether its preconditions hold, judged over the facts rebuild.c
 * gathers (pure, so every rule has a unit test). */
#ifndef QWCTL_REBUILD_PLAN_H
#define QWCTL_REBUILD_PLAN_H

#include <stdint.h>

#define QWCTL_REBUILD_BLOCKERS_MAX 8
#define QWCTL_REBUILD_TEXT_MAX     400

typedef struct qwctl_rebuild_facts_s {
    int credits_exists;
    int64_t credits_retention_ms; /* -1 infinite, INT64_MIN unknown */
    int accept_retention;         /* --accept-retention: a partial rebuild is wanted */
    const char *redis_refused;    /* why Redis is not durable, or NULL */
    const char *group;
    int group_members;      /* members of the evaluator's consumer group; -1 unknown */
    int calendar_lease;     /* the calendar job's lease is held */
    int64_t outbox_pending; /* decisions and dead letters not yet published */
} qwctl_rebuild_facts_t;

/* Writes what stands in the way, each with its fix, and returns how many (0: go ahead). */
int qwctl_rebuild_blockers(const qwctl_rebuild_facts_t *f, char out[][QWCTL_REBUILD_TEXT_MAX],
                           int max);

/* The SCAN patterns of the evaluator's keys under ns (a topic prefix: glob characters in it
 * are escaped): "<ns>qw:ev:*", "<ns>qw:rep:*" and "<ns>qw:cid:*". Returns 3, or 0 when a
 * pattern does not fit cap. */
int qwctl_rebuild_patterns(const char *ns, char out[][256], int cap);

#endif
