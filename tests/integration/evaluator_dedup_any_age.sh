#!/usr/bin/env bash
# No double credit at any age (issue 8): qw-evaluator runs with a tiny id window (--id-window 50)
# and a credit id is replayed after twelve windows' worth of other credits of its rep (and so of
# its partition) have landed, once in the running instance and once after a restart (state and
# window reloaded from Redis). Then through qw-ingest: a HubSpot webhook batch re-delivered
# after 600 other deals of its owner — the ledger re-emits the won entry (same id, by design),
# and the evaluator must drop it. Asserts the reps' credited amounts and deal counts are exact
# and qw_evaluator_duplicates_dropped_total (and ..._duplicates_exact_total, the ones the
# window no longer held) counted every replay.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start
D="$QW_IT_DIR"
P="$QW_IT_TOPIC_PREFIX"
export QW_TOPIC_PREFIX="$P"
POLICY="$QW_SRC/deploy/policy.example.yaml" # base currency EUR: EUR credits count as they are
PORT="$(qw_it_free_port)"
WINDOW=50

metric() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print int($2) }'; }
applied() { metric qw_evaluator_credits_applied_total; }
dups() { metric qw_evaluator_duplicates_dropped_total; }
# state REP: "credited_minor deals" of the rep's November 2026 (from Redis).
state() {
    "$QW_BIN/qw-test-state" --redis "$QW_REDIS_URL" --prefix "$P" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("rep_id") == sys.argv[1] and o.get("period") == "2026-11":
        print(o["credited_minor"], o["deals"])' "$1"
}
start_ev() {
    ev_start ev --policy "$POLICY" --id-window "$WINDOW" --batch-size 50 --calendar=false \
        --fake-now 2026-11-20T12:00:00Z --http-port "$PORT"
    qw_it_wait_for 'curl -fs http://127.0.0.1:$PORT/metrics' 30 || qw_it_fail "qw-evaluator not up"
}
# wait_counts APPLIED DUPS: until this instance has seen that many credits, then exactly that
# many applied and dropped (a replay applied again shows as one applied too many).
wait_counts() {
    qw_it_wait_for "(( \$(applied) + \$(dups) >= $1 + $2 ))" 120 ||
        qw_it_fail "expected $1 applied / $2 dropped, have $(applied) / $(dups)"
    sleep 1 # anything applied twice would show now
    [[ "$(applied)" == "$1" && "$(dups)" == "$2" ]] ||
        qw_it_fail "applied $(applied) (want $1), dropped $(dups) (want $2)"
}
produce() { "$QW_BIN/qw-test-credits" --brokers "$QW_KAFKA_BOOTSTRAP" --topic "${P}qw.credits.v1" credits "$1"; }

# ---- A: credit entries straight onto qw.credits.v1 (as qw-ingest writes them) -----------------
# (QW_IT_DEDUP_SKIP_A=1 runs B alone: to show it fails on a build without the fix.)
if [[ "${QW_IT_DEDUP_SKIP_A:-0}" != 1 ]]; then
python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
def e(deal, amt):
    return json.dumps({"id": "%s:1:r0" % deal, "deal_id": deal, "deal_version": 1, "rep_id": "r0",
                       "kind": "credit", "amount_minor": amt, "currency": "EUR",
                       "close_date": "2026-11-05", "event_time_ms": 1793900000000,
                       "reason": "won"}) + "\n"
old = [e("old-a", 777777), e("old-b", 55555)]
open(d + "/a1.jsonl", "w").writelines(old)
open(d + "/a2.jsonl", "w").writelines(e("bulk-%d" % i, 100 + i) for i in range(600))
open(d + "/a3.jsonl", "w").writelines([old[0], e("new-1", 11)])
open(d + "/a4.jsonl", "w").writelines([old[1], e("new-2", 22)])
total = 777777 + 55555 + sum(100 + i for i in range(600)) + 11 + 22
open(d + "/a.expected", "w").write("%d %d\n" % (total, 604))
PY
start_ev
produce "$D/a1.jsonl"
wait_counts 2 0
produce "$D/a2.jsonl" # 600 other ids: twelve windows
wait_counts 602 0
# The rep's exact id set holds all 602; the in-memory window only the last 50 of them.
n="$(redis-cli -u "$QW_REDIS_URL" --scan --pattern "${P}qw:cid:{p*}:r0" | head -1 |
    xargs -r redis-cli -u "$QW_REDIS_URL" HLEN)"
