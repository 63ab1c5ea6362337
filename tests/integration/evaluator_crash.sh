#!/usr/bin/env bash
# Exactly once through crashes: two qw-evaluator instances share the credits (one consumer
# group) while each is SIGKILLed several times mid-stream; replayed credit entries (same id) are
# mixed in. Proves: every rep's credited amount and deal count in Redis equal the input's,
# nothing is left in the outboxes, every expected decision id is on qw.decisions.v1 (none
# missing, none unexpected) and any id published twice carries identical content.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start
D="$QW_IT_DIR"
CHUNKS=6
ev_gen "$D" 30 2100 $((CHUNKS + 1)) 7
"$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.quotas.v1" quotas "$D/quotas.csv"
# Two entries the evaluator cannot use: no rep, and a currency nobody knows. They must reach
# qw.dlq.v1 (with the reason) and change no state.
cat >>"$D/chunk_1.jsonl" <<'JSON'
{"id":"bad:1:","deal_id":"bad","rep_id":"","kind":"credit","amount_minor":100,"currency":"USD","close_date":"2026-11-02"}
{"id":"bad:2:rep00","deal_id":"bad","rep_id":"rep00","kind":"credit","amount_minor":100,"currency":"XXX","close_date":"2026-11-02"}
JSON

ev_start ev1 --batch-size 7
ev_start ev2 --batch-size 13
for ((c = 0; c < CHUNKS; c++)); do
    "$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.credits.v1" --txn 37 credits \
        "$D/chunk_$c.jsonl"
    victim="ev$((c % 2 + 1))"
    sleep "0.$((RANDOM % 9 + 1))"
    qw_it_kill "$victim" KILL
    [[ "$QW_IT_EXIT" == 137 ]] || qw_it_fail "$victim was not killed by SIGKILL (exit $QW_IT_EXIT)"
    qw_it_log "chunk $c produced, $victim killed"
    ev_start "$victim" --batch-size $((5 + c))
done

# A zombie: ev1 freezes (SIGSTOP) while credits arrive, ev2 takes its partitions after the
# session timeout (a new epoch), then ev1 wakes up with its old epoch: its writes must be fenced.
qw_it_wait_for "grep -q partition.assigned '$(qw_it_log_of ev1)'" 60 || qw_it_fail "ev1 not up"
kill -STOP "$(qw_it_pid ev1)"
"$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.credits.v1" --txn 37 credits \
    "$D/chunk_$CHUNKS.jsonl"
sleep 10
kill -CONT "$(qw_it_pid ev1)"
qw_it_log "zombie phase done; fenced writes: $(grep -c partition.fenced "$(qw_it_log_of ev1)" || true)"

qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ev_state_matches '$D' '$D/state.jsonl'" 180 || {
    ev_state_matches "$D" "$D/state.jsonl" || true
    qw_it_fail "rep states did not converge to the expected attainment"
}
ev_dump_decisions "$D/decisions.jsonl"
ev_check_decisions "$D" "$D/decisions.jsonl" || qw_it_fail "decisions on the topic are wrong"
"$QW_BIN/qw-test-decisions" --topic "${QW_IT_TOPIC_PREFIX}qw.dlq.v1" --timeout-ms 30000 >"$D/dlq.jsonl"
python3 - "$D/dlq.jsonl" <<'PY' || qw_it_fail "dead letters missing"
import json, sys
offsets = {}
for line in open(sys.argv[1]):
    h = json.loads(line)["headers"]
    if h.get("qw.source.topic", "").endswith("qw.credits.v1") and h.get("qw.error.reason"):
        offsets[(h["qw.source.partition"], h["qw.source.offset"])] = h["qw.error.reason"]
if len(offsets) != 2:
    sys.exit("expected 2 distinct dead letters, got %s" % offsets)
print("dead letters: %s" % sorted(offsets.values()))
PY

# Both instances stop cleanly on SIGTERM.
for n in ev1 ev2; do
    qw_it_kill "$n" TERM
    [[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "$n exited $QW_IT_EXIT on SIGTERM"
done
grep -q '"event":"partition.assigned"' "$(qw_it_log_of ev1)" || qw_it_fail "ev1 never owned a partition"
