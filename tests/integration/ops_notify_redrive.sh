#!/usr/bin/env bash
# qwctl dlq redrive notify-dlq on the real stack (issue 14): the HR webhook answers 400 once, so
# the decision's webhook delivery is dead-lettered to qw.notify-dlq.v1 (reason http_400). Once
# the endpoint is fixed, a redrive puts the decision back on qw.decisions.v1 for that one
# channel: qw-notifier opens the failed delivery again and the webhook receives it exactly once;
# a second redrive is consumed and sends nothing (the delivery is recorded as sent). Then
# `qwctl rebuild notifier-index` requeues a retry whose queue was lost, delivered once.
source "$(dirname "$0")/lib.sh"
qw_it_init

FIX="$QW_SRC/tests/fixtures/e2e"
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP")

qw_it_webhook_sink
curl -fsS -d '{"action":"fail","prefix":"/webhook/r","status":400,"count":1,"body":"bad"}' \
    "http://127.0.0.1:$SINK_PORT/_control" >/dev/null || qw_it_fail "sink control refused"

NTF_PORT="$(qw_it_free_port)"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$QW_SRC/deploy/policy.example.yaml" \
    --transactional-id "ingest-$PREFIX" --group "ingest-$PREFIX"
qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$QW_SRC/deploy/policy.example.yaml" \
    --roster "$FIX/roster.csv" --quotas "$FIX/quotas.csv" --group "evaluator-$PREFIX" \
    --calendar=false --fake-now 2026-11-20T12:00:00Z --http-port 0
qw_it_bg notifier "$QW_BIN/qw-notifier" --webhook-url "http://127.0.0.1:$SINK_PORT/webhook/r" \
    --webhook-secret-file "$QW_IT_DIR/webhook.secret" --group "notifier-$PREFIX" \
    --http-port "$NTF_PORT" --redis "$QW_REDIS_URL" --backoff-base-ms 60000

printf '{"deal_id":"N-1","version":1,"event_time":"2026-11-11T09:00:00Z","status":"won","amount":"55000.00","currency":"EUR","owner_id":"rep-ada","close_date":"2026-11-12"}\n' \
    >"$QW_IT_DIR/deal.jsonl"
"${CTL[@]}" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/deal.jsonl"

ndlq() { "${CTL[@]}" --until-eof tail notify-dlq | wc -l; }
qw_it_wait_for '(( $(ndlq) >= 1 ))' 90 || qw_it_fail "the refused webhook was not dead-lettered"
"${CTL[@]}" --json --channel webhook dlq list notify-dlq >"$QW_IT_DIR/list.jsonl"
python3 - "$QW_IT_DIR/list.jsonl" >"$QW_IT_DIR/id.txt" <<'PY' || qw_it_fail "notify-dlq list is wrong"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, "want one dead-lettered delivery, got %d" % len(rows)
r = rows[0]
h = r["headers"]
assert h["qw.error.reason"] == "http_400", h
assert h["qw.error.channel"] == "webhook", h
assert r["redrive"]["plan"] == "decision", r["redrive"]
print(r["value"]["id"])
PY
ID="$(cat "$QW_IT_DIR/id.txt")"
ok_for() { python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == 200
          and json.loads(json.loads(l)["body"])["id"] == sys.argv[2]))' "$SINK_LOG" "$ID"; }
[[ "$(ok_for)" == 0 ]] || qw_it_fail "$ID was delivered although the endpoint refused it"
metric() { curl -fs "http://127.0.0.1:$NTF_PORT/metrics" | grep "^qw_notifier_redriven_total{channel=\"webhook\",reason=\"$1\"}" | awk '{print $2}'; }
[[ "$(metric reopened)" == 0 ]] || qw_it_fail "qw_notifier_redriven_total not declared at 0"

# The endpoint works again: redrive once, delivered once.
"${CTL[@]}" dlq redrive notify-dlq >"$QW_IT_DIR/redrive1.txt" 2>&1 ||
    qw_it_fail "redrive failed: $(cat "$QW_IT_DIR/redrive1.txt")"
grep -q '1 redriven, 0 skipped, 0 failed' "$QW_IT_DIR/redrive1.txt" ||
    qw_it_fail "redrive: $(cat "$QW_IT_DIR/redrive1.txt")"
