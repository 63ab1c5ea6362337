#!/usr/bin/env bash
# One active subscriber per org: a second qw-salesforce started with the same transactional id
# fences the first, which exits 3 at its next transaction instead of producing alongside; the
# second resumes from what was committed. Every replay id is on the topic exactly once.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
sf_gen 0 10 1794700000000 >"$QW_IT_DIR/all.jsonl" # 20 events, 1000..1019
head -n 8 "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p1.jsonl"
sed -n 9,20p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p2.jsonl"
sf_emulator_start --events "$QW_IT_DIR/p1.jsonl" --poll-timeout 2

sf_start old
qw_it_wait_for "(( \$(sf_count_replays) >= 8 ))" 60 || qw_it_fail "first events not produced"
sf_start new
qw_it_wait_for "(( \$(grep -c '\"salesforce.subscribed\"' \"\$(qw_it_log_of new)\") >= 1 ))" 60 ||
    qw_it_fail "the second instance did not subscribe"
sf_publish "$QW_IT_DIR/p2.jsonl"
qw_it_wait_exit old 60 || qw_it_fail "the fenced instance is still running"
[[ "$QW_IT_EXIT" == 3 ]] || qw_it_fail "the fenced instance exited $QW_IT_EXIT, expected 3"
qw_it_grep '"salesforce.fatal"' "$(qw_it_log_of old)" || qw_it_fail "no salesforce.fatal log line"
qw_it_wait_for "(( \$(sf_count_replays) >= 20 ))" 60 || qw_it_fail "the second instance lags"
sleep 2
sf_dump "$QW_IT_DIR/topic.jsonl"
sf_check_exactly_once "$QW_IT_DIR/topic.jsonl" 1000 1019 "$QW_IT_DIR/all.jsonl"
qw_it_kill new TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"
