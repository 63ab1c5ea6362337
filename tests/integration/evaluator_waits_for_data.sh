#!/usr/bin/env bash
# Decisions wait for complete data (docs/completeness.md), on the real stack:
#  1. the evaluator starts before its topics exist, retries, and goes on once they are created;
#  2. qw-ingest is down across the 50% checkpoint while CRM events wait on the raw topic: the
#     step waits (gauge, log line naming the lagging input), and once ingest is back it runs
#     once, on the complete data — the rep whose deals were waiting is not warned;
#  3. a CRM event that arrives after the checkpoints, for a deal closed before them, withdraws
#     the rep's at-risk warnings and coaching recommendations and, re-judged by the calendar
#     job, the team's quota-pressure notice;
#  4. a business clock far ahead of Kafka's timestamps (a forward jump) closes nothing and says
#     so (calendar.clock_ahead).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_redis_start
export QW_IT_TOPIC_PREFIX="$(qw_it_unique_prefix)"
D="$QW_IT_DIR"
P="$QW_IT_TOPIC_PREFIX"
POLICY="$QW_SRC/deploy/policy.example.yaml"

# 1. Started before its topics exist: it must wait and retry, then go on.
CLOCK="$D/clock"
echo 2026-11-10T00:00:00Z >"$CLOCK"
PORT="$(qw_it_free_port)"
ev_start ev1 --policy "$POLICY" --clock-file "$CLOCK" --calendar-interval-ms 300 \
    --http-port "$PORT"
metrics() { curl -fs "http://127.0.0.1:$PORT/metrics"; }
sleep 2
qw_it_topics "$P"
qw_it_alive ev1 || qw_it_fail "ev1 died while its topics were being created"
qw_it_wait_for "metrics >/dev/null" 30 || qw_it_fail "ev1 does not serve /metrics"

cat >"$D/roster.csv" <<'CSV'
rep_id,name,manager_id,team_id,hire_date
r1,Ann,m1,east,2025-01-10
r2,Bob,m1,east,2025-01-10
r3,Cid,m1,west,2025-01-10
r4,Dee,m1,east,2025-01-10
CSV
cat >"$D/quotas.csv" <<'CSV'
rep_id,period,amount,currency,version
r1,2026-11,1000.00,EUR,v1
r2,2026-11,1000.00,EUR,v1
r3,2026-11,1000.00,EUR,v1
r4,2026-11,1000.00,EUR,v1
CSV
"$QW_BIN/qw-test-credits" --topic "${P}qw.roster.v1" roster "$D/roster.csv"
"$QW_BIN/qw-test-credits" --topic "${P}qw.quotas.v1" quotas "$D/quotas.csv"
ev_ingest_start ingest1
done_bits() { redis-cli -u "$QW_REDIS_URL" HGET "${P}qw:ev:calendar:done" "$1"; }
marks() { redis-cli -u "$QW_REDIS_URL" HLEN "${P}qw:ev:{p0}:marks"; }
qw_it_wait_for "[[ \$(marks) -gt 16 ]]" 60 || qw_it_fail "no completeness marks from qw-ingest"
qw_it_alive ev1 || qw_it_fail "ev1 died at start"

# 2. Ingest goes down; the CRM keeps sending: r1 won 600 EUR by 5 November.
qw_it_kill ingest1 KILL
cat >"$D/raw.jsonl" <<'JSON'
{"deal_id":"C-1","version":1,"event_time":"2026-11-05T10:00:00Z","status":"won","amount":"600.00","currency":"EUR","owner_id":"r1","close_date":"2026-11-05"}
{"deal_id":"C-2","version":1,"event_time":"2026-11-06T10:00:00Z","status":"won","amount":"450.00","currency":"EUR","owner_id":"r3","close_date":"2026-11-06"}
JSON
"$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" produce "${P}qw.crm.canonical" "$D/raw.jsonl" ||
    qw_it_fail "qwctl produce failed"
# The 50% checkpoint of November (16 Nov) passes while ingest is down.
echo 2026-11-17T00:00:00Z >"$CLOCK"
qw_it_wait_for "qw_it_grep '\"event\":\"calendar.waiting\"' '$(qw_it_log_of ev1)'" 30 ||
    qw_it_fail "the calendar did not say it waits"
qw_it_grep 'qw.crm.' "$(qw_it_log_of ev1)" || qw_it_fail "the waiting line names no raw input"
m="$(metrics)"
qw_it_grep -x 'qw_evaluator_calendar_waiting 1' <<<"$m" || qw_it_fail "waiting gauge not 1"
sleep 3
bits="$(done_bits 2026-11)"
[[ -z "$bits" || $((bits & 1)) == 0 ]] || qw_it_fail "the 50% checkpoint ran on incomplete data"

# Ingest is back: it credits the waiting events, its marks pass the instant, the step runs.
ev_ingest_start ingest2
qw_it_wait_for "b=\$(done_bits 2026-11); [[ -n \$b && \$((b & 1)) == 1 ]]" 90 ||
    qw_it_fail "the 50% checkpoint never ran after ingest came back"
qw_it_grep -x 'qw_evaluator_calendar_waiting 0' <<<"$(metrics)" || qw_it_fail "waiting gauge not 0"
qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ! grep -q '\"outbox\":[1-9]' '$D/state.jsonl'" 60 ||
    qw_it_fail "outboxes not drained"
