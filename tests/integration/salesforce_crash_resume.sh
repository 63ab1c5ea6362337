#!/usr/bin/env bash
# qw-salesforce SIGKILLed three times mid-stream and restarted: the raw topic holds every replay
# id exactly once, none skipped, each with its payload (read_committed); every restart
# subscribed from the last committed replay id (never -2 again), and qw-ingest credits the
# deals as the history says.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
qw_it_redis_start
sf_gen 0 20 1794700000000 >"$QW_IT_DIR/a.jsonl"  # 40 events, replay ids 1000..1039
sf_gen 20 10 1794800000000 >"$QW_IT_DIR/b.jsonl" # 20 more, 1040..1059
cat "$QW_IT_DIR/a.jsonl" "$QW_IT_DIR/b.jsonl" >"$QW_IT_DIR/all.jsonl"
sf_emulator_start --events "$QW_IT_DIR/a.jsonl" --batch 2 --poll-timeout 2 --connect-delay 0.15

POLICY="$QW_SRC/deploy/policy.example.yaml"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX" --sources salesforce --http-port 0

for round in 1 2 3; do
    sf_start sub
    qw_it_wait_for "(( \$(grep -c '\"salesforce.subscribed\"' \"\$(qw_it_log_of sub)\") >= $round ))" 60 ||
        qw_it_fail "round $round: not subscribed"
    # Kill it while it streams: after a few more events than last time have been delivered.
    want=$((round * 10))
    qw_it_wait_for "(( \$(sf_stat delivered) >= $want ))" 60 ||
        qw_it_fail "round $round: fewer than $want events delivered"
    sleep "0.$((RANDOM % 5))"
    qw_it_kill sub KILL
    qw_it_log "round $round: SIGKILLed after $(sf_stat delivered) deliveries"
    [[ $round == 2 ]] && sf_publish "$QW_IT_DIR/b.jsonl"
done
sf_start sub
qw_it_wait_for "(( \$(sf_count_replays) >= 60 ))" 90 || qw_it_fail "not every event reached the topic"
sleep 3 # anything produced twice would land now
sf_dump "$QW_IT_DIR/topic.jsonl"
sf_check_exactly_once "$QW_IT_DIR/topic.jsonl" 1000 1059 "$QW_IT_DIR/all.jsonl"

# The first start had an empty topic (-2); every restart resumed from a committed replay id.
sf_stats >"$QW_IT_DIR/stats.json"
python3 - "$QW_IT_DIR/stats.json" <<'PY' || qw_it_fail "restarts did not resume from the topic"
import json, sys
s = json.load(open(sys.argv[1]))
subs = s["subscribes"]
assert subs[0] == -2, subs
assert len(subs) >= 4 and all(999 <= r <= 1059 for r in subs[1:]), subs
assert subs[1:] == sorted(subs[1:]), subs
assert s["connect_before_subscribe"] == 0 and s["cookie_missing"] == 0, s
print("resumed from", subs)
PY
curl -fs "http://127.0.0.1:$SF_HTTP_PORT_sub/readyz" >/dev/null || qw_it_fail "not ready"
curl -fs "http://127.0.0.1:$SF_HTTP_PORT_sub/metrics" | qw_it_grep '^qw_salesforce_replay_id 1059$' ||
    qw_it_fail "the replay id gauge is not 1059"

# qw-ingest reads the payloads as the adapter expects: every deal won, credited once.
qw_it_wait_for '"$QW_BIN/qwctl" tail credits --until-eof > "$QW_IT_DIR/credits.jsonl" && (( $(wc -l < "$QW_IT_DIR/credits.jsonl") >= 30 ))' 60 ||
    qw_it_fail "qw-ingest did not credit the 30 won deals"
python3 - "$QW_IT_DIR/credits.jsonl" <<'PY' || qw_it_fail "credits do not match the deal history"
import collections, json, sys
recs = [json.loads(l)["value"] for l in open(sys.argv[1])]
by_id = {}
for c in recs:
    assert by_id.setdefault(c["id"], c) == c, c["id"]
tot = collections.Counter()
for c in by_id.values():
    tot[c["rep_id"]] += c["amount_minor"]
# deal i: (i+1) x 1000.00 EUR, rep-ada for even i, rep-bob for odd i, i = 0..29.
want = {"rep-ada": sum((i + 1) * 100000 for i in range(0, 30, 2)),
        "rep-bob": sum((i + 1) * 100000 for i in range(1, 30, 2))}
assert dict(tot) == want, (dict(tot), want)
assert len(by_id) == 30, len(by_id)
print("credits by rep", dict(tot))
PY
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"
qw_it_kill ingest TERM
