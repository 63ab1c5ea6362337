#!/usr/bin/env bash
# Weekly digests (issue 12) on the real stack: qw-ingest, qw-evaluator (clock file) and
# qw-notifier with local Slack and SMTP sinks. A manager (m1) with two reps, r2 opted out.
#  1. ingest is down while a CRM event for r1, closed on Sunday 22 November, waits on the raw
#     topic; the clock passes Monday 23 November 08:00 Berlin: the digest waits (complete data),
#     and once ingest is back it counts that deal;
#  2. exactly one info.standing per rep not opted out (numbers to the minor unit and basis
#     point, equal to `qw-evaluator simulate` over the same files), one info.team_digest to the
#     manager listing both reps; each delivered once by DM and once by mail;
#  3. the evaluator is SIGKILLed and the week's done mark removed (a crash between the outbox
#     write and the mark): the restarted job writes the same ids again, and nothing is sent
#     twice; later the same week, nothing new.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
source "$QW_SRC/tests/sinks/notifier_it.sh"
ntf_setup
ntf_smtp_start
export QW_IT_TOPIC_PREFIX="$NTF_PREFIX"
D="$QW_IT_DIR"
P="$NTF_PREFIX"

{
    cat "$QW_SRC/deploy/policy.example.yaml"
    printf '\n'
} | sed 's/^  weekly_at: off/  weekly_at: "mon 08:00"/' >"$D/policy.yaml"
grep -q 'weekly_at: "mon 08:00"' "$D/policy.yaml" || qw_it_fail "the example policy has no digests.weekly_at"

cat >"$D/roster.csv" <<'CSV'
rep_id,name,email,manager_id,team_id,hire_date,role,digest_opt_out
m1,Grace Manager,grace@example.com,,east,2024-01-10,manager,false
r1,Ada Rep,ada@example.com,m1,east,2025-01-10,rep,false
r2,Bob Rep,bob@example.com,m1,east,2025-01-10,rep,true
o1,Olga Ops,olga@example.com,,hq,2024-01-10,sales_ops,false
CSV
cat >"$D/quotas.csv" <<'CSV'
rep_id,period,amount,currency,version
r1,2026-11,1000.00,EUR,v1
r2,2026-11,1000.00,EUR,v1
CSV
"$QW_BIN/qw-test-credits" --topic "${P}qw.roster.v1" roster "$D/roster.csv"
"$QW_BIN/qw-test-credits" --topic "${P}qw.quotas.v1" quotas "$D/quotas.csv"

cat >"$D/routes.yaml" <<YAML
routes:
  - {name: rep-dm, audience: rep, channel: slack, types: ["info.*"]}
  - {name: rep-mail, audience: rep, channel: email, types: ["info.*"]}
addresses:
  reps:
    r1: {slack_webhook: "$NTF_HTTP/slack/dm/r1"}
    r2: {slack_webhook: "$NTF_HTTP/slack/dm/r2"}
    m1: {slack_webhook: "$NTF_HTTP/slack/dm/m1"}
YAML
ntf_start notifier --routes "$D/routes.yaml" --smtp-url "$NTF_SMTP_URL" --smtp-allow-plaintext \
    --smtp-from quotawatch@example.com

CLOCK="$D/clock"
echo 2026-11-20T12:00:00Z >"$CLOCK"
# Started on a Friday, the job would send the week of Monday 16 November now (the latest due
# week is always sent); the operator skips it as docs/operations.md says, by marking it done.
redis-cli -u "$QW_REDIS_URL" HSET "${P}qw:ev:calendar:digest" 2026-W47 skipped >/dev/null
EV_PORT="$(qw_it_free_port)"
ev_start ev1 --policy "$D/policy.yaml" --clock-file "$CLOCK" --calendar-interval-ms 300 \
    --http-port "$EV_PORT"
ev_ingest_start ingest1
cat >"$D/raw1.jsonl" <<'JSON'
{"deal_id":"C-1","version":1,"event_time":"2026-11-05T10:00:00Z","status":"won","amount":"600.00","currency":"EUR","owner_id":"r1","close_date":"2026-11-05"}
{"deal_id":"C-2","version":1,"event_time":"2026-11-06T10:00:00Z","status":"won","amount":"300.00","currency":"EUR","owner_id":"r2","close_date":"2026-11-06"}
JSON
"$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" produce "${P}qw.crm.canonical" "$D/raw1.jsonl" ||
    qw_it_fail "qwctl produce failed"
