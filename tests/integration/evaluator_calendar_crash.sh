#!/usr/bin/env bash
# The calendar job killed in the middle of its step: qw-evaluator judges the 2026-11 checkpoints,
# then the close, over 12,000 reps in 240 teams, and is SIGKILLed while its pre-writes go on
# (states and decisions partly written, the step not recorded done), then restarted.
# Proves: the step is done once after the restart, and the decisions on qw.decisions.v1 (each
# distinct id) are exactly those `qw-evaluator simulate` makes from the same story: none
# missing (a team's decision whose reps were all written before the kill included), none extra,
# and an id published twice always with the same content.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start
D="$QW_IT_DIR"
P="$QW_IT_TOPIC_PREFIX"

python3 - "$D" "$QW_SRC/tests/integration" <<'PY'
import random, sys
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from evaluator_story import write_sale
rnd = random.Random(11)
reps = ["rep%05d" % i for i in range(12000)]
with open(d + "/roster.csv", "w") as f:
    f.write("rep_id,name,manager_id,team_id,hire_date,cohort\n")
    for i, r in enumerate(reps):
        f.write("%s,Rep %d,mgr%03d,team%03d,2025-01-10,%s\n" % (r, i, i // 50, i // 50, "ab"[i % 2]))
with open(d + "/quotas.csv", "w") as f:
    f.write("rep_id,period,amount,currency,version\n")
    for r in reps:
        f.write("%s,2026-11,1000.00,USD,v1\n" % r)
sales = []
for i, r in enumerate(reps):
    # Most teams mixed; every tenth team sells nothing (quota pressure on the team).
    k = 0 if (i // 50) % 10 == 0 else rnd.randint(0, 3)
    for _ in range(k):
        sales.append((rnd.randint(1, 9), r, rnd.randint(10000, 60000)))
# In time order in both files: simulate applies by event time, the service in topic order, and
# a reward records the credit that crossed the line.
sales.sort(key=lambda x: x[0])
deals = open(d + "/deals.jsonl", "w")
cr = open(d + "/credits.jsonl", "w")
n = 0
for day, r, amt in sales:
    n += 1
    write_sale(deals, cr, n, r, amt, "2026-11-%02d" % day)
print("%d reps, %d deals" % (len(reps), n))
PY
for at in 2026-11-25T00:00:00Z 2026-12-10T00:00:00Z; do
    "$QW_BIN/qw-evaluator" simulate --roster "$D/roster.csv" --quotas "$D/quotas.csv" \
        --deals "$D/deals.jsonl" --now "$at" >"$D/simulate-${at:0:10}.jsonl" ||
        qw_it_fail "simulate --now $at failed"
done
"$QW_BIN/qw-test-credits" --topic "${P}qw.roster.v1" roster "$D/roster.csv"
"$QW_BIN/qw-test-credits" --topic "${P}qw.quotas.v1" quotas "$D/quotas.csv"

CLOCK="$D/clock"
echo 2026-11-10T12:00:00Z >"$CLOCK" # after every sale, before the first checkpoint
ev_ingest_start ingest             # its completeness marks let the calendar judge
n=0
start() {
    n=$((n + 1))
    ev_start "ev$n" --clock-file "$CLOCK" --calendar-interval-ms 200
}
start
"$QW_BIN/qw-test-credits" --topic "${P}qw.credits.v1" --txn 500 credits "$D/credits.jsonl"
want=$(wc -l <"$D/credits.jsonl")
applied() {
    "$QW_BIN/qw-test-state" --redis "$QW_REDIS_URL" --prefix "$P" |
        python3 -c 'import json,sys; print(sum(json.loads(l).get("deals", 0) for l in sys.stdin))'
}
qw_it_wait_for "[[ \$(applied) == $want ]]" 120 || qw_it_fail "credits not applied: $(applied) of $want"

done_bits() { redis-cli -u "$QW_REDIS_URL" HGET "${P}qw:ev:calendar:done" "${1:-2026-11}"; }
# The job also closes the three periods before (no quota: nothing to decide); let it finish.
qw_it_wait_for "[[ \$(done_bits 2026-10) == 131 ]]" 60 || qw_it_fail "2026-10 was not closed"
steps_logged() { grep -c '"event":"calendar.step".*"period":"2026-11"' "$(qw_it_log_of "ev$n")" || true; }
# kill_at_write PID MOVES READY: polls every partition's generation over one Redis connection,
# touches READY once it has the starting sum, and SIGKILLs PID the moment the sum has moved
# MOVES times (each pre-write script of 500 reps moves it once; a round at 12,000 reps has ~24):
# a step's pre-writes last tens of milliseconds, too short for a loop of redis-cli runs.
kill_at_write() {
    python3 - "$QW_REDIS_URL" "$1" "$2" "$3" $(redis-cli -u "$QW_REDIS_URL" --scan --pattern "${P}qw:ev:{p*}:gen") <<'PY'
import os, signal, socket, sys, time
url, pid, moves, ready, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
host, port = url.split("//")[1].split("/")[0].split(":")
s = socket.create_connection((host, int(port)))
f = s.makefile("rb")
def get(k):
    k = k.encode()
    s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k))
    n = int(f.readline()[1:])
    return 0 if n < 0 else int(f.read(n + 2)[:-2])
def total():
    return sum(get(k) for k in keys)
g0, deadline = total(), time.time() + 120
open(ready, "w").close()
while total() < g0 + moves:
    if time.time() > deadline:
        sys.exit("no partition's generation moved in 120 s")
os.kill(pid, signal.SIGKILL)
print("generations %d -> %d at the kill" % (g0, total()))
PY
}

# step AT BITS: move the clock to AT, SIGKILL the evaluator after 1-20 of its pre-write scripts
# (at random: a few states written, or most, or the teams' decisions too), check that the kill
# landed inside the step, restart it and wait for the step (done bits BITS).
step() {
    local at="$1" bits="$2" s0 poller moves=$((1 + RANDOM % 20))
    s0=$(steps_logged)
    rm -f "$D/ready"
    kill_at_write "$(qw_it_pid "ev$n")" "$moves" "$D/ready" >"$D/kill.log" 2>&1 &
    poller=$!
    qw_it_wait_for "[[ -e '$D/ready' ]]" 30 || qw_it_fail "the poller did not start: $(cat "$D/kill.log")"
    echo "$at" >"$CLOCK"
    wait "$poller" || qw_it_fail "no kill at the step at $at: $(cat "$D/kill.log")"
    qw_it_kill "ev$n" KILL
    [[ "$QW_IT_EXIT" == 137 ]] || qw_it_fail "ev$n was not killed by SIGKILL (exit $QW_IT_EXIT)"
    [[ "$(done_bits)" != "$bits" ]] ||
        qw_it_fail "the step at $at was done before the kill: it did not land inside the step"
    [[ $(steps_logged) == "$s0" ]] || qw_it_fail "ev$n finished its step before the kill"
    qw_it_log "killed ev$n inside the step at $at ($(cat "$D/kill.log"))"
    start
    qw_it_wait_for "[[ \$(done_bits) == $bits ]]" 120 || qw_it_fail "the step at $at was not done"
    qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ! grep -q '\"outbox\":[1-9]' '$D/state.jsonl'" 60 ||
        qw_it_fail "outboxes not drained"
    ev_dump_decisions "$D/decisions-${at:0:10}.jsonl"
    # What the story has decided by then: simulate frozen at each instant the clock stood at (a
    # frozen run skips checkpoints already past, as the service does when it starts late; the
    # two runs must agree on what both decided).
    cat "$D"/simulate-2026-11-25.jsonl >"$D/expected.jsonl"
    [[ $at == 2026-12-10* ]] && cat "$D/simulate-2026-12-10.jsonl" >>"$D/expected.jsonl"
    python3 - "$QW_SRC/tests/integration" "$D/expected.jsonl" "$D/decisions-${at:0:10}.jsonl" <<'PY' ||
import sys
sys.path.insert(0, sys.argv[1])
from evaluator_story import same_as_simulate
svc, repeats = same_as_simulate([sys.argv[2]], sys.argv[3])
teams = sum(1 for i in svc if svc[i][0] == "health.quota_pressure")
if teams == 0:
    sys.exit("no team decision: the story must have some")
print("%d decisions (%d of teams), identical to simulate; %d published again after the kill" % (
    len(svc), teams, repeats))
PY
        qw_it_fail "the service and simulate disagree after the step at $at"
}
step 2026-11-25T00:00:00Z 3
step 2026-12-10T00:00:00Z 131
qw_it_kill "ev$n" TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "ev$n exited $QW_IT_EXIT on SIGTERM"
