#!/usr/bin/env bash
# A service whose Kafka or Redis is unreachable keeps retrying with backoff, reports not ready on
# /readyz, and neither exits nor loses what it was processing (shown with qw-ingest). A Redis
# that persists nothing is refused at start by every service with Redis state (exit 2, the
# message names the fix), unless --redis-allow-volatile says the loss is accepted.
source "$(dirname "$0")/lib.sh"
qw_it_init

PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
export QW_TOPIC_PREFIX="$PREFIX"
POLICY="$QW_SRC/deploy/policy.example.yaml"
ready() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz"; }

# 1. Kafka unreachable: the process stays up, not ready, and health still answers.
DEAD_PORT="$(qw_it_free_port)"
PORT1="$(qw_it_free_port)"
qw_it_bg nokafka "$QW_BIN/qw-ingest" --policy "$POLICY" --brokers "127.0.0.1:$DEAD_PORT" \
    --redis "redis://127.0.0.1:$DEAD_PORT/0" --http-port "$PORT1" --transactional-id "nk-$PREFIX"
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT1/healthz" 20 || qw_it_fail "no /healthz"
sleep 8
qw_it_alive nokafka || qw_it_fail "qw-ingest exited while Kafka was unreachable"
[[ "$(ready "$PORT1")" == 503 ]] || qw_it_fail "/readyz should be 503 without Kafka and Redis"
curl -s "http://127.0.0.1:$PORT1/readyz" | qw_it_grep '"kafka":false' || qw_it_fail "readyz must name kafka"
qw_it_kill nokafka TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "SIGTERM while waiting for Kafka should exit 0, got $QW_IT_EXIT"

# 2. Redis unreachable while events arrive: not ready, nothing lost once Redis is back.
REDIS_PORT="$(qw_it_free_port)"
PORT2="$(qw_it_free_port)"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --redis "redis://127.0.0.1:$REDIS_PORT/0" \
    --http-port "$PORT2" --transactional-id "ing-$PREFIX" --group "ing-$PREFIX"
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT2/healthz" 20 || qw_it_fail "no /healthz"
cat >"$QW_IT_DIR/events.jsonl" <<'JSON'
{"deal_id":"R-1","version":1,"status":"won","amount":"100.00","currency":"EUR","owner_id":"rep-r","close_date":"2026-11-02"}
{"deal_id":"R-2","version":1,"status":"won","amount":"250.00","currency":"EUR","owner_id":"rep-r","close_date":"2026-11-03"}
JSON
"$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/events.jsonl"
sleep 6
qw_it_alive ingest || qw_it_fail "qw-ingest exited while Redis was unreachable"
[[ "$(ready "$PORT2")" == 503 ]] || qw_it_fail "/readyz should be 503 while Redis is down"
curl -s "http://127.0.0.1:$PORT2/readyz" | qw_it_grep '"redis":false' || qw_it_fail "readyz must name redis"
n="$("$QW_BIN/qwctl" tail credits --until-eof | wc -l)"
[[ "$n" == 0 ]] || qw_it_fail "no credit may be committed without the ledger ($n seen)"

mkdir -p "$QW_IT_DIR/late-redis"
qw_it_bg late-redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$QW_IT_DIR/late-redis" \
    --save '' --appendonly yes
qw_it_wait_for '[[ "$(ready '"$PORT2"')" == 200 ]]' 30 || qw_it_fail "not ready after Redis came back"
qw_it_wait_for '[[ "$("$QW_BIN/qwctl" tail credits --until-eof | wc -l)" == 2 ]]' 60 ||
    qw_it_fail "the events held while Redis was down were not credited"
"$QW_BIN/qwctl" tail credits --until-eof | python3 -c '
import json, sys
tot = sum(json.loads(l)["value"]["amount_minor"] for l in sys.stdin)
assert tot == 35000, tot
print("readiness: both held events credited once, total 350.00 EUR")'
curl -s "http://127.0.0.1:$PORT2/metrics" | qw_it_grep '^qw_ingest_messages_total 2$' ||
    qw_it_fail "/metrics should count 2 messages"
qw_it_kill ingest TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-ingest exited $QW_IT_EXIT on SIGTERM"

# 3. A volatile Redis (no AOF, no RDB) is refused at start: exit 2 with the fix named.
VPORT="$(qw_it_free_port)"
mkdir -p "$QW_IT_DIR/volatile"
qw_it_bg volatile redis-server --port "$VPORT" --bind 127.0.0.1 --dir "$QW_IT_DIR/volatile" \
    --save '' --appendonly no
qw_it_wait_for "[[ \"\$(redis-cli -p $VPORT ping)\" == PONG ]]" 20 || qw_it_fail "volatile redis not up"
VURL="redis://127.0.0.1:$VPORT/0"
refused() { # NAME CMD...: must exit 2 within 30 s, naming the problem and the option
    local name="$1" rc=0
    shift
    timeout 30 "$@" >"$QW_IT_DIR/$name.out" 2>&1 || rc=$?
    [[ "$rc" == 2 ]] || qw_it_fail "$name on a volatile Redis exited $rc, want 2: $(tail -3 "$QW_IT_DIR/$name.out")"
    qw_it_grep -e 'persists nothing' "$QW_IT_DIR/$name.out" &&
        qw_it_grep -e '--redis-allow-volatile' "$QW_IT_DIR/$name.out" ||
        qw_it_fail "$name must say why and how to fix: $(tail -3 "$QW_IT_DIR/$name.out")"
}
refused ingest-v "$QW_BIN/qw-ingest" --policy "$POLICY" --redis "$VURL" --http-port 0 \
    --transactional-id "v-$PREFIX" --group "v-$PREFIX"
refused evaluator-v "$QW_BIN/qw-evaluator" --policy "$POLICY" --redis "$VURL" --http-port 0 \
    --group "ev-v-$PREFIX"
QW_WEBHOOK_SECRET="whsec_$(head -c 24 /dev/urandom | base64)" \
    refused notifier-v "$QW_BIN/qw-notifier" --redis "$VURL" --group "nt-v-$PREFIX" \
    --routes "$QW_SRC/deploy/notifier.example.yaml" --smtp-url smtp://127.0.0.1:2525
# Accepted knowingly: the evaluator starts and becomes ready on the same server.
PORT3="$(qw_it_free_port)"
qw_it_bg evaluator-ok "$QW_BIN/qw-evaluator" --policy "$POLICY" --redis "$VURL" \
    --http-port "$PORT3" --group "ev-ok-$PREFIX" --redis-allow-volatile
qw_it_wait_for '[[ "$(ready '"$PORT3"')" == 200 ]]' 60 ||
    qw_it_fail "qw-evaluator --redis-allow-volatile did not become ready"
qw_it_kill evaluator-ok TERM
qw_it_log passed
