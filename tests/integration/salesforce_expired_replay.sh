#!/usr/bin/env bash
# The stored replay id is past Salesforce's retention while qw-salesforce is stopped: the
# emulator refuses it as Salesforce does (400 "The replayId {N} you provided was invalid"), and
# the subscriber says so loudly and falls back — to -2 by default (every retained event), to -1
# with --on-expired-replay latest (only new events). Nothing it had committed is produced again.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
sf_gen 0 20 1794700000000 >"$QW_IT_DIR/all.jsonl" # 40 events, replay ids 1000..1039
sed -n 1,10p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p1.jsonl"  # 1000..1009
sed -n 11,20p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p2.jsonl" # 1010..1019
sed -n 21,25p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p3.jsonl" # 1020..1024
sed -n 26,27p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p4.jsonl" # 1025..1026
sf_emulator_start --events "$QW_IT_DIR/p1.jsonl" --poll-timeout 2

sf_start sub
qw_it_wait_for "(( \$(sf_count_replays) >= 10 ))" 60 || qw_it_fail "first events not produced"
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"

# While it is down 10 more events happen, and the retention drops 1010..1014: the stored 1009
# is too old now.
sf_publish "$QW_IT_DIR/p2.jsonl"
sf_control '{"action": "expire", "before": 1015}'
sf_start sub
qw_it_wait_for "(( \$(sf_count_replays) >= 15 ))" 60 || qw_it_fail "no fallback to -2"
log="$(qw_it_log_of sub)"
grep '"salesforce.replay_expired"' "$log" | qw_it_grep '"level":"error"' ||
    qw_it_fail "the expired replay id was not logged as an error"
grep '"salesforce.replay_expired"' "$log" | qw_it_grep 'REPLAY ID 1009 IS PAST' ||
    qw_it_fail "the log line does not name the expired replay id"
curl -fs "http://127.0.0.1:$SF_HTTP_PORT_sub/metrics" |
    qw_it_grep '^qw_salesforce_replay_expired_total 1$' || qw_it_fail "expiry not counted"
qw_it_kill sub TERM

# --on-expired-replay latest: 1020..1024 happen while it is down and 1015..1022 expire; it
# resubscribes at -1 and gets only what is published after that (1025, 1026).
sf_publish "$QW_IT_DIR/p3.jsonl"
sf_control '{"action": "expire", "before": 1023}'
sf_start sub --on-expired-replay latest
qw_it_wait_for "(( \$(grep -c '\"salesforce.subscribed\"' \"$log\") >= 3 ))" 60 ||
    qw_it_fail "not subscribed after the second expiry"
sf_publish "$QW_IT_DIR/p4.jsonl"
qw_it_wait_for "(( \$(sf_count_replays) >= 17 ))" 60 || qw_it_fail "new events after -1 not produced"
sleep 2
sf_stats >"$QW_IT_DIR/stats.json"
python3 - "$QW_IT_DIR/stats.json" <<'PY' || qw_it_fail "subscriptions are not what the fallbacks say"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["subscribes"] == [-2, 1009, -2, 1019, -1], s["subscribes"]
assert s["replay_invalid"] == 2, s
print("subscriptions", s["subscribes"])
PY
sf_dump "$QW_IT_DIR/topic.jsonl"
python3 - "$QW_IT_DIR/topic.jsonl" "$QW_IT_DIR/all.jsonl" <<'PY' || qw_it_fail "the topic is not what the retention left"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
pub = [json.loads(l) for l in open(sys.argv[2])]
ids = collections.Counter(int(r["headers"]["qw.salesforce.replay_id"]) for r in recs)
want = list(range(1000, 1010)) + list(range(1015, 1020)) + [1025, 1026]
assert sorted(ids) == want and set(ids.values()) == {1}, sorted(ids.items())
for r in recs:
    rid = int(r["headers"]["qw.salesforce.replay_id"])
    assert json.loads(r["value"]) == pub[rid - 1000], rid
print("topic holds", len(ids), "replay ids once each; the expired ones are absent")
PY
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"