credited() { ev_dump_state "$D/state.jsonl" && grep -c '"credited_minor":[1-9]' "$D/state.jsonl"; }
qw_it_wait_for '[[ $(credited) -ge 2 ]]' 60 || qw_it_fail "the first credits were not applied"
marked() { redis-cli -u "$QW_REDIS_URL" HGET "${P}qw:ev:calendar:digest" 2026-W48; }
sleep 1
[[ -z "$(marked)" ]] || qw_it_fail "a digest was written before Monday 08:00"

# 1. Ingest goes down; r1's deal closed on Sunday waits on the raw topic; Monday 08:30 Berlin.
qw_it_kill ingest1 KILL
cat >"$D/raw2.jsonl" <<'JSON'
{"deal_id":"C-3","version":1,"event_time":"2026-11-22T15:00:00Z","status":"won","amount":"250.00","currency":"EUR","owner_id":"r1","close_date":"2026-11-22"}
JSON
"$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" produce "${P}qw.crm.canonical" "$D/raw2.jsonl" ||
    qw_it_fail "qwctl produce failed"
echo 2026-11-23T07:30:00Z >"$CLOCK"
qw_it_wait_for "grep '\"event\":\"calendar.waiting\"' '$(qw_it_log_of ev1)' | grep -q 'digest/2026-W48'" 30 ||
    qw_it_fail "the digest did not wait for complete data"
sleep 3
[[ -z "$(marked)" ]] || qw_it_fail "the digest was written on incomplete data"
ev_ingest_start ingest2
qw_it_wait_for '[[ -n "$(marked)" ]]' 90 || qw_it_fail "the digest of 2026-W48 was never written"
[[ "$(marked)" == 1795417200000 ]] || qw_it_fail "wrong instant recorded: $(marked)"

# 2. What was published, and what simulate says over the same files.
dm() { grep -c "\"path\": *\"/slack/dm/$1\"" "$NTF_HTTP_LOG" 2>/dev/null || true; }
mails() { grep -c "\"$1\"" "$NTF_SMTP_LOG" 2>/dev/null || true; }
qw_it_wait_for '(( $(dm r1) == 1 && $(dm m1) == 2 && $(mails ada@example.com) == 1 && $(mails grace@example.com) == 2 ))' 60 ||
    qw_it_fail "digests not delivered (dm r1 $(dm r1), m1 $(dm m1); mail ada $(mails ada@example.com), grace $(mails grace@example.com))"
ev_dump_decisions "$D/decisions.jsonl"
cat "$D/raw1.jsonl" "$D/raw2.jsonl" >"$D/all.jsonl"
"$QW_BIN/qw-evaluator" simulate --policy "$D/policy.yaml" --roster "$D/roster.csv" \
    --quotas "$D/quotas.csv" --deals "$D/all.jsonl" --now 2026-11-23T07:30:00Z --sorted \
    >"$D/simulate.jsonl" 2>"$D/simulate.err" || qw_it_fail "simulate failed: $(cat "$D/simulate.err")"
python3 - "$D/decisions.jsonl" "$D/simulate.jsonl" <<'PY' || qw_it_fail "wrong digests"
import json, sys
pub = [json.loads(l) for l in open(sys.argv[1])]
info = [d for d in pub if d["type"].startswith("info.")]  # 2026-W47 was skipped: none
ids = sorted(d["id"] for d in info)
want = ["d:m1:2026-11:info.standing:2026-W48", "d:m1:2026-11:info.team_digest:2026-W48",
        "d:r1:2026-11:info.standing:2026-W48"]
if ids != want: sys.exit("digests %s, want %s" % (ids, want))
by = {d["id"]: d for d in info}
for d in info:
    if d["audience"] != ["rep"]: sys.exit("%s audience %s" % (d["id"], d["audience"]))