ev_dump_decisions "$D/decisions.jsonl"
python3 - "$D/decisions.jsonl" "$(qw_it_log_of ev1)" <<'PY' || qw_it_fail "wrong checkpoint decisions"
import json, sys
ids = {json.loads(l)["id"] for l in open(sys.argv[1])}
# r1 (600/1000 = 60% at half-time) and r3 (45%) are on pace; r2 (nothing) is at risk.
for bad in ("d:r1:2026-11:warning.at_risk:cp5000", "d:r1:2026-11:support.coaching_recommended:cp5000",
            "d:r3:2026-11:warning.at_risk:cp5000"):
    if bad in ids: sys.exit("warned on data that had not arrived: %s" % bad)
if "d:r2:2026-11:warning.at_risk:cp5000" not in ids:
    sys.exit("r2 was not warned: the step did not run on the complete data (%s)" % sorted(ids))
steps = [json.loads(l) for l in open(sys.argv[2]) if '"calendar.step"' in l]
nov = [s for s in steps if s.get("period") == "2026-11" and s.get("steps", 0) & 1]
if len(nov) != 1: sys.exit("the 50%% checkpoint ran %d times" % len(nov))
print("checkpoint ran once on complete data; %d decisions" % len(ids))
PY

# 3. The 75% checkpoint: east (r1 on pace, r2 and r4 at risk) is under quota pressure. Then r2's
# deal of 10 November reaches the CRM topic late: 600 EUR puts r2 on pace at both checkpoints.
echo 2026-11-24T00:00:00Z >"$CLOCK"
qw_it_wait_for "[[ \$(done_bits 2026-11) == 3 ]]" 60 || qw_it_fail "the 75% checkpoint did not run"
cat >"$D/late.jsonl" <<'JSON'
{"deal_id":"C-3","version":1,"event_time":"2026-11-10T10:00:00Z","status":"won","amount":"600.00","currency":"EUR","owner_id":"r2","close_date":"2026-11-10"}
JSON
"$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" produce "${P}qw.crm.canonical" "$D/late.jsonl" ||
    qw_it_fail "qwctl produce failed"
W="d:team:east:2026-11:health.withdrawn:health.quota_pressure:cp7500"
has_decision() { ev_dump_decisions "$D/d.jsonl" && grep -q "\"id\":\"$1\"" "$D/d.jsonl"; }
qw_it_wait_for "has_decision '$W'" 90 || qw_it_fail "the team's quota pressure was not withdrawn"
python3 - "$D/d.jsonl" <<'PY' || qw_it_fail "wrong corrections"
import json, sys
ds = {}
for l in open(sys.argv[1]):
    o = json.loads(l); ds[o["id"]] = o
need = {
    "d:team:east:2026-11:health.quota_pressure:cp7500": None,
    "d:r2:2026-11:warning.withdrawn:warning.at_risk:cp5000": "d:r2:2026-11:warning.at_risk:cp5000",
    "d:r2:2026-11:warning.withdrawn:warning.at_risk:cp7500": "d:r2:2026-11:warning.at_risk:cp7500",
    "d:r2:2026-11:support.withdrawn:support.coaching_recommended:cp5000":
        "d:r2:2026-11:support.coaching_recommended:cp5000",
    "d:team:east:2026-11:health.withdrawn:health.quota_pressure:cp7500":
        "d:team:east:2026-11:health.quota_pressure:cp7500",
}
for i, w in need.items():
    if i not in ds: sys.exit("missing %s (have %s)" % (i, sorted(ds)))
    if w and ds[i]["withdraws"] != w: sys.exit("%s withdraws %r" % (i, ds[i]["withdraws"]))
if any(i.startswith("d:r4:2026-11:warning.withdrawn") for i in ds): sys.exit("r4 withdrawn")
print("late data withdrew %d verdicts" % sum(1 for i in ds if ".withdrawn:" in i))
PY

# 4. A clock 40 days ahead of every Kafka timestamp (offset clocks are wall clocks): closes
# nothing, says why.
qw_it_kill ev1 TERM
before="$(redis-cli -u "$QW_REDIS_URL" HGETALL "${P}qw:ev:calendar:done" | tr '\n' ' ')"
PORT="$(qw_it_free_port)"
ev_start ev2 --policy "$POLICY" --clock-offset-ms $((40 * 86400000)) --calendar-interval-ms 300 \
    --http-port "$PORT"
qw_it_wait_for "qw_it_grep '\"event\":\"calendar.clock_ahead\"' '$(qw_it_log_of ev2)'" 60 ||
    qw_it_fail "a clock 40 days ahead was not reported"
qw_it_grep -x 'qw_evaluator_calendar_clock_ahead 1' <<<"$(metrics)" ||
    qw_it_fail "clock-ahead gauge not 1"
sleep 2
after="$(redis-cli -u "$QW_REDIS_URL" HGETALL "${P}qw:ev:calendar:done" | tr '\n' ' ')"
[[ "$before" == "$after" ]] || qw_it_fail "steps ran on a jumped clock: $before -> $after"
qw_it_kill ev2 TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "ev2 exited $QW_IT_EXIT on SIGTERM"
qw_it_log "ok"
