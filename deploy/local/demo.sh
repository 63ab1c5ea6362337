#!/usr/bin/env bash
# The quotawatch demo on the local stack: installs what is missing, builds, starts a real Kafka
# and redis-server, runs qw-gateway, qw-ingest, qw-evaluator, qw-notifier and qw-web, feeds sample CRM
# events (HubSpot, Pipedrive and canonical JSON as signed webhooks through qw-gateway,
# Salesforce CDC events onto their topic) and prints each decision as the notifier delivers it
# to a local webhook. Ctrl-C stops everything. No Slack account needed.
#
#   deploy/local/demo.sh            run the demo (as root, or with sudo available)
#   QW_DEMO_KEEP=1 deploy/local/demo.sh   leave the stack running after the feed (Ctrl-C stops)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUN="$ROOT/deploy/local/.run/demo"
BUILD="$ROOT/build"
say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

say "installing what this machine lacks (deploy/local/setup.sh)"
deploy/local/setup.sh

say "building quotawatch in $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQW_TESTS=OFF >/dev/null
ninja -C "$BUILD" qw-gateway qw-ingest qw-evaluator qw-notifier qw-web qwctl >/dev/null

rm -rf "$RUN"
mkdir -p "$RUN"
PIDS=()
cleanup() {
    trap - EXIT INT TERM
    say "stopping"
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    deploy/local/stack.sh stop --env-file "$RUN/stack.env" >/dev/null 2>&1 || true
    say "stopped; logs are in $RUN"
}
trap cleanup EXIT INT TERM

say "starting Kafka and redis-server (deploy/local/stack.sh)"
deploy/local/stack.sh start --env-file "$RUN/stack.env" --owner-pid $$
set -a
# shellcheck disable=SC1091
source "$RUN/stack.env"
set +a

bg() { # bg NAME CMD...: run in the background with its log in $RUN/NAME.log
    local name="$1"
    shift
    "$@" >"$RUN/$name.log" 2>&1 &
    PIDS+=($!)
}

# A local stand-in for an HR / Slack webhook: it verifies the Standard Webhooks signature of
# every delivery, as a real receiver would.
SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
printf '%s\n' "$SECRET" >"$RUN/webhook.secret"
chmod 600 "$RUN/webhook.secret"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SINK_PORT="$(free_port)"
touch "$RUN/webhook.jsonl"
bg sink python3 tests/sinks/webhook_sink.py --port "$SINK_PORT" --log "$RUN/webhook.jsonl" \
    --secret "$SECRET"

say "publishing the roster and the quotas (qwctl publish, from deploy/demo/*.csv)"
POLICY="$ROOT/deploy/policy.example.yaml"
"$BUILD/bin/qwctl" publish roster --policy "$POLICY" deploy/demo/roster.csv
"$BUILD/bin/qwctl" publish quotas --policy "$POLICY" deploy/demo/quotas.csv

# The demo's clock stands at 24 November 2026, past both pacing checkpoints of November. The
# sample events are the CRM's history up to then: they are on the raw topics before the
# evaluator looks at the clock, and its checkpoint waits until qw-ingest has credited all of
# them (docs/completeness.md) — so what it shows first is what a rep or manager would receive.
NOW=2026-11-24T12:00:00Z
source deploy/local/demo_feed.bash
qw_demo_secrets "$RUN"
GW_PORT="$(free_port)"
GW_ADMIN="$(free_port)"
say "starting qw-gateway on http://127.0.0.1:$GW_PORT (webhooks: /v1/hubspot, /v1/pipedrive, /v1/canonical)"
bg gateway "$BUILD/bin/qw-gateway" --port "$GW_PORT" --http-port "$GW_ADMIN" \
    --public-url "http://127.0.0.1:$GW_PORT" "${QW_DEMO_GW_OPTS[@]}"
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$GW_ADMIN/readyz" >/dev/null && break; sleep 0.2; done
say "starting qw-ingest and qw-notifier"
bg ingest "$BUILD/bin/qw-ingest" --policy "$POLICY" --http-port 0
bg notifier "$BUILD/bin/qw-notifier" --webhook-url "http://127.0.0.1:$SINK_PORT/webhook/demo" \
    --webhook-secret-file "$RUN/webhook.secret" --http-port 0
say "feeding deploy/demo/: HubSpot, Pipedrive and canonical as signed webhooks, Salesforce CDC onto its topic"
qw_demo_feed "$BUILD/bin" "$RUN" "http://127.0.0.1:$GW_PORT" 2>>"$RUN/qwctl.log" ||
    { cat "$RUN/qwctl.log" "$RUN/gateway.log" >&2; exit 1; }
say "every webhook answered 200 only once on Kafka; refused: $(curl -s "http://127.0.0.1:$GW_ADMIN/metrics" | awk '/^qw_gateway_requests_total/ && !/accepted/ {n += $2} END {print n + 0}')"
say "starting qw-evaluator (clock: $NOW)"
bg evaluator "$BUILD/bin/qw-evaluator" --policy "$POLICY" --fake-now "$NOW" --http-port 0
WEB_PORT="$(free_port)"
WEB_ADMIN="$(free_port)"
bg web "$BUILD/bin/qw-web" --policy "$POLICY" --fake-now "$NOW" --listen "127.0.0.1:$WEB_PORT" \
    --http-port "$WEB_ADMIN" --trusted-proxy 127.0.0.1
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$WEB_ADMIN/readyz" >/dev/null && break; sleep 0.2; done
W="http://127.0.0.1:$WEB_PORT"
say "qw-web: the numbers behind every decision (docs/web.md). It believes the X-Forwarded-Email of"
say "  an SSO proxy on 127.0.0.1; locally, log in by sending that header yourself:"
say "  a rep:      curl -s -H 'X-Forwarded-Email: ada@example.com' $W/api/v1/reps/rep-ada | jq"
say "  a manager:  curl -s -H 'X-Forwarded-Email: grace@example.com' $W/api/v1/teams/team-east | jq"
say "  sales ops:  curl -s -H 'X-Forwarded-Email: olga@example.com' $W/api/v1/health | jq"
say "  pages:      $W/rep.html?id=rep-ada  $W/team.html?id=team-east  $W/health.html"
say "              (in a browser, through a header-setting proxy such as oauth2-proxy: docs/web.md)"

# Decisions as they reach the webhook: type, who, period and the engine's own explanation.
tail -n +1 -F "$RUN/webhook.jsonl" 2>/dev/null | jq -r --unbuffered '
    select(.status == 200) | .body | fromjson |
    "\u001b[1m\(.type)\u001b[0m  \(.data.rep_name // .subject)  \(.data.period)  \(.data.attainment_bp / 100)%\n    \(.data.summary)"' &
PIDS+=($!)

say "waiting for decisions (Ctrl-C to stop)"
if [[ -z "${QW_DEMO_KEEP:-}" && ! -t 0 ]]; then
    sleep "${QW_DEMO_SECONDS:-40}" # non-interactive (CI, a pipe): show what arrived, then stop
    say "dead letters (qwctl tail dlq):"
    "$BUILD/bin/qwctl" tail dlq --until-eof | jq -c '{reason: .headers["qw.error.reason"], message: .headers["qw.error.message"]}'
    exit 0
fi
wait
