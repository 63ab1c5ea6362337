#!/usr/bin/env bash
# Evaluator throughput and period-close time on the real stack (docs/benchmarks.md, "Evaluator").
#   tests/bench/bench_evaluator.sh BUILD_DIR [REPS] [CREDITS_PER_REP]      (defaults 100000, 2)
# Needs a running stack: QW_STACK_ENV=<env file of `deploy/local/stack.sh start --env-file F`>.
# Build BUILD_DIR without sanitizers (targets qw-evaluator, qw-test-credits, bench_evaluator).
# In one run, over the same credits topic (REPS x CREDITS_PER_REP entries, 4 partitions):
#   1. baseline: bench_evaluator copy -- consume read_committed and produce each record with an
#      idempotent producer, no logic;
#   2. qw-evaluator (one instance, private redis-server, default batch 500): decode, id window,
#      engine, one Lua step per partition batch, outbox relay; timed from its first applied
#      credit to its last (its /metrics counter, sampled every 50 ms), CPU from /proc;
#      The longest stall is the longest time its applied counter stood still meanwhile;
#      then what the run cost its redis-server (CPU per credit, memory per rep);
#      QW_BENCH_STREAM_ONLY=1 stops here;
#   3. bench_evaluator close: the calendar job in process over the REPS states it left in Redis
#      (teams of 100): the checkpoints step, then the close step, each timed with its hold;
#   4. qw-evaluator again, over as many December credits, with the calendar job on: its clock
#      passes both December checkpoints when a fifth is applied, so the job runs over every rep
#      while the consumer goes on; throughput and longest stall beside those of phase 2.
set -euo pipefail
build="$(cd "${1:?usage: bench_evaluator.sh BUILD_DIR [REPS] [CREDITS_PER_REP]}" && pwd)"
reps="${2:-100000}"
per="${3:-2}"
source "$(dirname "$0")/lib.sh"
qw_bench_init evaluator
n=$((reps * per))

qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$prefix"
qw_stack_create_topic "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "${prefix}bench.copy" 4
# Every rep's quota for MONTH, and REPS x PER credits closing in MONTH on days 1..LAST, shuffled
# (seeded), with ids TAG<n>:1:<rep>, in credits-MONTH.jsonl.
gen_month() {
    python3 - "$work" "$reps" "$per" "$@" <<'PY'
import json, random, sys
d, reps, per, month, seed, last, tag = sys.argv[1:8]
reps, per, last, rnd = int(reps), int(per), int(last), random.Random(int(seed))
with open(d + "/quotas.csv", "a") as q:
    for i in range(reps):
        q.write("rep%06d,%s,10000.00,USD,v1\n" % (i, month))
order = [(i, k) for i in range(reps) for k in range(per)]
rnd.shuffle(order)
with open("%s/credits-%s.jsonl" % (d, month), "w") as f:
    for n, (i, k) in enumerate(order):
        f.write(json.dumps({"id": "%s%d:1:rep%06d" % (tag, n, i), "deal_id": "%s%d" % (tag, n),
            "rep_id": "rep%06d" % i, "kind": "credit", "amount_minor": rnd.randint(100000, 700000),
            "currency": "USD", "close_date": "%s-%02d" % (month, rnd.randint(1, last)),
            "event_time_ms": 0}) + "\n")
PY
}
printf 'rep_id,period,amount,currency,version\n' >"$work/quotas.csv"
{
    echo "rep_id,team_id,manager_id"
    for ((i = 0; i < reps; i++)); do printf 'rep%06d,team%04d,mgr%04d\n' $i $((i / 100)) $((i / 100)); done
} >"$work/roster.csv"
gen_month 2026-11 1 19 deal
"$build/bin/qw-test-credits" --brokers "$QW_KAFKA_BOOTSTRAP" --topic "${prefix}qw.credits.v1" \
    --txn 2000 credits "$work/credits-2026-11.jsonl"

echo "== baseline: consume + produce, no logic ($n records)"
"$build/bench/bench_evaluator" copy "$QW_KAFKA_BOOTSTRAP" "${prefix}qw.credits.v1" \
    "${prefix}bench.copy" "$n"

