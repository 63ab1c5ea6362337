#!/usr/bin/env bash
# quotawatch against the relay floor on the same topic contents (issue 13; docs/benchmarks.md,
# "Side by side with the relay floor"):
#   tests/bench/pipeline_side_by_side.sh [DEALS] [REPS] [BATCH] [LIVE_RATE] [LIVE_SECONDS]
#   defaults: 200000 deals, 1000 reps, batches of 5000 (the services' default), then 5000
#   events/s for 20 s.
# Builds without sanitizers (build-bench/, RelWithDebInfo; QW_BENCH_BUILD=DIR to use another;
# QW_BENCH_INGEST_ARGS / QW_BENCH_EVALUATOR_ARGS add options, e.g. -X librdkafka properties;
# QW_BENCH_TXN_TRACE=1 runs qw-ingest with librdkafka's eos debug log and prints where the live
# phase's transactions spend their time - tests/bench/txn_phases.py; it slows qw-ingest a little),
# starts its own local stack and stops it on exit. The workload is ../shared/bench/gen_hubspot.py
# (QW_GEN_HUBSPOT=FILE elsewhere): HubSpot webhook bodies keyed by their first deal, as qw-gateway
# keys them, on the 4 partitions of qw.crm.hubspot. Phases:
#   F. the floor: bench_ingest --txn 0 relays the raw topic to another topic (consume, produce,
#      commit offsets; no logic, at-least-once);
#   Q. quotawatch: qw-ingest + qw-evaluator, exactly once, drain the same topic; the evaluator's
#      per-rep totals (qw-test-state) must equal the generator's oracle to the cent;
#   L. live: new deals offered at LIVE_RATE events/s, owned mostly by new reps, one in 20 of
#      them with a quota of 1.00; latency from the append of the raw body that carries a deal's
#      win to its first credit being readable (read_committed), to its new rep's first decision
#      on qw.decisions.v1, and to qw-notifier's first delivery attempt of it at a local webhook
#      sink.
# CPU per event counts the process's own CPU plus the broker's and redis-server's over the same
# window (/proc/PID/stat), divided by the events the generator wrote (not the bodies).
# QW_BENCH_INSTANCES=N runs Q with N instances of qw-ingest and of qw-evaluator (one consumer
# group each, own transactional ids; their CPU and counters summed) and ends after Q's check.
set -euo pipefail
deals="${1:-200000}"
reps="${2:-1000}"
batch="${3:-5000}"
live_rate="${4:-5000}"
live_s="${5:-20}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
gen="${QW_GEN_HUBSPOT:-$here/../shared/bench/gen_hubspot.py}"
[[ -f "$gen" ]] || { echo "pipeline_side_by_side.sh: no workload generator at $gen (set QW_GEN_HUBSPOT)" >&2; exit 2; }
command -v kcat >/dev/null || { echo "pipeline_side_by_side.sh: needs kcat (deploy/local/setup.sh)" >&2; exit 2; }
source "$here/deploy/local/common.sh"
source "$here/tests/bench/lib.sh" # load, metric, wait_until
export QW_REDIS_ALLOW_VOLATILE=true # the stack's redis-server is the bench's; no fsync measured