qw_it_wait_for '[[ "$(ok_for)" == 1 ]]' 60 || qw_it_fail "the redriven $ID was not delivered"
[[ "$(metric reopened)" == 1 ]] || qw_it_fail "reopened counter: $(metric reopened)"

# Again: consumed, nothing sent.
"${CTL[@]}" dlq redrive notify-dlq >"$QW_IT_DIR/redrive2.txt" 2>&1 ||
    qw_it_fail "second redrive failed: $(cat "$QW_IT_DIR/redrive2.txt")"
qw_it_wait_for '[[ "$(metric not_failed)" == 1 ]]' 60 ||
    qw_it_fail "the second redrive was not consumed (not_failed: $(metric not_failed))"
sleep 2
[[ "$(ok_for)" == 1 ]] || qw_it_fail "$ID delivered $(ok_for) times after two redrives, want 1"
# Only the redriven channel: every other decision's deliveries are untouched (one 200 each).
python3 - "$SINK_LOG" <<'PY' || qw_it_fail "a decision was delivered twice"
import collections, json, sys
n = collections.Counter(json.loads(json.loads(l)["body"])["id"] for l in open(sys.argv[1])
                        if json.loads(l)["status"] == 200)
twice = {k: v for k, v in n.items() if v > 1}
assert not twice, twice
print("%d decisions delivered once each" % len(n))
PY
grep -q '"event":"notify.redrive"' "$(qw_it_log_of notifier)" || qw_it_fail "no notify.redrive log line"

# qwctl rebuild notifier-index: a delivery waiting for its retry (503, next attempt in a
# minute) whose retry queue is lost would never be sent; the rebuild requeues it, due now.
curl -fsS -d '{"action":"fail","prefix":"/webhook/r","status":503,"count":1000,"body":"busy"}' \
    "http://127.0.0.1:$SINK_PORT/_control" >/dev/null || qw_it_fail "sink control refused"
sed 's/N-1/N-2/; s/55000.00/10000.00/' "$QW_IT_DIR/deal.jsonl" >"$QW_IT_DIR/deal2.jsonl"
"${CTL[@]}" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/deal2.jsonl"
jobs() { redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:dlv:job:*" | wc -l; }
qw_it_wait_for '(( $(jobs) >= 1 ))' 90 || qw_it_fail "the refused accelerator is not waiting for a retry"
sleep 1
redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:dlv:retry:*" |
    xargs -r redis-cli -u "$QW_REDIS_URL" del >/dev/null
RB=("${CTL[@]}" --redis "$QW_REDIS_URL")
"${RB[@]}" --dry-run --json rebuild notifier-index >"$QW_IT_DIR/index-dry.json" ||
    qw_it_fail "rebuild notifier-index --dry-run failed"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["requeued"] >= 1 and o["dry_run"], o' \
    "$QW_IT_DIR/index-dry.json" || qw_it_fail "dry run: $(cat "$QW_IT_DIR/index-dry.json")"
[[ "$(redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:dlv:retry:*" | wc -l)" == 0 ]] ||
    qw_it_fail "the dry run wrote a queue"
curl -fsS -d '{"action":"reset"}' "http://127.0.0.1:$SINK_PORT/_control" >/dev/null
"${RB[@]}" rebuild notifier-index >"$QW_IT_DIR/index.txt" || qw_it_fail "rebuild notifier-index failed"
grep -Eq ' [1-9][0-9]* requeued' "$QW_IT_DIR/index.txt" || qw_it_fail "index: $(cat "$QW_IT_DIR/index.txt")"
acc_ok() { python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == 200
          and json.loads(json.loads(l)["body"])["type"] == "reward.accelerator"))' "$SINK_LOG"; }
qw_it_wait_for '[[ "$(acc_ok)" == 1 ]]' 60 || qw_it_fail "the requeued accelerator was not delivered"
"${RB[@]}" --json rebuild notifier-index >"$QW_IT_DIR/index2.json"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["requeued"] == 0, o' \
    "$QW_IT_DIR/index2.json" || qw_it_fail "a second index rebuild: $(cat "$QW_IT_DIR/index2.json")"
for p in ingest evaluator notifier; do qw_it_kill "$p" TERM; done
qw_it_log "ok: a refused webhook redriven from qw.notify-dlq.v1 was delivered once; a second redrive sent nothing; a retry with its queue lost was requeued and delivered once"
