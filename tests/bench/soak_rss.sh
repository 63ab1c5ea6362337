#!/usr/bin/env bash
# The soak of issue 13: is each service's memory flat under a steady load? (docs/benchmarks.md,
# "Soak: resident memory over 30 minutes")
#   tests/bench/soak_rss.sh [MINUTES=30] [RATE=5000] [DEALS=200000]
# Starts its own local stack (build-bench/, as pipeline_side_by_side.sh; QW_BENCH_BUILD=DIR to
# use another), runs qw-ingest, qw-evaluator and qw-notifier (every decision to a local
# Standard Webhooks sink), and offers ../shared/bench/gen_hubspot.py's workload at RATE events/s
# for MINUTES, replayed in whole rounds with the deal ids moved past the last round's - new deals
# each round, so the deal ledger grows as in production and the oracle is the generator's times
# the rounds. Every 30 s it samples each service's VmRSS; at the end it checks the credited
# totals against the oracle and prints the RSS after warm-up (the first third of the run, at
# least 5 min: the caches fill), at the end, the peak, and the least-squares slope after it. Exit 1 when the totals are not exact or a
# service's RSS grows by more than max(10 %, 16 MiB) after warm-up. Not part of CI: it runs for
# MINUTES and loads both cores.
set -euo pipefail
minutes="${1:-30}"
rate="${2:-5000}"
deals="${3:-200000}"
reps=1000
here="$(cd "$(dirname "$0")/../.." && pwd)"
gen="${QW_GEN_HUBSPOT:-$here/../shared/bench/gen_hubspot.py}"
[[ -f "$gen" ]] || { echo "soak_rss.sh: no workload generator at $gen (set QW_GEN_HUBSPOT)" >&2; exit 2; }
command -v kcat >/dev/null || { echo "soak_rss.sh: needs kcat (deploy/local/setup.sh)" >&2; exit 2; }
source "$here/deploy/local/common.sh"
source "$here/tests/bench/lib.sh" # load, metric, wait_until
export QW_REDIS_ALLOW_VOLATILE=true # the stack's redis-server is the soak's

