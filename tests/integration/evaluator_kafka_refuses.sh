#!/usr/bin/env bash
# Kafka refuses the decisions for a while: qw.decisions.v1 does not exist yet, so every delivery
# times out. The evaluator must go on applying credits in every partition, keep each decision in
# its partition's outbox (a failed delivery trims nothing), count the failed pumps, and once the
# topic exists publish everything: every rep's attainment exact, every outbox empty, every
# expected decision id on the topic, any repeat identical.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
all_topics=("${QW_STACK_TOPICS[@]}")
QW_STACK_TOPICS=()
for spec in "${all_topics[@]}"; do
    if [[ "$spec" == "qw.decisions.v1 "* ]]; then decisions_spec="$spec"; else QW_STACK_TOPICS+=("$spec"); fi
done
qw_it_topics "$(qw_it_unique_prefix)"
QW_STACK_TOPICS=("${all_topics[@]}")
qw_it_redis_start
D="$QW_IT_DIR"
ev_gen "$D" 20 900 1 5
"$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.quotas.v1" quotas "$D/quotas.csv"

PORT="$(qw_it_free_port)"
metric() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print int($2) }'; }
# Deliveries time out after 2 s instead of 300 s; the producer looks for the topic every second.
ev_start ev1 --batch-size 11 --http-port "$PORT" -X message.timeout.ms=2000 \
    -X topic.metadata.refresh.interval.ms=1000
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/readyz" 60 || qw_it_fail "evaluator never ready"
"$QW_BIN/qw-test-credits" --topic "${QW_IT_TOPIC_PREFIX}qw.credits.v1" --txn 50 credits \
    "$D/chunk_0.jsonl"

# Every credit is applied although no decision can leave; the decisions wait in the outboxes.
records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$D/expected.json")
qw_it_wait_for '(( $(metric qw_evaluator_credits_applied_total) + $(metric qw_evaluator_duplicates_dropped_total) >= records ))' 90 ||
    qw_it_fail "credits not applied while Kafka refused the decisions ($(metric qw_evaluator_credits_applied_total) of $records)"
qw_it_wait_for '(( $(metric qw_evaluator_relay_errors_total) >= 2 ))' 30 ||
    qw_it_fail "no failed relay pump counted"
nexp=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["ids"]))' "$D/expected.json")
qw_it_wait_for '(( $(metric qw_evaluator_outbox_length) >= nexp ))' 30 ||
    qw_it_fail "the outbox gauge shows $(metric qw_evaluator_outbox_length) waiting, not the $nexp decisions made"
held=$(metric qw_evaluator_outbox_length)
published=$(metric qw_evaluator_decisions_published_total)
qw_it_log "while refused: outbox holds $held decisions, $published published"
((published == 0)) || qw_it_fail "$published decisions counted as published to a topic that does not exist"
qw_it_grep relay.failed "$(qw_it_log_of ev1)" || qw_it_fail "no relay.failed log line"
qw_it_alive ev1 || qw_it_fail "the evaluator exited while Kafka refused its decisions"

read -r name parts config <<<"$decisions_spec"
qw_it_topic "$QW_IT_TOPIC_PREFIX$name" "$parts" "$config"
qw_it_log "topic $name created"
qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ev_state_matches '$D' '$D/state.jsonl'" 120 || {
    ev_state_matches "$D" "$D/state.jsonl" || true
    qw_it_fail "the outboxes did not drain once the topic existed"
}
ev_dump_decisions "$D/decisions.jsonl"
ev_check_decisions "$D" "$D/decisions.jsonl" || qw_it_fail "decisions on the topic are wrong"
(($(metric qw_evaluator_decisions_published_total) >= held)) ||
    qw_it_fail "published counter below what the outbox held"
qw_it_kill ev1 TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "ev1 exited $QW_IT_EXIT on SIGTERM"
