/* qwctl rebuild evaluator: whether its preconditions hold, judged over the facts rebuild.c
 * gathers (pure, so every rule has a unit test). */
#ifndef QWCTL_REBUILD_PLAN_H
#define QWCTL_REBUILD_PLAN_H

#include <stddef.h>
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

/* s with Redis's glob characters (* ? [ ] \) escaped into out: 0, or -1 when it does not fit. */
int qwctl_glob_escape(const char *s, char *out, size_t cap);

/* The SCAN patterns of the evaluator's keys under ns (a topic prefix: glob characters in it
 * are escaped): "<ns>qw:ev:*", "<ns>qw:rep:*" and "<ns>qw:cid:*". Returns 3, or 0 when a
 * pattern does not fit cap. */
int qwctl_rebuild_patterns(const char *ns, char out[][256], int cap);

/* rebuild notifier-index: what to do with one retry job (qw:dlv:job:*) given its delivery
 * state ("" when the record expired) and whether its retry queue holds it. */
typedef enum {
    QWCTL_IDX_OK,      /* queued and in its queue, or being sent */
    QWCTL_IDX_REQUEUE, /* waiting, but no queue holds it: it would never be retried */
    QWCTL_IDX_DROP,    /* finished (sent, failed) or expired: a leftover */
} qwctl_idx_action_t;
qwctl_idx_action_t qwctl_index_action(const char *state, int in_queue);

#endif
