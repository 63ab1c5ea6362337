/* qw-ingest's completeness marks (progress.h): a partition is complete up to the time of an
 * end-offset reading once the position to be committed has reached that offset; an aborted
 * transaction claims nothing; a partition that was never read claims nothing; a rewind forgets
 * the ends read before it; with two transactions in flight the second builds on the first's
 * marks, and an abort of both takes both back. */
#include <criterion/criterion.h>
#include <string.h>

#include "progress.h"

static rd_kafka_topic_partition_list_t *at(int64_t off0, int64_t off1)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "raw", 0)->offset = off0;
    rd_kafka_topic_partition_list_add(l, "raw", 1)->offset = off1;
    return l;
}

static void setup(qw_progress_t *pr)
{
    qw_progress_init(pr, 1000);
    rd_kafka_topic_partition_list_t *a = at(0, 0);
    qw_progress_assign(pr, a);
    rd_kafka_topic_partition_list_destroy(a);
    /* As qw_progress_probe records a reading: ends 10 and 0 read at t = 5000. */
    pr->p[0].probe_t0 = pr->p[1].probe_t0 = 5000;
    pr->p[0].probe_end = 10;
    pr->p[1].probe_end = 0;
}

Test(ingest_progress, a_mark_needs_the_position_past_the_reading)
{
    qw_progress_t pr;
    setup(&pr);
    qw_wm_mark_t m[4];
    rd_kafka_topic_partition_list_t *pos = at(9, RD_KAFKA_OFFSET_INVALID);
    /* Partition 1 is empty but never reported its end: no claim; partition 0 is one short. */
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 0);
    qw_progress_eof(&pr, "raw", 1, 0);
    int n = qw_progress_marks(&pr, pos, m, 4);
    cr_assert_eq(n, 1);
    cr_assert_eq(m[0].partition, 1);
    cr_assert_eq(m[0].watermark_ms, 5000);
    rd_kafka_topic_partition_list_destroy(pos);
    pos = at(10, RD_KAFKA_OFFSET_INVALID);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2);
    rd_kafka_topic_partition_list_destroy(pos);
    qw_progress_free(&pr);
}

Test(ingest_progress, an_aborted_transaction_claims_nothing)
{
    qw_progress_t pr;
    setup(&pr);
    qw_wm_mark_t m[4];
    rd_kafka_topic_partition_list_t *pos = at(10, 0);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2);
    qw_progress_aborted(&pr);
    cr_assert_eq(pr.p[0].wm, 0);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2, "still to be claimed after the abort");
    qw_progress_launched(&pr);
    cr_assert_eq(pr.p[0].wm, 0, "committing is not committed");
    qw_progress_committed(&pr);
    cr_assert_eq(pr.p[0].wm, 5000);
    /* Nothing advanced and the interval has not passed: nothing to send. */
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 0);
    rd_kafka_topic_partition_list_destroy(pos);
    qw_progress_free(&pr);
}

/* An end reported while reading past an aborted batch (with --overlap-commit, the next batch is
 * read while one commits) must not let the re-read batch claim it. */
Test(ingest_progress, a_rewind_forgets_the_ends_read_before_it)
{
    qw_progress_t pr;
    setup(&pr);
    qw_wm_mark_t m[4];
    qw_progress_eof(&pr, "raw", 0, 10);
    rd_kafka_topic_partition_list_t *pos = at(4, RD_KAFKA_OFFSET_INVALID);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 1, "the end reached claims partition 0");
    qw_progress_eof(&pr, "raw", 1, 0); /* partition 1 is empty: its end is 0 */
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2);
    qw_progress_aborted(&pr);
    rd_kafka_topic_partition_list_t *committed = at(2, 0);
    qw_progress_rewound(&pr, committed);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 1, "at offset 4 partition 0 is not complete");
    cr_assert_eq(m[0].partition, 1, "the empty partition keeps its end: no EOF comes again");
    qw_progress_eof(&pr, "raw", 0, 10);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2, "until the end is reported again");
    qw_progress_rewound(&pr, NULL);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 0, "committed offsets unknown: forgotten");
    rd_kafka_topic_partition_list_destroy(committed);
    rd_kafka_topic_partition_list_destroy(pos);
    qw_progress_free(&pr);
}

Test(ingest_progress, a_new_assignment_starts_afresh)
{
    qw_progress_t pr;
    setup(&pr);
    qw_progress_assign(&pr, NULL);
    cr_assert_eq(pr.n, 0);
    qw_wm_mark_t m[4];
    cr_assert_eq(qw_progress_marks(&pr, NULL, m, 4), 0);
    qw_progress_free(&pr);
}

/* Two transactions in flight (--overlap-commit): the second may claim what the committing one
 * claims (it commits only after it), the committed mark moves only when the first commits, and
 * aborting both goes back to what had committed. */
Test(ingest_progress, a_second_transaction_builds_on_the_one_committing)
{
    qw_progress_t pr;
    setup(&pr);
    qw_wm_mark_t m[4];
    rd_kafka_topic_partition_list_t *pos = at(10, 0);
    qw_progress_eof(&pr, "raw", 1, 0);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2);
    qw_progress_launched(&pr); /* N commits in the helper */
    /* A newer reading while N commits: N+1 claims it, on top of N's marks. */
    pr.p[0].probe_t0 = pr.p[1].probe_t0 = 6000;
    pr.p[0].probe_end = 12;
    rd_kafka_topic_partition_list_destroy(pos);
    pos = at(11, 0);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2, "partition 0 keeps N's 5000, 1 moves on");
    cr_assert_eq(m[0].watermark_ms, 5000);
    cr_assert_eq(m[1].watermark_ms, 6000);
    cr_assert_eq(pr.p[0].wm, 0, "nothing committed yet");
    qw_progress_committed(&pr); /* N committed */
    cr_assert_eq(pr.p[0].wm, 5000);
    cr_assert_eq(pr.p[1].wm, 5000, "N+1's claim is not committed with N");
    qw_progress_launched(&pr); /* N+1 commits */
    qw_progress_aborted(&pr);  /* and aborts (with whatever followed it) */
    cr_assert_eq(pr.p[1].flying, 5000);
    cr_assert_eq(qw_progress_marks(&pr, pos, m, 4), 2, "partition 1 is claimed again");
    cr_assert_eq(m[0].watermark_ms, 5000);
    cr_assert_eq(m[1].watermark_ms, 6000);
    qw_progress_launched(&pr);
    qw_progress_committed(&pr);
    cr_assert_eq(pr.p[1].wm, 6000);
    rd_kafka_topic_partition_list_destroy(pos);
    qw_progress_free(&pr);
}
