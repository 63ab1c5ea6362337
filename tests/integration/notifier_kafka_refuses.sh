#!/usr/bin/env bash
# Kafka refuses the notifier:
#  - a subscription Kafka cannot take (here: a --topic-prefix that makes the topic names an
#    invalid pattern) exits 1 — a runtime failure, not 0 as it once did — and the message tells
#    the operator what to check (the prefix, the group's rights) and that a restart follows;
#  - brokers that do not answer (a bootstrap address nobody listens on) are waited for: the
#    notifier stays up and not ready, says it is waiting, and a SIGTERM still stops it cleanly
#    (exit 0); once a reachable bootstrap is given it starts and becomes ready.
source "$(dirname "$0")/lib.sh"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start

common=(--templates "$QW_SRC/services/notifier/templates" --http-port 0
    --webhook-url "http://127.0.0.1:9/hook" --allow-insecure-webhook)

# 1. The subscription is refused: exit 1 with advice, within the roster wait (~15 s) and more.
set +e
timeout 120 "$QW_BIN/qw-notifier" "${common[@]}" --brokers "$QW_KAFKA_BOOTSTRAP" \
    --redis "$QW_REDIS_URL" --topic-prefix '^[' >"$QW_IT_DIR/refused.out" 2>&1
rc=$?
set -e
[[ $rc == 1 ]] || qw_it_fail "refused subscription: exit code $rc, expected 1: $(tail -5 "$QW_IT_DIR/refused.out")"
grep -q "qw-notifier: .*subscribe" "$QW_IT_DIR/refused.out" ||
    qw_it_fail "the message does not say the subscription failed: $(tail -5 "$QW_IT_DIR/refused.out")"
grep -q -- "--topic-prefix" "$QW_IT_DIR/refused.out" ||
    qw_it_fail "the message does not say what to check: $(tail -5 "$QW_IT_DIR/refused.out")"
qw_it_log "refused subscription: exit 1, $(grep '^qw-notifier: ' "$QW_IT_DIR/refused.out" | head -1)"

# 2. Nobody at the bootstrap address: waited for, not ready, a clean stop on SIGTERM.
PORT="$(qw_it_free_port)"
DEAD="127.0.0.1:$(qw_it_free_port)"
qw_it_bg ntf "$QW_BIN/qw-notifier" "${common[@]}" --http-port "$PORT" --brokers "$DEAD" \
    --redis "$QW_REDIS_URL" --topic-prefix "$QW_IT_TOPIC_PREFIX"
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/healthz" 30 || qw_it_fail "no health endpoint"
qw_it_wait_for "qw_it_grep kafka.waiting '$(qw_it_log_of ntf)'" 30 ||
    qw_it_fail "no kafka.waiting line while the brokers do not answer"
! curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || qw_it_fail "ready without Kafka"
# Every label set known in advance is there at 0 before anything happened (an alert on the
# first failure needs the series to exist before it).
curl -fs "http://127.0.0.1:$PORT/metrics" >"$QW_IT_DIR/metrics.0"
for want in 'qw_notifier_sent_total{channel="rep.slack"} 0' 'qw_notifier_sent_total{channel="webhook"} 0' \
    'qw_notifier_failed_total{channel="hr.email",reason="no_address"} 0' \
    'qw_notifier_skipped_total{channel="manager.slack",reason="done"} 0' \
    'qw_notifier_decisions_total 0' 'qw_notifier_retry_jobs_dropped_total 0' \
    'qw_notifier_delivery_latency_seconds_count 0' 'process_resident_memory_bytes '; do
    qw_it_grep -F "$want" "$QW_IT_DIR/metrics.0" || qw_it_fail "not declared at start: $want"
done
qw_it_alive ntf || qw_it_fail "the notifier exited while waiting for Kafka"
qw_it_kill ntf TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "SIGTERM while waiting for Kafka: exit $QW_IT_EXIT"

# 3. The same instance with the real brokers starts and becomes ready.
qw_it_bg ntf "$QW_BIN/qw-notifier" "${common[@]}" --http-port "$PORT" \
    --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" --topic-prefix "$QW_IT_TOPIC_PREFIX"
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/readyz" 90 || qw_it_fail "never ready with Kafka"
qw_it_kill ntf TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "SIGTERM: exit $QW_IT_EXIT"
qw_it_log "ok"
