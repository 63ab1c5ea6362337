#!/usr/bin/env bash
# qwctl rebuild evaluator on the real stack (issue 14): a reward.quota_achieved was delivered;
# the evaluator's Redis state is then wiped with `qwctl rebuild evaluator --yes` (refused while
# qw-evaluator runs, counted by --dry-run, refused without --yes). A restarted evaluator derives
# the same state again from qw.credits.v1: it re-makes the reward with its old id, which the
# notifier skips (nothing is sent twice), and the next deal takes the rep from 110% to 130%
# (reward.accelerator with the exact attainment) — which only a rebuilt state can know.
source "$(dirname "$0")/lib.sh"
qw_it_init

FIX="$QW_SRC/tests/fixtures/e2e"
PREFIX="$(qw_it_unique_prefix)"
# A rebuild needs every credit: the derived topic keeps everything.
qw_it_topic "${PREFIX}qw.credits.v1" 4 retention.ms=-1
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"
POLICY="$QW_SRC/deploy/policy.example.yaml"
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL"
    --group "evaluator-$PREFIX")

qw_it_webhook_sink

EV_PORT="$(qw_it_free_port)"
NTF_PORT="$(qw_it_free_port)"
start_evaluator() {
    qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$POLICY" --roster "$FIX/roster.csv" \
        --quotas "$FIX/quotas.csv" --group "evaluator-$PREFIX" --calendar=false \
        --fake-now 2026-11-20T12:00:00Z --http-port "$EV_PORT"
}
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX"
start_evaluator
qw_it_bg notifier "$QW_BIN/qw-notifier" --webhook-url "http://127.0.0.1:$SINK_PORT/webhook/r" \
    --webhook-secret-file "$QW_IT_DIR/webhook.secret" --group "notifier-$PREFIX" \
    --http-port "$NTF_PORT"

deal() { # ID AMOUNT_EUR DAY
    printf '{"deal_id":"%s","version":1,"event_time":"2026-11-%sT09:00:00Z","status":"won","amount":"%s","currency":"EUR","owner_id":"rep-ada","close_date":"2026-11-%s"}\n' \
        "$1" "$3" "$2" "$3" >"$QW_IT_DIR/$1.jsonl"
    "$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/$1.jsonl"
}
delivered() { grep -c "$1" "$SINK_LOG" 2>/dev/null || true; }
skipped_done() {
    curl -fs "http://127.0.0.1:$NTF_PORT/metrics" |
        awk '/^qw_notifier_skipped_total\{channel="webhook",reason="done"\}/ {print $2}'
}

deal R-1 55000.00 12
qw_it_wait_for '[[ "$(delivered reward.quota_achieved)" -ge 1 ]]' 90 ||
    qw_it_fail "no reward.quota_achieved delivered"

# Refused while the evaluator runs; nothing deleted.
rc=0
"${CTL[@]}" --yes rebuild evaluator 2>"$QW_IT_DIR/err.txt" || rc=$?
((rc == 1)) && grep -q 'still run in consumer group' "$QW_IT_DIR/err.txt" ||
    qw_it_fail "rebuild with the evaluator running: exit $rc, $(cat "$QW_IT_DIR/err.txt")"
reps() { redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:rep:*" | wc -l; }
(($(reps) >= 1)) || qw_it_fail "no rep state in Redis before the rebuild"

qw_it_kill evaluator TERM
"${CTL[@]}" --dry-run --json rebuild evaluator >"$QW_IT_DIR/dry.json" ||
    qw_it_fail "dry run refused: $(cat "$QW_IT_DIR/dry.json")"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["dry_run"] and o["rep"] >= 1 and o["ev"] >= 1 and o["cid"] >= 1, o' \
    "$QW_IT_DIR/dry.json" || qw_it_fail "dry run counts: $(cat "$QW_IT_DIR/dry.json")"
(($(reps) >= 1)) || qw_it_fail "the dry run deleted"
rc=0
"${CTL[@]}" rebuild evaluator 2>"$QW_IT_DIR/err.txt" || rc=$?
((rc == 2)) || qw_it_fail "rebuild without --yes exited $rc, want 2"
"${CTL[@]}" --yes rebuild evaluator >"$QW_IT_DIR/rebuild.txt" ||
    qw_it_fail "rebuild failed: $(cat "$QW_IT_DIR/rebuild.txt")"
grep -q '^deleted ' "$QW_IT_DIR/rebuild.txt" || qw_it_fail "rebuild said: $(cat "$QW_IT_DIR/rebuild.txt")"
for what in ev rep cid; do
    n=$(redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:$what:*" | wc -l)
    ((n == 0)) || qw_it_fail "$n ${PREFIX}qw:$what:* keys left after the rebuild"
done
n=$(redis-cli -u "$QW_REDIS_URL" --scan --pattern "${PREFIX}qw:dlv:*" | wc -l)
((n >= 1)) || qw_it_fail "the rebuild deleted the notifier's delivery records"

# The rebuilt evaluator re-makes the reward (same id: skipped by the notifier) ...
before="$(skipped_done)"
start_evaluator
qw_it_wait_for '(( $(skipped_done) > before ))' 90 ||
    qw_it_fail "the rebuilt evaluator did not re-make the reward (skipped done: $(skipped_done))"
# ... and knows the rep is at 110%: 10000 EUR more is 130%, the accelerator.
deal R-2 10000.00 13
qw_it_wait_for '[[ "$(delivered reward.accelerator)" -ge 1 ]]' 90 ||
    qw_it_fail "no reward.accelerator after the rebuild: the state was not derived again"
sleep 2
python3 - "$SINK_LOG" <<'PY' || qw_it_fail "deliveries after the rebuild are wrong"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [json.loads(r["body"]) for r in recs if r["status"] == 200]
n = collections.Counter(e["id"] for e in ok)
assert all(v == 1 for v in n.values()), "sent twice: %s" % {k: v for k, v in n.items() if v > 1}
acc = [e for e in ok if e["type"] == "reward.accelerator"]
assert len(acc) == 1, acc
d = acc[0]["data"]
assert d["credited_minor"] == 6500000 and d["quota_minor"] == 5000000, d
assert d["attainment_bp"] == 13000, d
print("rebuild: %d decisions, each delivered once; accelerator at 130.00%%" % len(n))
PY
for p in ingest evaluator notifier; do qw_it_kill "$p" TERM; done
qw_it_log "ok: rebuilt from qw.credits.v1, nothing sent twice, the next decision on the rebuilt numbers"