build="${QW_BENCH_BUILD:-$here/build-bench}"
if [[ -z "${QW_BENCH_BUILD:-}" ]]; then
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C "$build" qw-ingest qw-evaluator qw-notifier qwctl qw-test-state >/dev/null
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/qw-soak.XXXXXX")"
envf="$work/stack.env"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    pkill -P $$ 2>/dev/null || true
    "$here/deploy/local/stack.sh" stop --env-file "$envf" >/dev/null 2>&1 || true
    [[ -n "${QW_BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "soak_rss.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "== stack (load $(load))"
"$here/deploy/local/stack.sh" start --env-file "$envf" >"$work/stack.log" 2>&1 || { cat "$work/stack.log" >&2; exit 1; }
source "$envf"
B="$QW_KAFKA_BOOTSTRAP"
qw_stack_topics "$QW_KAFKA_LIBS" "$B" q.

echo "== workload: $deals deals, $reps reps per round"
python3 "$gen" --deals "$deals" --reps "$reps" --out "$work/hs.jsonl" --oracle "$work/oracle.json" >/dev/null
events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$work/oracle.json")
bodies=$(wc -l <"$work/hs.jsonl")
rounds=$(((minutes * 60 * rate + events - 1) / events))
echo "   $events events in $bodies bodies a round; $rounds rounds at $rate events/s = $((rounds * events / rate / 60)) min"

# Quotas at 2/3 of what each rep is credited over the whole soak: attainment crosses the
# policy's thresholds through the run, so decisions (and notifications) keep coming.
cat >"$work/policy.yaml" <<'YAML'
version: "bench-soak"
period: quarter
timezone: UTC
currency:
  base: USD
YAML
python3 - "$work" "$rounds" <<'PY'
import json, sys
d, rounds = sys.argv[1], int(sys.argv[2])
credited = json.load(open(d + "/oracle.json"))["credited"]
reps = sorted({k.split(":")[0] for k in credited}, key=int)
with open(d + "/roster.csv", "w") as r, open(d + "/quotas.csv", "w") as q:
    r.write("rep_id,name,email,slack_user_id,manager_id,team_id,hire_date,leave,cohort,recognition_opt_out\n")
    q.write("rep_id,period,amount,currency,version\n")
    for i, rep in enumerate(reps):
        r.write(f"{rep},Rep {rep},r{rep}@example.com,,m{i // 10},t{i // 10},2024-01-01,,,false\n")
    for key, cents in sorted(credited.items()):
        rep, quarter = key.split(":")
        quota = max(100, cents * rounds * 2 // 3)
        q.write(f"{rep},{quarter},{quota // 100}.{quota % 100:02d},USD,soak-v1\n")
PY
qwctl() { "$build/bin/qwctl" --brokers "$B" --topic-prefix q. "$@"; }
qwctl publish roster "$work/roster.csv" >/dev/null
qwctl publish quotas "$work/quotas.csv" >/dev/null

sp=$(qw_stack_free_port)
secret="whsec_$(head -c 24 /dev/urandom | base64)"
printf '%s\n' "$secret" >"$work/webhook.secret"
python3 "$here/tests/sinks/webhook_sink.py" --port "$sp" --log "$work/sink.jsonl" --secret "$secret" \
    >"$work/sink.log" 2>&1 &
pids+=($!)
wait_until 30 curl -fs "http://127.0.0.1:$sp/_stats" -o /dev/null || { cat "$work/sink.log" >&2; exit 1; }
ep=$(qw_stack_free_port) ip=$(qw_stack_free_port) np=$(qw_stack_free_port)
"$build/bin/qw-evaluator" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --group q.evaluator \
    --policy "$work/policy.yaml" --fake-now 2026-10-10T12:00:00Z --calendar=false --http-port "$ep" \
    --log-level warn >"$work/evaluator.log" 2>&1 &
evpid=$!
pids+=("$evpid")
"$build/bin/qw-notifier" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --group q.notifier \
    --webhook-url "http://127.0.0.1:$sp/webhook/all" --webhook-secret-file "$work/webhook.secret" \
    --allow-insecure-webhook --webhook-interval-ms 1 --http-port "$np" --log-level warn \
    >"$work/notifier.log" 2>&1 &
ntpid=$!
pids+=("$ntpid")
"$build/bin/qw-ingest" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix q. --sources hubspot \
    --policy "$work/policy.yaml" --group q.ingest --transactional-id q.ingest --http-port "$ip" \
    --log-level warn >"$work/ingest.log" 2>&1 &
igpid=$!
pids+=("$igpid")
for p in "$ep" "$ip" "$np"; do
    wait_until 60 curl -fs "http://127.0.0.1:$p/readyz" -o /dev/null ||
        { tail "$work"/*.log >&2; exit 1; }
done

# The offered load: whole rounds, paced, deal ids moved by 10^9 a round.
python3 - "$work/hs.jsonl" "$rounds" "$rate" "$events" "$bodies" <<'PY' | kcat -P -b "$B" -t q.qw.crm.hubspot -K $'\t' -X linger.ms=5 &
import json, sys, time
path, rounds, rate, ev, bo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lines = open(path).read().splitlines()
per_s = rate * bo / ev
t0, i = time.time(), 0
for r in range(rounds):
    for line in lines:
        body = json.loads(line)
        for e in body:
            e["objectId"] += r * 10**9
        sys.stdout.write("%d\t%s\n" % (body[0]["objectId"], json.dumps(body, separators=(",", ":"))))
        i += 1
        if i % 50 == 0:
            sys.stdout.flush()
            d = t0 + i / per_s - time.time()
            if d > 0:
                time.sleep(d)
sys.stdout.flush()
PY
feeder=$!
pids+=("$feeder")
echo "== soak: sampling VmRSS every 30 s (load $(load))"
echo "t_s ingest_kib evaluator_kib notifier_kib ingest_msgs credits_applied notified" >"$work/rss.tsv"
start=$SECONDS
while kill -0 "$feeder" 2>/dev/null; do
    printf '%d %d %d %d %d %d %d\n' $((SECONDS - start)) "$(rss_kib "$igpid")" "$(rss_kib "$evpid")" \
        "$(rss_kib "$ntpid")" "$(metric "$ip" qw_ingest_messages_total)" \
        "$(metric "$ep" qw_evaluator_credits_applied_total)" "$(metric "$np" qw_notifier_sent_total)" >>"$work/rss.tsv"
    if (((SECONDS - start) % 300 < 30)); then tail -1 "$work/rss.tsv" | sed 's/^/   /'; fi
    sleep 30
done
wait "$feeder" || { echo "soak_rss.sh: the feeder failed" >&2; exit 1; }
total=$((rounds * bodies))
drained() { (($(metric "$ip" qw_ingest_messages_total) >= total)); }
wait_until 900 drained || { echo "soak_rss.sh: qw-ingest did not drain ($(metric "$ip" qw_ingest_messages_total) of $total)" >&2; exit 1; }
ncredits=$(metric "$ip" qw_ingest_credits_total)
evaluated() {
    (($(metric "$ep" qw_evaluator_credits_applied_total) + $(metric "$ep" qw_evaluator_duplicates_dropped_total) +
        $(metric "$ep" qw_evaluator_credits_rejected_total) >= ncredits))
}
wait_until 900 evaluated || { echo "soak_rss.sh: qw-evaluator did not drain" >&2; exit 1; }
printf '%d %d %d %d %d %d %d\n' $((SECONDS - start)) "$(rss_kib "$igpid")" "$(rss_kib "$evpid")" \
    "$(rss_kib "$ntpid")" "$(metric "$ip" qw_ingest_messages_total)" \
    "$(metric "$ep" qw_evaluator_credits_applied_total)" "$(metric "$np" qw_notifier_sent_total)" >>"$work/rss.tsv"
echo "== drained after $((SECONDS - start)) s: $total bodies, $ncredits credits, $(metric "$ep" qw_evaluator_decisions_emitted_total) decisions, $(metric "$np" qw_notifier_sent_total) notifications sent, $(metric "$ip" qw_ingest_dlq_total) dead letters (load $(load))"

rc=0
"$build/bin/qw-test-state" --redis "$QW_REDIS_URL" --prefix q. >"$work/state.jsonl"
python3 "$here/tests/bench/oracle_check.py" "$work/oracle.json" "$work/state.jsonl" S. "$rounds" || rc=1
python3 - "$work/rss.tsv" <<'PY' || rc=1
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]).read().splitlines()[1:]]
# Warm-up: the first third of the run, at least 5 minutes - the caches fill first (qw-evaluator's
# window of applied credit ids, --id-window per partition, is full after ≈9 min at 5,000/s).
cut = max(300, rows[-1][0] / 3)
warm = [r for r in rows if r[0] >= cut] or rows
bad = 0
for col, name in ((1, "qw-ingest"), (2, "qw-evaluator"), (3, "qw-notifier")):
    xs, ys = [r[0] / 60 for r in warm], [r[col] for r in warm]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs) or 1
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx  # KiB per minute
    growth = slope * (xs[-1] - xs[0])
    limit = max(0.10 * ys[0], 16 * 1024)
    verdict = "flat" if growth <= limit else "GROWS"
    bad += verdict != "flat"
    print("S. %-12s RSS %6.1f MiB after warm-up, %6.1f MiB at the end, peak %6.1f MiB; slope %+7.1f KiB/min = %+6.1f MiB over %.0f min: %s"
          % (name, ys[0] / 1024, ys[-1] / 1024, max(r[col] for r in rows) / 1024, slope, growth / 1024, xs[-1] - xs[0], verdict))
sys.exit(1 if bad else 0)
PY
echo "== samples: $work/rss.tsv$([[ -n "${QW_BENCH_KEEP:-}" ]] || echo ' (removed; QW_BENCH_KEEP=1 keeps it)')"
tail -n +2 "$work/rss.tsv" | awk 'NR % 10 == 1' | sed 's/^/   /'
exit "$rc"
