/* The commit decision as a plan (commit.c): what each answer of the commit script leads to. */
#include <criterion/criterion.h>

#include "commit.h"

Test(evaluator_commit, ok_keeps_the_work_and_moves_on)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(QW_COMMIT_OK, 0, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_DONE);
    cr_assert(p.keep_work && p.write_marks && p.relay_due);
    cr_assert_not(p.drop_cache || p.fence || p.pause);
    cr_assert_eq(p.next, 42);
    cr_assert_eq(p.seek, -1);
    cr_assert_eq(p.gen, -1);
    qw_ev_commit_plan(QW_COMMIT_OK, 0, 42, 0, &p);
    cr_assert_not(p.relay_due, "nothing written to the outbox: no pump needed");
}

Test(evaluator_commit, skip_reloads_and_seeks_only_forward)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(QW_COMMIT_SKIP, 100, 42, 0, &p);
    cr_assert_eq(p.result, QW_RUN_DONE);
    cr_assert(p.drop_cache && p.write_marks && p.relay_due);
    cr_assert_not(p.keep_work);
    cr_assert_eq(p.next, 100);
    cr_assert_eq(p.seek, 100, "Redis is further on: skip ahead");
    qw_ev_commit_plan(QW_COMMIT_SKIP, 42, 42, 0, &p);
    cr_assert_eq(p.next, 42);
    cr_assert_eq(p.seek, -1, "already where Redis is: no seek");
}

Test(evaluator_commit, fenced_pauses_and_drops)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(QW_COMMIT_FENCED, 7, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_DROP);
    cr_assert(p.fence && p.pause && p.drop_cache);
    cr_assert_not(p.keep_work || p.write_marks || p.relay_due);
    cr_assert_eq(p.next, -1);
}

Test(evaluator_commit, held_and_stale_redo_with_reloaded_states)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(QW_COMMIT_HELD, 0, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_HELD);
    cr_assert(p.drop_cache);
    cr_assert_eq(p.gen, -1);
    qw_ev_commit_plan(QW_COMMIT_STALE, 9, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_REDO, "stale is no hold: redo at once, without a wait");
    cr_assert(p.drop_cache);
    cr_assert_eq(p.gen, 9, "the generation the calendar job left");
    cr_assert_not(p.keep_work || p.write_marks || p.fence);
}

Test(evaluator_commit, dup_redoes_keeping_the_cache)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan(QW_COMMIT_DUP, 5, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_REDO);
    cr_assert_eq(p.dups, 5);
    cr_assert_not(p.drop_cache || p.keep_work || p.write_marks || p.fence);
    cr_assert_eq(p.next, -1);
}

Test(evaluator_commit, unknown_status_retries)
{
    qw_ev_commit_plan_t p;
    qw_ev_commit_plan((qw_commit_status_t)99, 0, 42, 3, &p);
    cr_assert_eq(p.result, QW_RUN_RETRY);
    cr_assert_not(p.keep_work || p.drop_cache);
}