[[ "$n" == 602 ]] || qw_it_fail "r0's id set holds ${n:-nothing}, want 602"
produce "$D/a3.jsonl" # old-a again (the same bytes), and a new one
wait_counts 603 1
[[ "$(metric qw_evaluator_duplicates_exact_total)" == 1 ]] ||
    qw_it_fail "the replay was not found in the rep's id set ($(metric qw_evaluator_duplicates_exact_total))"
# A new instance: its window and states come from Redis.
qw_it_kill ev
start_ev
produce "$D/a4.jsonl" # old-b again, and a new one
wait_counts 1 1
got="$(state r0)"
[[ "$got" == "$(cat "$D/a.expected")" ]] ||
    qw_it_fail "r0: credited/deals $got, the history says $(cat "$D/a.expected")"
qw_it_log "A: two replays after 600 other credits (window $WINDOW) dropped; r0 = $got"
else
    start_ev
fi

# ---- B: through qw-ingest: a HubSpot batch re-delivered after 600 other deals of its owner -----
IPORT="$(qw_it_free_port)"
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$P")
qw_it_bg ingest "$QW_BIN/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" \
    --policy "$POLICY" --topic-prefix "$P" --group "${P}ingest" --transactional-id "${P}ingest" \
    --http-port "$IPORT"
qw_it_wait_for 'curl -fs http://127.0.0.1:$IPORT/healthz' 30 || qw_it_fail "qw-ingest not up"
python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
t = 1794000000000  # 2026-11-08
def ev(n, prop, val):
    return {"eventId": 9100 + n, "subscriptionId": 2291044, "portalId": 62515, "appId": 1160452,
            "occurredAt": t, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
            "objectId": 18251199001, "changeSource": "CRM_UI", "propertyName": prop,
            "propertyValue": val}
batch = [ev(1, "amount", "4321.09"), ev(2, "deal_currency_code", "EUR"),
         ev(3, "hubspot_owner_id", "81920077"), ev(4, "closedate", str(t)),
         ev(5, "dealstage", "closedwon")]
open(d + "/hs.jsonl", "w").write(json.dumps(batch) + "\n")
for b in batch:
    b["attemptNumber"] = 3  # HubSpot's retry, hours later
open(d + "/hs-retry.jsonl", "w").write(json.dumps(batch) + "\n")
with open(d + "/bulk.jsonl", "w") as f:
    for i in range(600):
        f.write(json.dumps({"deal_id": "B-%d" % i, "version": 1,
            "event_time": "2026-11-10T09:00:00Z", "status": "won", "amount": "%d.00" % (10 + i),
            "currency": "EUR", "owner_id": "81920077", "close_date": "2026-11-10"}) + "\n")
open(d + "/sentinel.jsonl", "w").write(json.dumps({"deal_id": "B-last", "version": 1,
    "event_time": "2026-11-11T09:00:00Z", "status": "won", "amount": "1.00", "currency": "EUR",
    "owner_id": "81920077", "close_date": "2026-11-11"}) + "\n")
total = 432109 + sum((10 + i) * 100 for i in range(600)) + 100
open(d + "/b.expected", "w").write("%d %d\n" % (total, 602))
PY
A0="$(applied)" D0="$(dups)" X0="$(metric qw_evaluator_duplicates_exact_total)"
"${CTL[@]}" --key hubspot produce qw.crm.hubspot "$D/hs.jsonl"
wait_counts $((A0 + 1)) "$D0"
"${CTL[@]}" produce qw.crm.canonical --key-field deal_id "$D/bulk.jsonl"
wait_counts $((A0 + 601)) "$D0"
"${CTL[@]}" --key hubspot produce qw.crm.hubspot "$D/hs-retry.jsonl"
"${CTL[@]}" produce qw.crm.canonical --key-field deal_id "$D/sentinel.jsonl"
wait_counts $((A0 + 602)) $((D0 + 1))
got="$(state 81920077)"
[[ "$got" == "$(cat "$D/b.expected")" ]] ||
    qw_it_fail "rep 81920077: credited/deals $got, the history says $(cat "$D/b.expected")"
"${CTL[@]}" tail credits --until-eof >"$D/credits.jsonl"
n="$(grep -c '"hubspot:18251199001:1794000000000:81920077' "$D/credits.jsonl" || true)"
[[ "$n" -ge 2 ]] || qw_it_fail "the ledger did not re-emit the HubSpot entry ($n on the topic)"
[[ "$(metric qw_evaluator_duplicates_exact_total)" == $((X0 + 1)) ]] ||
    qw_it_fail "exact duplicates $(metric qw_evaluator_duplicates_exact_total), want $((X0 + 1))"
qw_it_log "B: the HubSpot retry after 600 other deals: re-emitted $n times, credited once; $got"