build="${QW_BENCH_BUILD:-$here/build-bench}"
if [[ -z "${QW_BENCH_BUILD:-}" ]]; then
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C "$build" qw-ingest qw-evaluator qw-notifier qwctl qw-test-state bench_ingest >/dev/null
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/qw-side.XXXXXX")"
envf="$work/stack.env"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    pkill -P $$ 2>/dev/null || true # the kcat behind a process substitution
    "$here/deploy/local/stack.sh" stop --env-file "$envf" >/dev/null 2>&1 || true
    [[ -n "${QW_BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "pipeline_side_by_side.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

now() { date +%s.%N; }
tick=$(getconf CLK_TCK)
cpu() { # cpu PID...: their user+system CPU seconds so far
    local s=0 p
    for p in "$@"; do s=$((s + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done
    awk -v s="$s" -v t="$tick" 'BEGIN { printf "%.2f", s / t }'
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
us_per() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.1f", c * 1e6 / n }'; }

echo "== stack (load $(load))"
"$here/deploy/local/stack.sh" start --env-file "$envf" >"$work/stack.log" 2>&1 || { cat "$work/stack.log" >&2; exit 1; }
source "$envf"
B="$QW_KAFKA_BOOTSTRAP"
broker="$QW_STACK_KAFKA_PID"
redis="$QW_STACK_REDIS_PID"
qw_stack_topics "$QW_KAFKA_LIBS" "$B" q.
qw_stack_create_topic "$QW_KAFKA_LIBS" "$B" floor.out 4 -
qw_stack_create_topic "$QW_KAFKA_LIBS" "$B" warm.txn 4 -

echo "== workload: $deals deals, $reps reps"
python3 "$gen" --deals "$deals" --reps "$reps" --out "$work/hs.jsonl" --oracle "$work/oracle.json"
events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$work/oracle.json")
bodies=$(wc -l <"$work/hs.jsonl")
# Keyed by the first deal of the body, tab-separated for kcat -K.
python3 - "$work/hs.jsonl" >"$work/hs.keyed" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    print("%d\t%s" % (json.loads(line)[0]["objectId"], line.rstrip("\n")))
PY
kcat -P -b "$B" -t q.qw.crm.hubspot -K $'\t' -z lz4 -l "$work/hs.keyed"
echo "   $events events in $bodies bodies on q.qw.crm.hubspot"

# --- F. the floor -------------------------------------------------------------------------------
# A first, untimed relay warms the broker's JIT, which would otherwise bill its warm-up to F;
# then a transactional copy of the same bodies, read back read_committed, warms the paths only
# Q uses (transaction coordinator, markers, the last stable offset), which would otherwise bill
# their warm-up to Q: in one profiled run the broker's JIT compiler threads were its largest
# CPU user over Q (docs/benchmarks.md, "Where the broker's time goes").
"$build/bench/bench_ingest" "$B" q.qw.crm.hubspot floor.out floor-warm "$bodies" "$batch" 0 >/dev/null 2>&1
"$build/bench/bench_ingest" "$B" q.qw.crm.hubspot warm.txn txn-warm "$bodies" "$batch" 1 >/dev/null 2>&1
kcat -C -b "$B" -t warm.txn -o beginning -e -q -X isolation.level=read_committed >/dev/null
c0b=$(cpu "$broker") c0r=$(cpu "$redis")
/usr/bin/time -f '%U %S' -o "$work/floor.time" "$build/bench/bench_ingest" "$B" q.qw.crm.hubspot \
    floor.out floor "$bodies" "$batch" 0 >"$work/floor.out" 2>&1 || { cat "$work/floor.out" >&2; exit 1; }
c1b=$(cpu "$broker") c1r=$(cpu "$redis")
floor_rate=$(awk -v n="$events" -v b="$bodies" '/msg\/s/ { for (i = 1; i <= NF; i++) if ($(i+1) == "msg/s") r = $i } END { printf "%.0f", r * n / b }' "$work/floor.out")
floor_own=$(awk '{ printf "%.2f", $1 + $2 }' "$work/floor.time")
floor_brk=$(sub "$c1b" "$c0b") floor_red=$(sub "$c1r" "$c0r")
echo "F. floor: $(cat "$work/floor.out" | tail -1)"
echo "F. floor: $floor_rate events/s; CPU own $floor_own s, broker $floor_brk s, Redis $floor_red s = $(us_per "$(awk -v a="$floor_own" -v b="$floor_brk" -v c="$floor_red" 'BEGIN { print a + b + c }')" "$events") µs/event (load $(load))"

# --- Q. quotawatch ----------------------------------------------------------------------------
cat >"$work/policy.yaml" <<'YAML'
version: "bench-side-by-side"
period: quarter
timezone: UTC
currency:
  base: USD
YAML
python3 - "$reps" "$work" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(d + "/roster.csv", "w") as r, open(d + "/quotas.csv", "w") as q:
    r.write("rep_id,name,email,slack_user_id,manager_id,team_id,hire_date,leave,cohort,recognition_opt_out\n")
    q.write("rep_id,period,amount,currency,version\n")
    for i in range(n):
        rep = str(9000 + i)
        r.write(f"{rep},Rep {rep},r{rep}@example.com,,m{i // 10},t{i // 10},2024-01-01,,,false\n")
        for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
            q.write(f"{rep},{quarter},1000000.00,USD,bench-v1\n")
PY
qwctl() { "$build/bin/qwctl" --brokers "$B" --topic-prefix q. "$@"; }
qwctl publish roster "$work/roster.csv" >/dev/null
qwctl publish quotas "$work/quotas.csv" >/dev/null
inst="${QW_BENCH_INSTANCES:-1}"
# With several instances $ep / $ip / $evpid / $igpid are lists: msum and cpu take them unquoted.
msum() { local s=0 p; for p in $1; do s=$((s + $(metric "$p" "$2"))); done; echo "$s"; }
ep="" evpid=""
for ((k = 1; k <= inst; k++)); do
    p=$(qw_stack_free_port) log="$work/evaluator.log"
    ((k == 1)) || log="$work/evaluator$k.log"
    "$build/bin/qw-evaluator" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --group q.evaluator \
        --policy "$work/policy.yaml" --fake-now 2026-10-10T12:00:00Z --calendar=false --http-port "$p" \
        --batch-size "$batch" --log-level warn ${QW_BENCH_EVALUATOR_ARGS:-} >"$log" 2>&1 &
    evpid="${evpid:+$evpid }$!" ep="${ep:+$ep }$p"
    pids+=("$!")
    wait_until 60 curl -fs "http://127.0.0.1:$p/readyz" -o /dev/null || { cat "$log" >&2; exit 1; }
done
((inst == 1)) || sleep 5 # the evaluators' group settles before the credits come
c0b=$(cpu "$broker") c0r=$(cpu "$redis") c0e=$(cpu $evpid)
ig_trace="--log-level warn"
[[ -z "${QW_BENCH_TXN_TRACE:-}" ]] || ig_trace="--log-level debug -X debug=eos"
t0=$(now)
ip="" igpid=""
for ((k = 1; k <= inst; k++)); do
    p=$(qw_stack_free_port) log="$work/ingest.log" id=q.ingest
    ((k == 1)) || log="$work/ingest$k.log" id=q.ingest$k
    "$build/bin/qw-ingest" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --sources hubspot \
        --policy "$work/policy.yaml" --group q.ingest --transactional-id "$id" --http-port "$p" \
        --batch-size "$batch" $ig_trace ${QW_BENCH_INGEST_ARGS:-} >"$log" 2>&1 &
    igpid="${igpid:+$igpid }$!" ip="${ip:+$ip }$p"
    pids+=("$!")
done
# QW_BENCH_PERF=DIR: perf profiles (call graphs) of both services over Q, kept in DIR.
if [[ -n "${QW_BENCH_PERF:-}" ]]; then
    mkdir -p "$QW_BENCH_PERF"
    perf record -q -F 999 -g -p "$igpid" -o "$QW_BENCH_PERF/ingest.data" >/dev/null 2>&1 &
    pids+=($!)
    perf record -q -F 999 -g -p "$evpid" -o "$QW_BENCH_PERF/evaluator.data" >/dev/null 2>&1 &
    pids+=($!)
fi
# Timed like the floor: from the end of the first committed batch (start-up and group join
# excluded), counting the events after it.
n0=0
moved() { n0=$(msum "$ip" qw_ingest_messages_total); ((n0 > 0)); }
wait_until 120 moved || { echo "qw-ingest never committed a batch" >&2; tail "$work/ingest.log" >&2; exit 1; }
tf=$(now)
consumed() { (($(msum "$ip" qw_ingest_messages_total) >= bodies)); }
wait_until 1800 consumed || { echo "qw-ingest stalled" >&2; tail "$work/ingest.log" >&2; exit 1; }
t1=$(now)
ncredits=$(msum "$ip" qw_ingest_credits_total)
evaluated() {
    local a
    a=$(($(msum "$ep" qw_evaluator_credits_applied_total) + $(msum "$ep" qw_evaluator_duplicates_dropped_total) +
        $(msum "$ep" qw_evaluator_credits_rejected_total)))
    ((a >= ncredits))
}
wait_until 600 evaluated || { echo "qw-evaluator stalled" >&2; exit 1; }
t2=$(now)
c1b=$(cpu "$broker") c1r=$(cpu "$redis") c1e=$(cpu $evpid) c1i=$(cpu $igpid)
qw_rate=$(awk -v n="$events" -v b0="$n0" -v nb="$bodies" -v a="$tf" -v b="$t2" 'BEGIN { printf "%.0f", n * (nb - b0) / nb / (b - a) }')
q_brk=$(sub "$c1b" "$c0b") q_red=$(sub "$c1r" "$c0r") q_ev=$(sub "$c1e" "$c0e")
q_total=$(awk -v a="$c1i" -v b="$q_ev" -v c="$q_brk" -v d="$q_red" 'BEGIN { print a + b + c + d }')
echo "Q. quotawatch: $events events -> $ncredits credits in $(sub "$t2" "$t0") s from start (ingest done after $(sub "$t1" "$t0") s) = $qw_rate events/s after the first batch (load $(load))"
echo "Q. CPU: ingest $c1i s ($(us_per "$c1i" "$events") µs/event), evaluator $q_ev s ($(us_per "$q_ev" "$events")), broker $q_brk s ($(us_per "$q_brk" "$events")), Redis $q_red s ($(us_per "$q_red" "$events")) = $(us_per "$q_total" "$events") µs/event"
echo "Q. $(msum "$ip" 'qw_ingest_transactions_total{outcome="commit"}') ingest transactions, $(msum "$ip" qw_ingest_dlq_total) dead letters; evaluator: $(msum "$ep" qw_evaluator_credits_applied_total) applied, $(msum "$ep" qw_evaluator_duplicates_dropped_total) duplicates, $(msum "$ep" qw_evaluator_decisions_emitted_total) decisions ($inst instance(s) each)"
fmetric() { # a histogram's _sum over the ports in $1, in seconds with decimals (metric prints integers)
    local p
    for p in $1; do curl -fs "http://127.0.0.1:$p/metrics"; done | awk -v m="$2" '$1 == m { s += $2 } END { printf "%.2f", s }'
}
echo "Q. qw-ingest commits: $(fmetric "$ip" qw_ingest_commit_seconds_sum) s committing, $(fmetric "$ip" qw_ingest_commit_wait_seconds_sum) s of it waited for by the loop (the rest overlapped the next batch's work)"
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; } # peak RSS, MiB
hwms() { local p o=""; for p in $1; do o="${o:+$o + }$(hwm "$p")"; done; echo "$o"; }
echo "Q. peak RSS: qw-ingest $(hwms "$igpid") MiB, qw-evaluator $(hwms "$evpid") MiB"
mem=$(redis-cli -u "$QW_REDIS_URL" info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p')
dealmem=$(redis-cli -u "$QW_REDIS_URL" --scan --pattern 'q.qw:deal:*' | head -2000 |
    while read -r k; do redis-cli -u "$QW_REDIS_URL" memory usage "$k"; done | awk '{ s += $1; n++ } END { printf "%.0f", n ? s / n : 0 }' || true)
echo "Q. Redis: used_memory $((mem / 1048576)) MiB = $((mem / deals)) bytes per deal (all keys); a deal key alone ≈ $dealmem bytes (sample of 2,000)"
# Where the bytes are: keys per family (q.qw:<family>:...), MEMORY USAGE of a sample of each.
families() {
    set +o pipefail # head closes the scans early
    redis-cli -u "$QW_REDIS_URL" --scan --pattern 'q.*' | awk -F: '{ print $2 }' | sort | uniq -c |
        while read -r n fam; do
            avg=$(redis-cli -u "$QW_REDIS_URL" --scan --pattern "q.qw:$fam:*" | head -300 |
                while read -r k; do redis-cli -u "$QW_REDIS_URL" memory usage "$k"; done |
                awk '{ s += $1; c++ } END { printf "%.0f", c ? s / c : 0 }')
            echo "Q. Redis keys qw:$fam: $n keys × ≈$avg B = $((n * avg / deals)) bytes per deal"
        done
    set -o pipefail
}
families
# What Redis spent its time on over Q: calls and microseconds per call of each command.
redis-cli -u "$QW_REDIS_URL" info commandstats | tr -d '\r' |
    awk -F'[:,=]' '/^cmdstat_/ && !/memory|scan/ && $3 > 1000 { sub("cmdstat_", "", $1); printf "%s%s %d calls, %.1f µs each (%.2f s)", n++ ? "; " : "Q. Redis commands: ", $1, $3, $7, $5 / 1e6 } END { print "" }'
echo "== ratio: quotawatch ÷ floor = $(awk -v a="$qw_rate" -v b="$floor_rate" 'BEGIN { printf "%.2f", a / b }')x"

"$build/bin/qw-test-state" --redis "$QW_REDIS_URL" --prefix q. >"$work/state.jsonl"
python3 "$here/tests/bench/oracle_check.py" "$work/oracle.json" "$work/state.jsonl" Q.
if ((inst > 1)); then
    echo "== done: $inst instances of each service (phase L runs with one; load $(load))"
    exit 0
fi

# --- L. live latency ----------------------------------------------------------------------------
# New deals (ids moved past the backlog's), offered at a steady rate by a pacer piping to kcat.
# Their owners are mostly new reps (ids from 9000 + REPS on) with a quota of 1.00 USD: a rep's
# first credit crosses quota_achieved and both accelerators at once, so each new rep's first
# decision times one deal from the raw append to qw.decisions.v1.
lbodies=$((live_rate * live_s * bodies / events))
lreps=$((lbodies * 3))
python3 "$gen" --deals $((lbodies * 2)) --reps "$lreps" --seed 99 --out "$work/live.jsonl" --oracle "$work/live.oracle" >/dev/null
python3 - "$reps" "$lreps" "$work" <<'PY'
import sys
first, n, d = 9000 + int(sys.argv[1]), 9000 + int(sys.argv[2]), sys.argv[3]
with open(d + "/roster_live.csv", "w") as r, open(d + "/quotas_live.csv", "w") as q:
    r.write("rep_id,name,email,slack_user_id,manager_id,team_id,hire_date,leave,cohort,recognition_opt_out\n")
    q.write("rep_id,period,amount,currency,version\n")
    for rep in range(first, n):
        r.write(f"{rep},Rep {rep},r{rep}@example.com,,m{rep // 10},t{rep // 10},2024-01-01,,,false\n")
        # One new rep in 20 is judged on its first credit: ≈120 decisions a second at 5,000
        # events/s, which the notifier delivers one by one to the sink below.
        quota = "1.00" if rep % 20 == 0 else "1000000.00"
        for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
            q.write(f"{rep},{quarter},{quota},USD,bench-v1\n")
PY
qwctl publish roster "$work/roster_live.csv" >/dev/null
qwctl publish quotas "$work/quotas_live.csv" >/dev/null
# qw-notifier delivers every decision to a local Standard Webhooks sink (Python: one request
# per connection, ≈1 ms each), which records when each request arrived.
sp=$(qw_stack_free_port) np=$(qw_stack_free_port)
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$work/webhook.secret"
python3 "$here/tests/sinks/webhook_sink.py" --port "$sp" --log "$work/sink.jsonl" \
    --secret "$(cat "$work/webhook.secret")" >"$work/sink.log" 2>&1 &
pids+=($!)
wait_until 30 curl -fs "http://127.0.0.1:$sp/_stats" -o /dev/null || { cat "$work/sink.log" >&2; exit 1; }
"$build/bin/qw-notifier" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --group q.notifier \
    --webhook-url "http://127.0.0.1:$sp/webhook/all" --webhook-secret-file "$work/webhook.secret" \
    --allow-insecure-webhook --webhook-interval-ms 1 --http-port "$np" --log-level info \
    >"$work/notifier.log" 2>&1 &
ntpid=$!
pids+=($!)
wait_until 60 curl -fs "http://127.0.0.1:$np/readyz" -o /dev/null || { cat "$work/notifier.log" >&2; exit 1; }
# Q's decisions first: L times new ones, not a backlog.
ntf_lag() {
    curl -fs "http://127.0.0.1:$np/metrics" 2>/dev/null | awk '$1 ~ /^qw_consumer_lag_records\{topic="q\.qw\.decisions\.v1"/ { s += $2; n++ }
        END { exit !(n && s == 0) }'
}
wait_until 300 ntf_lag || { echo "qw-notifier did not catch up with Q's decisions" >&2; exit 1; }
backlog_done() { (($(metric "$np" qw_notifier_sent_total) + $(metric "$np" qw_notifier_skipped_total) >= $(metric "$ep" qw_evaluator_decisions_emitted_total))); }
wait_until 120 backlog_done || echo "L. note: qw-notifier still delivering Q's decisions ($(metric "$np" qw_notifier_sent_total) sent)"
echo "L. qw-notifier delivered Q's $(metric "$np" qw_notifier_sent_total) decisions first (load $(load))"
kcat -u -C -b "$B" -t q.qw.decisions.v1 -o end -q -f '%k\n' 2>/dev/null > >(python3 -c '
import sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin.buffer:
    out.write("%.1f %s\n" % (time.time() * 1000, line.decode("latin-1").rstrip()))
    out.flush()
' "$work/decisions") &
pids+=($!)
kcat -u -C -b "$B" -t q.qw.credits.v1 -o end -X isolation.level=read_committed -q \
    -f '%k %s\n' 2>/dev/null > >(python3 -c '
import sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin.buffer:
    out.write("%.1f %s\n" % (time.time() * 1000, line[:200].decode("latin-1").rstrip()))
    out.flush()
' "$work/arrivals") &
pids+=($!)
sleep 3
live_t0=$(date +%s%3N)
l0i=$(cpu "$igpid") l0e=$(cpu "$evpid") l0n=$(cpu "$ntpid") l0b=$(cpu "$broker") l0r=$(cpu "$redis")
python3 - "$work/live.jsonl" "$lbodies" "$live_rate" "$events" "$bodies" <<'PY' | kcat -P -b "$B" -t q.qw.crm.hubspot -K $'\t' -X linger.ms=1
import json, sys, time
path, n, rate, ev, bo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
per_s = rate * bo / ev  # bodies per second at the event rate asked
t0 = time.time()
for i, line in enumerate(open(path)):
    if i >= n:
        break
    body = json.loads(line)
    for e in body:
        e["objectId"] += 10**9
    sys.stdout.write("%d\t%s\n" % (body[0]["objectId"], json.dumps(body, separators=(",", ":"))))
    if i % 20 == 19:
        sys.stdout.flush()
        d = t0 + (i + 1) / per_s - time.time()
        if d > 0:
            time.sleep(d)
sys.stdout.flush()
PY
l1i=$(cpu "$igpid") l1e=$(cpu "$evpid") l1n=$(cpu "$ntpid") l1b=$(cpu "$broker") l1r=$(cpu "$redis")
# CPU at a steady rate, per event offered (no backlog: every batch is as small as the rate makes it).
levents=$(head -n "$lbodies" "$work/live.jsonl" | python3 -c 'import json, sys; print(sum(len(json.loads(l)) for l in sys.stdin))')
l_cpu() { awk -v a="$1" -v b="$2" -v n="$levents" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }'; }
echo "L. CPU at $live_rate events/s over $levents events: ingest $(l_cpu "$l0i" "$l1i"), evaluator $(l_cpu "$l0e" "$l1e"), notifier $(l_cpu "$l0n" "$l1n"), broker $(l_cpu "$l0b" "$l1b"), Redis $(l_cpu "$l0r" "$l1r") = $(l_cpu 0 "$(awk -v a="$l0i $l0e $l0n $l0b $l0r" -v b="$l1i $l1e $l1n $l1b $l1r" 'BEGIN { split(a, x, " "); split(b, y, " "); for (i = 1; i <= 5; i++) t += y[i] - x[i]; print t }')") µs/event"
sleep 8 # the notifier's last deliveries
kcat -C -b "$B" -t q.qw.crm.hubspot -o -$((lbodies + 10)) -e -q -f '%T %s\n' 2>/dev/null >"$work/raw.ts" || true
python3 - "$work/raw.ts" "$work/arrivals" "$live_rate" "$work/decisions" $((9000 + reps)) "$work/sink.jsonl" <<'PY'
import json, re, sys
won = {}
owner, stage, credited, amount = {}, {}, {}, set()  # per live deal; credited: rep -> first append credited to it
bodies = []
for line in open(sys.argv[1]):
    ts, _, js = line.partition(" ")
    try:
        bodies.append((int(ts), json.loads(js)))
    except ValueError:
        continue
for ts, body in sorted(bodies, key=lambda b: b[0]):
    touched = set()
    for e in body:
        if e["objectId"] < 10**9 + 40000000000:
            continue
        d = str(e["objectId"])
        touched.add(d)
        if e["propertyName"] == "dealstage":
            stage[d] = e["propertyValue"]
            if e["propertyValue"] == "closedwon":
                won.setdefault(d, ts)
        elif e["propertyName"] == "hubspot_owner_id":
            owner[d] = e["propertyValue"]
        elif e["propertyName"] == "amount":
            amount.add(d)
    # A rep is credited by the body that makes one of its deals won, owned and priced (an
    # amount arriving in a later body credits only then).
    for d in touched:
        if stage.get(d) == "closedwon" and d in owner and d in amount:
            credited.setdefault(owner[d], ts)
lat = {}
pat = re.compile(r"hubspot:([0-9]+):")
for line in open(sys.argv[2]):
    t, _, rest = line.partition(" ")
    m = pat.search(rest)
    if m and m.group(1) in won and m.group(1) not in lat:
        lat[m.group(1)] = float(t) - won[m.group(1)]
v = sorted(lat.values())
if not v:
    print("L. no live credit observed")
    sys.exit(1)
q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
print("L. at %s events/s: win appended -> first credit readable, %d deals: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
      % (sys.argv[3], len(v), q(0.5), q(0.9), q(0.99), v[-1]))
edges = [5, 10, 15, 25, 50, 100, 200, 500, 1000, 1e9]
counts = [sum(1 for x in v if (edges[i - 1] if i else -1e9) < x <= edges[i]) for i in range(len(edges))]
print("L. histogram (ms): " + ", ".join("<=%s: %d" % ("inf" if e == 1e9 else "%g" % e, c) for e, c in zip(edges, counts)))
# The notifications, in the order they arrived: each rep's first tells which kind of decision
# came first. Only reps whose first decision is a reward (quota reached on the first credit)
# are timed: a rep whose first decision is an integrity flag (a won deal reverted later) is
# judged on something else than its first credit.
sent = []
for line in open(sys.argv[6]):
    try:
        e = json.loads(line)
        b = json.loads(e["body"])
        sent.append((e["t"] * 1000, b.get("subject", ""), b.get("type", "")))
    except (ValueError, KeyError, AttributeError):
        continue
first_type = {}
for t, rep, typ in sorted(sent):
    first_type.setdefault(rep, typ)
rewarded = {r for r, typ in first_type.items() if typ.startswith("reward.")}
# A new rep's first decision against the first append that credited it.
dl = {}
for line in open(sys.argv[4]):
    t, _, rep = line.partition(" ")
    rep = rep.strip()
    if rep.isdigit() and int(rep) >= int(sys.argv[5]) and rep in credited and rep in rewarded and rep not in dl:
        dl[rep] = float(t) - credited[rep]
v = sorted(dl.values())
if not v:
    print("L. no live decision observed")
    sys.exit(1)
print("L. at %s events/s: win appended -> first decision readable on qw.decisions.v1, %d reps: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
      % (sys.argv[3], len(v), q(0.5), q(0.9), q(0.99), v[-1]))
counts = [sum(1 for x in v if (edges[i - 1] if i else -1e9) < x <= edges[i]) for i in range(len(edges))]
print("L. histogram (ms): " + ", ".join("<=%s: %d" % ("inf" if e == 1e9 else "%g" % e, c) for e, c in zip(edges, counts)))
# A new rep's first notification reaching the webhook sink (the first delivery attempt).
nl = {}
for t, rep, typ in sorted(sent):
    if rep.isdigit() and int(rep) >= int(sys.argv[5]) and rep in credited and rep in rewarded and rep not in nl:
        nl[rep] = t - credited[rep]
v = sorted(nl.values())
if not v:
    print("L. no live notification observed")
    sys.exit(1)
print("L. at %s events/s: win appended -> first delivery attempt at the webhook sink, %d reps: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
      % (sys.argv[3], len(v), q(0.5), q(0.9), q(0.99), v[-1]))
counts = [sum(1 for x in v if (edges[i - 1] if i else -1e9) < x <= edges[i]) for i in range(len(edges))]
print("L. histogram (ms): " + ", ".join("<=%s: %d" % ("inf" if e == 1e9 else "%g" % e, c) for e, c in zip(edges, counts)))
PY
if [[ -n "${QW_BENCH_TXN_TRACE:-}" ]]; then
    python3 "$here/tests/bench/txn_phases.py" "$work/ingest.log" "$live_t0" || true
fi
echo "== done (load $(load))"