rport="$(qw_stack_free_port)"
mkdir -p "$work/redis"
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do [[ "$(redis-cli -p "$rport" ping 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
hport="$(qw_stack_free_port)"
"$build/bin/qw-evaluator" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "redis://127.0.0.1:$rport/0" \
    --topic-prefix "$prefix" --group "${prefix}ev" --quotas "$work/quotas.csv" \
    --roster "$work/roster.csv" --calendar=false --fake-now 2026-11-20T00:00:00Z \
    --http-port "$hport" --log-level warn 2>"$work/ev.log" &
evpid=$!
pids+=($evpid)
python3 "$here/tests/bench/sample_evaluator.py" qw-evaluator "http://127.0.0.1:$hport/metrics" \
    "$evpid" "$n"
kill -TERM "$evpid"
wait "$evpid" || true
grep -h '"batch.slow"' "$work/ev.log" || true
# What the run cost Redis (its Lua steps run there): CPU per credit and memory per rep, so a
# change that moves work into the batch step shows up.
redis-cli -p "$rport" INFO | tr -d '\r' | awk -F: -v n="$n" -v reps="$reps" \
    '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { cpu += $2 } $1 == "used_memory" { mem = $2 }
     END { printf "{\"mode\": \"redis\", \"cpu_seconds\": %.2f, \"cpu_us_per_credit\": %.1f, \"used_memory_mb\": %.1f, \"bytes_per_rep\": %d}\n", cpu, cpu * 1e6 / n, mem / 1048576, mem / reps }'
[[ "${QW_BENCH_STREAM_ONLY:-0}" == 1 ]] && exit 0 # phases 1 and 2 only
echo "== calendar job over $reps reps (teams of 100)"
"$build/bench/bench_evaluator" close "redis://127.0.0.1:$rport/0" "$QW_KAFKA_BOOTSTRAP" "$prefix" \
    "$work/roster.csv" "$work/quotas.csv" 2026-11

# 4. The calendar job inside qw-evaluator while credits flow: December credits for the same reps;
#    when a fifth of them is applied the business clock moves past both December checkpoints,
#    so the job (its own thread) reads, ticks and writes every rep while the consumer goes on.
#    No raw CRM topic feeds this run (the credits are written directly), so --sources= leaves the
#    job no completeness marks to wait for: with the default sources it waited for ever and
#    phase 4 measured no job at all.
echo "== qw-evaluator applying $n more credits while its calendar job runs over $reps reps"
gen_month 2026-12 2 9 dec
"$build/bin/qw-test-credits" --brokers "$QW_KAFKA_BOOTSTRAP" --topic "${prefix}qw.credits.v1" \
    --txn 2000 credits "$work/credits-2026-12.jsonl"
echo "2026-12-10T00:00:00Z" >"$work/clock"
"$build/bin/qw-evaluator" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "redis://127.0.0.1:$rport/0" \
    --topic-prefix "$prefix" --group "${prefix}ev" --quotas "$work/quotas.csv" \
    --roster "$work/roster.csv" --calendar --calendar-interval-ms 500 --sources= \
    --clock-file "$work/clock" --http-port "$hport" --log-level "${QW_BENCH_EV_LOG:-info}" \
    2>"$work/ev2.log" &
evpid=$!
pids+=($evpid)
python3 "$here/tests/bench/sample_evaluator.py" "qw-evaluator+calendar" \
    "http://127.0.0.1:$hport/metrics" "$evpid" "$n" "$work/clock" 0.2 \
    "2026-12-24T00:00:00Z"
kill -TERM "$evpid"
wait "$evpid" || true
grep -hE '"(calendar.step|calendar.prewrite|calendar.waiting|batch.slow)"' "$work/ev2.log" || true
# QW_BENCH_EV_LOG=debug QW_BENCH_KEEP_LOG=FILE: keep phase 4's log (every batch, with its time).
[[ -n "${QW_BENCH_KEEP_LOG:-}" ]] && cp "$work/ev2.log" "$QW_BENCH_KEEP_LOG"
