#!/usr/bin/env bash
# qw-gateway's request rate and latency on the real stack (docs/benchmarks.md, "Gateway").
#   tests/bench/bench_gateway.sh BUILD_DIR [SECONDS] [CONNECTIONS]     (defaults 10, 32)
# Needs a running stack: QW_STACK_ENV=<env file of `deploy/local/stack.sh start --env-file F`>.
# Build BUILD_DIR without sanitizers (targets qw-gateway, qwctl). Installs wrk if missing.
# One gateway process, 1 KiB Pipedrive-shaped bodies, wrk with CONNECTIONS connections on 2
# threads, three runs in the same process:
#   1. baseline: wrong credentials — the same listener, body read and Basic auth checked, 401,
#      nothing produced (what the HTTP side costs);
#   2. pipedrive: accepted — produced with acks=all, 200 only after the broker's report;
#   3. canonical: the same, authenticated by a Standard Webhooks HMAC over the body.
# Afterwards the records on the topics are counted against the 200s the gateway reported.
# QW_BENCH_GATEWAY_RUNS="canonical pipedrive" picks and orders the runs.
set -euo pipefail
build="$(cd "${1:?usage: bench_gateway.sh BUILD_DIR [SECONDS] [CONNECTIONS]}" && pwd)"
secs="${2:-10}"
conns="${3:-32}"
source "$(dirname "$0")/lib.sh"
qw_bench_init gateway
command -v wrk >/dev/null || {
    echo "bench_gateway: installing wrk (Debian)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
}
qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$prefix"

printf 'bench:%s\n' "$RANDOM$RANDOM" >"$work/pd.auth"
secret="whsec_$(head -c 24 /dev/urandom | base64)"
printf 'bench %s\n' "$secret" >"$work/cn.secret"
port="$(qw_stack_free_port)"
admin="$(qw_stack_free_port)"
"$build/bin/qw-gateway" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$prefix" --port "$port" \
    --http-port "$admin" --pipedrive-auth-file "$work/pd.auth" \
    --canonical-secret-file "$work/cn.secret" --rate-limit 0 --log-level warn \
    >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$admin/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$admin/readyz" >/dev/null || { cat "$work/gateway.log"; exit 1; }

# A 1 KiB body: a Pipedrive v2-style deal update, padded in a custom field.
python3 - "$work/body.json" <<'PY'
import json, sys
b = {"meta": {"action": "change", "entity": "deal", "entity_id": "4711", "version": "2.0",
              "timestamp": "2026-12-03T10:00:00Z"},
     "data": {"id": 4711, "owner_id": 9001, "value": 12500.5, "currency": "EUR",
              "status": "won", "close_time": "2026-12-03 10:00:00", "custom": ""},
     "previous": {"status": "open"}}
b["data"]["custom"] = "x" * (1024 - len(json.dumps(b, separators=(",", ":"))))
open(sys.argv[1], "w").write(json.dumps(b, separators=(",", ":")))
PY
basic="Basic $(tr -d '\n' <"$work/pd.auth" | base64 -w0)"
bad="Basic $(printf 'bench:wrong' | base64 -w0)"
# Standard Webhooks: one signature, valid for the 5-minute window the run stays inside.
read -r wid wts wsig < <(python3 - "$secret" "$work/body.json" <<'PY'
import base64, hashlib, hmac, sys, time
key = base64.b64decode(sys.argv[1].split("_", 1)[1])
body = open(sys.argv[2], "rb").read()
mid, ts = "msg_bench", str(int(time.time()))
sig = base64.b64encode(hmac.new(key, f"{mid}.{ts}.".encode() + body, hashlib.sha256).digest())
print(mid, ts, "v1," + sig.decode())
PY
)
lua() { # PATH HEADER-LINES...: a wrk script that POSTs the body with these headers
    local path="$1"
    shift
    {
        printf 'wrk.method = "POST"\nwrk.path = "%s"\n' "$path"
        printf 'local f = io.open("%s", "rb")\nwrk.body = f:read("*a")\nf:close()\n' "$work/body.json"
        printf 'wrk.headers["Content-Type"] = "application/json"\n'
        for h in "$@"; do printf 'wrk.headers["%s"] = "%s"\n' "${h%%: *}" "${h#*: }"; done
    }
}
lua /v1/pipedrive "Authorization: $bad" >"$work/baseline.lua"
lua /v1/pipedrive "Authorization: $basic" >"$work/pipedrive.lua"
lua /v1/canonical "webhook-id: $wid" "webhook-timestamp: $wts" "webhook-signature: $wsig" >"$work/canonical.lua"

# Warm-up, not measured: the broker's first appends to fresh topics, the page cache, the
# connections' first TLS-free handshakes (the first run after start showed a long tail).
for run in pipedrive canonical; do
    wrk -t2 -c"$conns" -d2s -s "$work/$run.lua" "http://127.0.0.1:$port" >/dev/null 2>&1
done
echo "== qw-gateway, 1 KiB bodies, wrk -t2 -c$conns -d${secs}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %8s %8s %8s %8s %8s\n' run req/s p50 p75 p90 p99 non-2xx
for run in ${QW_BENCH_GATEWAY_RUNS:-baseline pipedrive canonical}; do
    wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/$run.lua" "http://127.0.0.1:$port" \
        >"$work/$run.out" 2>&1
    awk -v run="$run" '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +75%/ { p75 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
        /Non-2xx/ { non = $NF }
        END {
            label = "canonical: HMAC, acks=all, 200"
            if (run == "baseline") label = "baseline: 401, nothing produced"
            if (run == "pipedrive") label = "pipedrive: Basic, acks=all, 200"
            printf "%-34s %10s %8s %8s %8s %8s %8s\n", label, rps, p50, p75, p90, p99, non == "" ? 0 : non
        }' "$work/$run.out"
done

sleep 2 # the last run's requests in flight get their reports (and are counted) first
metrics="$(curl -fs "http://127.0.0.1:$admin/metrics")"
grep '^qw_gateway_requests_total' <<<"$metrics" | awk '$2 != 0 { print "  " $0 }'
count() { awk -v k="qw_gateway_requests_total{source=\"$1\",reason=\"$2\"}" '$1 == k { print $2 }' <<<"$metrics"; }
# wrk stops with requests in flight: those are stored but never answered (the sender is gone).
for src in pipedrive canonical; do
    ok="$(count "$src" accepted)"
    gone="$(count "$src" stored_sender_gone)"
    got="$("$build/bin/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$prefix" tail "crm.$src" --until-eof | wc -l)"
    echo "$src: $ok answered 200 + $gone stored as wrk hung up = $((ok + gone)); $got records on ${prefix}qw.crm.$src"
    [[ $((ok + gone)) == "$got" ]] || { echo "bench_gateway: a 200 without its record (or a record nobody counted)" >&2; exit 1; }
done
echo "gateway CPU: $(ps -o times= -p "${pids[0]}") s over the three runs"
