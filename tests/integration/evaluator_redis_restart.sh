#!/usr/bin/env bash
# Redis goes away mid-stream (crash with SIGKILL, then a clean restart; AOF with appendfsync
# always): the evaluator keeps retrying with backoff, reports not ready on /readyz, does not exit,
# and loses nothing. Same proof as the crash test: every rep's credited amount and deal count
# equal the input's and every expected decision id is on qw.decisions.v1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start
D="$QW_IT_DIR"
CHUNKS=4
ev_gen "$D" 25 1600 "$CHUNKS" 11
"$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.quotas.v1" quotas "$D/quotas.csv"

PORT="$(qw_it_free_port)"
ev_start ev1 --batch-size 9 --http-port "$PORT"
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/readyz" 60 || qw_it_fail "evaluator never ready"
for ((c = 0; c < CHUNKS; c++)); do
    "$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.credits.v1" --txn 29 credits \
        "$D/chunk_$c.jsonl"
    sleep "0.$((RANDOM % 5 + 1))"
    sig=KILL
    ((c % 2)) && sig=TERM
    qw_it_kill redis "$sig"
    qw_it_log "chunk $c produced, redis stopped with SIG$sig"
    # Down for a while: /readyz must say so, and the evaluator must stay up.
    qw_it_wait_for "! curl -fs http://127.0.0.1:$PORT/readyz" 20 ||
        qw_it_fail "/readyz stayed ready while Redis was down"
    curl -s "http://127.0.0.1:$PORT/readyz" | qw_it_grep redis || qw_it_fail "/readyz does not name redis"
    sleep 2
    qw_it_alive ev1 || qw_it_fail "the evaluator exited while Redis was down"
    qw_it_redis_start
done
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/readyz" 60 || qw_it_fail "not ready after Redis came back"

qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ev_state_matches '$D' '$D/state.jsonl'" 180 || {
    ev_state_matches "$D" "$D/state.jsonl" || true
    qw_it_fail "rep states did not converge to the expected attainment"
}
ev_dump_decisions "$D/decisions.jsonl"
ev_check_decisions "$D" "$D/decisions.jsonl" || qw_it_fail "decisions on the topic are wrong"
curl -fs "http://127.0.0.1:$PORT/metrics" | qw_it_grep '^qw_evaluator_credits_applied_total' ||
    qw_it_fail "metrics lack the applied counter"
qw_it_kill ev1 TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "ev1 exited $QW_IT_EXIT on SIGTERM"