ev = lambda d, k: d["evidence"][k]["value"]
r1 = by["d:r1:2026-11:info.standing:2026-W48"]
# 600 + 250 EUR (the deal that arrived late) of 1000 EUR; 22 days 8 h of 30 elapsed.
assert r1["credited_minor"] == 85000 and r1["quota_minor"] == 100000, r1
assert r1["attainment_bp"] == 8500 and ev(r1, "attainment_bp") == 8500, r1
assert ev(r1, "deals") == 2 and ev(r1, "days_left") == 7, r1
assert ev(r1, "elapsed_bp") == 7444 and ev(r1, "target_minor") == 74440, r1
assert ev(r1, "behind") == 0 and ev(r1, "pace_bp") == 85000 * 10000 // 74440, r1
t = by["d:m1:2026-11:info.team_digest:2026-W48"]
assert t["rep_id"] == "m1" and t["team_id"] == "east", t
assert ev(t, "reports") == 2 and ev(t, "behind_pace") == 1, t  # r2: 300 of 744.40
assert ev(t, "team_credited_minor") == 115000 and ev(t, "team_quota_minor") == 200000, t
assert ev(t, "team_attainment_bp") == 5750, t
lines = [t["evidence"][k]["text"] for k in sorted(t["evidence"]) if k.startswith("report.")]
assert len(lines) == 2 and "(r2)" in lines[0] and "behind pace" in lines[0] and "(r1)" in lines[1], lines
sim = {d["id"]: d for d in map(json.loads, open(sys.argv[2])) if d["type"].startswith("info.")}
if sorted(sim) != want: sys.exit("simulate made %s" % sorted(sim))
for i in want:
    a, b = by[i], sim[i]
    for k in ("credited_minor", "quota_minor", "attainment_bp", "quota_version"):
        if a[k] != b[k]: sys.exit("%s %s: published %r, simulate %r" % (i, k, a[k], b[k]))
    ea, eb = a["evidence"], b["evidence"]
    if ea != eb: sys.exit("%s evidence: published %s, simulate %s" % (i, ea, eb))
print("3 digests, equal to simulate's")
PY
python3 - "$NTF_HTTP_LOG" "$NTF_SMTP_LOG" <<'PY' || qw_it_fail "wrong messages"
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1]) if "/slack/dm/" in l]
r1 = [p for p in posts if p["path"] == "/slack/dm/r1"][0]
body = json.loads(r1["body"])
assert "85.0% of your 2026-11 quota" in json.dumps(body), body
assert not [p for p in posts if p["path"] == "/slack/dm/r2"], "r2 opted out"
mails = [json.loads(l) for l in open(sys.argv[2])]
g = [m for m in mails if m["to"] and "grace@example.com" in m["to"]]
team = [m for m in g if m["subject"].startswith("[quotawatch] Your team, week 2026-W48")]
assert len(team) == 1 and "Bob Rep (r2)" in team[0]["text"], [m["subject"] for m in g]
assert not [m for m in mails if "bob@example.com" in (m["to"] or "")], "r2 opted out"
print("DMs and mails as expected")
PY

# 3. A crash between the outbox write and the mark: same ids again, nothing sent twice.
qw_it_kill ev1 KILL
redis-cli -u "$QW_REDIS_URL" HDEL "${P}qw:ev:calendar:digest" 2026-W48 >/dev/null
echo 2026-11-23T09:00:00Z >"$CLOCK"
ev_start ev2 --policy "$D/policy.yaml" --clock-file "$CLOCK" --calendar-interval-ms 300 \
    --http-port "$(qw_it_free_port)"
qw_it_wait_for '[[ -n "$(marked)" ]]' 90 || qw_it_fail "the restarted job did not write the week again"
count_info() {
    ev_dump_decisions "$D/d2.jsonl" && grep -c '"type":"info\.' "$D/d2.jsonl"
}
qw_it_wait_for '[[ $(count_info) -ge 6 ]]' 60 || qw_it_fail "the digests were not re-published"
echo 2026-11-25T12:00:00Z >"$CLOCK"
sleep 4
python3 - "$D/d2.jsonl" <<'PY' || qw_it_fail "re-published digests differ"
import json, sys
info = [json.loads(l) for l in open(sys.argv[1]) if '"type":"info.' in l]
ids = sorted(d["id"] for d in info)
assert len(ids) == 6 and len(set(ids)) == 3, ids
PY
[[ $(count_info) == 6 ]] || qw_it_fail "digests published again later in the week"
(( $(dm r1) == 1 && $(dm m1) == 2 && $(mails ada@example.com) == 1 && $(mails grace@example.com) == 2 )) ||
    qw_it_fail "a digest was sent twice (dm r1 $(dm r1), m1 $(dm m1); mail ada $(mails ada@example.com), grace $(mails grace@example.com))"
qw_it_log "ok"
