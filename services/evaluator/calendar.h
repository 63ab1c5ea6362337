/* The calendar job: time-driven rules (pacing checkpoints, period close with the systemic-miss
 * check and streaks, team quota pressure, the adverse-impact report), once per checkpoint.
 *
 * It runs in whichever instance holds the lease <ns>qw:ev:calendar:lease (SET NX PX, renewed
 * while it runs). For each due step it puts a hold (<ns>qw:ev:{p<N>}:hold, with its token) on
 * every partition of the credits topic, which the owners' batch script refuses to write through
 * ("held"); so the states it has are final. The heavy part runs before the hold, on a snapshot:
 * it reads every rep of the roster and every rep with a state and ticks team by team while the
 * batch script records which reps owners write meanwhile; under the hold it re-reads just those,
 * re-ticks their teams, writes the changed states and the decisions back per partition through
 * a script that checks the hold token and bumps the partition's generation (owners then reload:
 * "stale"), records the step as done and lifts the holds. A late credit either landed before
 * the hold (it counts in the close) or is applied after it to a state that is marked closed (the
 * engine emits the correction): never neither. docs/evaluator.md.
 *
 * Weekly digests (policy digests.weekly_at) go the same way: when the latest digest instant's
 * week is not in <ns>qw:ev:calendar:digest, the job waits for complete inputs as a step does,
 * then snapshots, holds, and writes the digests (info.standing, info.team_digest) to the
 * outboxes -- no state changes -- and records the week. A crash in between re-emits the same
 * ids, which the notifier delivers once per channel. docs/engine.md, "Weekly digests". */
#ifndef QW_CALENDAR_H
#define QW_CALENDAR_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "completeness.h"
#include "engine.h"
#include "quotawatch/metrics.h"
#include "quotawatch/policy.h"
#include "refdata.h"
#include "schedule.h"
#include "store.h"

/* Rep id -> credits partition, as the producers of qw.credits.v1 partition by key. */
typedef int32_t (*qw_partitioner_fn)(const char *key, size_t len, int32_t nparts);
int32_t qw_partition_murmur2(const char *key, size_t len, int32_t nparts);

#define QW_CALENDAR_PREWRITE_ROUNDS 3
#define QW_CALENDAR_HOLD_REPS       1000

typedef struct qw_calendar_s {
    qw_store_t *store;
    const qw_refdata_t *ref;
    const qw_policy_t *policy;
    rd_kafka_t *rk; /* for metadata of the credits topic */
    char topic[256];
    int64_t interval_ms;
    int64_t hold_ms;
    int64_t next_run_ns;
    int lookback; /* how many past periods are examined for due steps */
    char token[96];
    char lease_key[QW_STORE_KEY_MAX];
    char done_key[QW_STORE_KEY_MAX];
    /* Weekly digests sent: <ns>qw:ev:calendar:digest, week id -> the instant (ms). */
    char digest_key[QW_STORE_KEY_MAX];
    int have_lease;
    int64_t runs, steps, digests;       /* digests: weeks whose digests were written */
    int64_t last_step_ms, last_hold_ms; /* the last step: whole, and how long it held */
    int last_dirty;                     /* reps caught up: owners wrote them during its snapshot */
    int last_prewritten;                /* reps it wrote before its hold */
    /* Pre-write rounds before the hold (0: write everything under the hold). Each writes the
     * states owners have not touched since the job read them and catches up on the rest; the
     * rounds stop once at most QW_CALENDAR_HOLD_REPS are left for the hold. */
    int prewrite_rounds;
    int nparts; /* tests: partitions without asking Kafka (0: ask) */
    /* Steps wait for complete inputs (docs/completeness.md); NULL: no check (unit tests that
     * drive the job directly). */
    qw_complete_t *complete;
    qw_metric_t *m_steps, *m_failed, *m_step_s, *m_hold_s, *m_next_due, *m_digests;
    /* Tests: called between the snapshot's tick and the hold (owners may write meanwhile), and
     * after each pre-write round. */
    void (*on_snapshot)(void *opaque, const char *period);
    void (*on_prewrite)(void *opaque, const char *period);
    void *on_snapshot_opaque;
    char errstr[QW_ERRSTR_MAX];
} qw_calendar_t;

void qw_calendar_init(qw_calendar_t *c, qw_store_t *store, const qw_refdata_t *ref,
                      const qw_policy_t *policy, const char *credits_topic, rd_kafka_t *rk,
                      int64_t interval_ms);

/* Call often; does its work at most every interval_ms. now_ms is business time. */
void qw_calendar_run(qw_calendar_t *c, int64_t now_ms);
void qw_calendar_free(qw_calendar_t *c);

/* Logs a failed tick of the schedule (qw_schedule_warn_fn) as a warning. */
void qw_calendar_warn(void *opaque, const char *event, const char *msg);

#endif
