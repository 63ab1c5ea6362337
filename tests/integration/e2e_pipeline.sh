#!/usr/bin/env bash
# End to end on a real Kafka broker and a real redis-server: canonical CRM events → qw-ingest →
# qw-evaluator → qw-notifier → a local webhook sink that checks Standard Webhooks signatures.
# Asserts exactly one reward.quota_achieved with the right rep and numbers, that a duplicate CRM
# delivery is not counted twice, and that an invalid event lands on the DLQ with its reason.
source "$(dirname "$0")/lib.sh"
qw_it_init

FIX="$QW_SRC/tests/fixtures/e2e"
D_ERR="$QW_IT_DIR/qwctl.err"
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"

qw_it_webhook_sink

POLICY="$QW_SRC/deploy/policy.example.yaml"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX"
# The clock is pinned inside the period, so the run means the same whatever day it runs on.
EV_PORT="$(qw_it_free_port)"
qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$POLICY" --roster "$FIX/roster.csv" \
    --quotas "$FIX/quotas.csv" --group "evaluator-$PREFIX" --calendar=false \
    --fake-now 2026-11-20T12:00:00Z --http-port "$EV_PORT"
qw_it_bg notifier "$QW_BIN/qw-notifier" --webhook-url "http://127.0.0.1:$SINK_PORT/webhook/e2e" \
    --webhook-secret-file "$QW_IT_DIR/webhook.secret" --group "notifier-$PREFIX" --http-port 0

"$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$FIX/events.jsonl"

qw_it_wait_for '[[ -s "$SINK_LOG" ]] && grep -q reward.quota_achieved "$SINK_LOG"' 90 ||
    qw_it_fail "no reward.quota_achieved reached the webhook sink within 90 s"
sleep 5 # anything wrongly repeated would arrive now

python3 - "$SINK_LOG" <<'PY' || qw_it_fail "webhook deliveries are not what the deal history says"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r["status"] == 200]
bad = [r for r in recs if r["status"] != 200]
assert not bad, f"sink refused deliveries (signature?): {bad}"
events = [json.loads(r["body"]) for r in ok]
rewards = [e for e in events if e["type"] == "reward.quota_achieved"]
# One decision id, however often it was delivered (a repeat must carry the same id).
ids = {e["id"] for e in rewards}
assert len(ids) == 1, f"expected one reward decision, got {ids}"
assert len(rewards) == 1, f"the reward was delivered {len(rewards)} times"
d = rewards[0]["data"]
assert d["rep_id"] == "rep-ada", d
assert d["period"] == "2026-11", d
# 30000.00 EUR + 27000.00 USD x 0.92 = 54840.00 EUR; the duplicate E-2 delivery is not counted.
assert d["credited_minor"] == 5484000, d
assert d["quota_minor"] == 5000000, d
assert d["attainment_bp"] == 10968, d
assert d["currency"] == "EUR", d
assert d["quota_version"] == "2026-plan-v1", d
assert d["policy_version"], d
assert not [e for e in events if e["data"]["rep_id"] == "rep-bob"], "rep-bob earned nothing"
print("e2e: one reward.quota_achieved for rep-ada, 109.68% of 50000.00 EUR")
PY

"$QW_BIN/qwctl" tail dlq --until-eof >"$QW_IT_DIR/dlq.jsonl"
python3 - "$QW_IT_DIR/dlq.jsonl" <<'PY' || qw_it_fail "the invalid event is not on the DLQ as expected"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 1, recs
r = recs[0]
assert r["headers"]["qw.error.reason"] == "negative_amount", r
assert r["headers"]["qw.source.topic"].endswith("qw.crm.canonical"), r
assert '"deal_id":"E-4"' in r["value"], "the original bytes are kept"
print("e2e: the negative amount is on the DLQ with its reason and original bytes")
PY

"$QW_BIN/qwctl" tail credits --until-eof >"$QW_IT_DIR/credits.jsonl"
python3 - "$QW_IT_DIR/credits.jsonl" <<'PY' || qw_it_fail "credits do not match the deal history"
import collections, json, sys
recs = [json.loads(l)["value"] for l in open(sys.argv[1])]
by_id = {}
for c in recs:
    assert by_id.setdefault(c["id"], c) == c, f"one id, two different entries: {c['id']}"
tot = collections.Counter()
for c in by_id.values():
    tot[c["rep_id"]] += c["amount_minor"]
assert tot == {"rep-ada": 5484000, "rep-bob": 1000000}, tot
print("e2e: credits by rep", dict(tot))
PY

# Credits are keyed by rep on the partition the evaluator's calendar job expects (murmur2).
curl -fs "http://127.0.0.1:$EV_PORT/metrics" | qw_it_grep '^qw_evaluator_partitioner_mismatch_total 0$' ||
    qw_it_fail "credits arrived on partitions the evaluator does not expect for their rep"

# Graceful stop: each service finishes its batch and exits 0.
# An operator's typo in a topic name is said at once, not after 30 s of undelivered records.
t0=$SECONDS
rc=0
"$QW_BIN/qwctl" produce qw.crm.canonicall "$FIX/events.jsonl" 2>"$D_ERR" || rc=$?
[[ $rc == 1 ]] || qw_it_fail "qwctl produce to a missing topic exited $rc"
qw_it_grep -F "qw.crm.canonicall does not exist" "$D_ERR" || qw_it_fail "not said: $(cat "$D_ERR")"
((SECONDS - t0 < 10)) || qw_it_fail "qwctl produce took $((SECONDS - t0)) s to see a missing topic"

for svc in notifier evaluator ingest; do
    qw_it_kill "$svc" TERM
    [[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "$svc exited $QW_IT_EXIT on SIGTERM (expected 0)"
done
qw_it_log "passed"
