/* The delivery record in Redis: each (decision id, channel) is delivered once.
 *
 *   <p>qw:dlv:{<decision id>}:<channel>  state: sending | queued | sent | failed  (TTL: window)
 *   <p>qw:dlv:job:{<decision id>}:<channel>  hash: what a retry needs (the decision bytes...)
 *   <p>qw:dlv:retry:p<0..4>  sorted sets of "<decision id> <channel>" by next attempt (ms);
 *                            p0 (reviews) is served before p4 (rewards)
 *
 * "sending" is written before a send and "sent" after it, so the only repeat possible is a send
 * cut off by a crash before its success was recorded; receivers drop it by its id (webhook-id,
 * Message-ID). <p> is the optional prefix that lets tests share one Redis. */
#ifndef QW_DELIVERY_H
#define QW_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/id.h"
#include "quotawatch/redis.h"
#include "route.h"

typedef struct qw_dlv_s {
    qw_redis_t *r;
    char prefix[64];
    int64_t window_ms; /* how long states are kept: the de-duplication window */
    int64_t lease_ms;  /* a claimed retry job reappears after this if its owner died */
} qw_dlv_t;

typedef enum {
    QW_DLV_CLAIMED = 1, /* first time: we own the send */
    QW_DLV_STALE,       /* "sending" left by a crash: send again (the allowed repeat) */
    QW_DLV_QUEUED,      /* in the retry queue: the queue owns it */
    QW_DLV_DONE,        /* sent or failed for good: nothing to do */
} qw_dlv_claim_t;

typedef struct qw_dlv_job_s {
    char decision_id[QW_DECISION_ID_MAX]; /* the wire bound: never cut, see below */
    char channel[QW_ROUTE_CHANNEL_MAX];
    qw_chan_kind_t kind;
    qw_aud_t audience;
    char address[QW_ROUTE_ADDR_MAX];
    int attempts;     /* attempts made so far */
    int64_t first_ms; /* when the notifier first handled it (latency) */
    int prio;
    char reason[48];    /* of the last failure */
    unsigned char *dec; /* the Decision protobuf (heap; qw_dlv_job_free) */
    size_t dec_len;
} qw_dlv_job_t;

/* A cut decision id would merge two decisions into one delivery key: the job holds any id
 * the engine can send, and the notifier refuses longer ones from the topic. */
_Static_assert(sizeof(((qw_dlv_job_t *)0)->decision_id) == QW_DECISION_ID_MAX,
               "the delivery job must hold every decision id the engine emits");

/* Redis keys and queue members: "<prefix>qw:dlv:job:{<decision id>}:<channel>" at most. */
#define QW_DLV_KEY_MAX (64 + sizeof("qw:dlv:job:{}:") + QW_DECISION_ID_MAX + QW_ROUTE_CHANNEL_MAX)

void qw_dlv_init(qw_dlv_t *d, qw_redis_t *r, const char *prefix);

/* Claims (decision, channel) before a first send. Returns a qw_dlv_claim_t, or QW_ERR when
 * Redis cannot be reached (nothing sent then). */
int qw_dlv_claim(qw_dlv_t *d, const char *decision_id, const char *channel);

/* Records the outcome; each also removes the job from the retry queue. QW_OK or QW_ERR. */
int qw_dlv_mark_sent(qw_dlv_t *d, const qw_dlv_job_t *job);
int qw_dlv_mark_failed(qw_dlv_t *d, const qw_dlv_job_t *job);
/* Marks "sending" before a retry attempt. */
int qw_dlv_mark_sending(qw_dlv_t *d, const qw_dlv_job_t *job);
/* Stores the job and queues it for next_ms (state "queued"), atomically. */
int qw_dlv_schedule(qw_dlv_t *d, const qw_dlv_job_t *job, int64_t next_ms);

/* Claims up to max due jobs of priority prio (score <= now_ms): their score moves to
 * now + lease. Writes members ("<id> <channel>", heap strings) to out; returns the count or
 * QW_ERR. */
int qw_dlv_due(qw_dlv_t *d, int prio, int64_t now_ms, char **out, int max);
/* Loads the job of a member; 0 loaded, 1 no such job (finished elsewhere), QW_ERR. */
int qw_dlv_job_load(qw_dlv_t *d, const char *member, qw_dlv_job_t *job);
/* The job's fields from its hash (name/value pairs, e.g. HGETALL's reply) into job, whose id and
 * channel are already set. Redis is outside the process: every number is strict and in range,
 * every string fits (refused, never cut), and dec is required. QW_OK, or QW_ERR with nothing
 * allocated. fuzz_retry_job drives it. */
int qw_dlv_job_parse(qw_dlv_job_t *job, const char *const *f, const size_t *fl,
                     const char *const *v, const size_t *vl, size_t n);
/* The current state ("sent", ...) into out, "" when none; QW_OK or QW_ERR. */
int qw_dlv_state(qw_dlv_t *d, const char *decision_id, const char *channel, char *out,
                 size_t outlen);
/* Opens a failed delivery again (qwctl dlq redrive): "failed" is cleared so the next claim
 * succeeds; "sent", "queued", "sending" stay, so a redrive never sends twice. 1 reopened,
 * 0 not failed, QW_ERR. */
int qw_dlv_reopen(qw_dlv_t *d, const char *decision_id, const char *channel);
/* Gives back a claimed member that was not handled (Redis failed on the way): due at at_ms
 * instead of when the claim's lease runs out; a member no longer queued stays away. */
int qw_dlv_release(qw_dlv_t *d, int prio, const char *member, int64_t at_ms);
/* Drops a member from its queue (job finished or unloadable). */
int qw_dlv_forget(qw_dlv_t *d, int prio, const char *member);
/* Jobs waiting in all queues (for the backlog gauge); -1 on error. */
int64_t qw_dlv_backlog(qw_dlv_t *d);

void qw_dlv_job_free(qw_dlv_job_t *job);

#endif
