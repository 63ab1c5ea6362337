#!/usr/bin/env bash
# The standings pages in a browser on the real stack (issue 12): roster and quotas published,
# CRM events through qw-ingest and qw-evaluator, a termination review on qw.decisions.v1, and
# qw-web serving the pages. tests/browser/standings.mjs (Playwright's core driving Debian's
# chromium) signs in as a rep, a manager, sales ops, HR, a stranger and nobody through the
# trusted header, checks what each sees and is refused on the page, a live credit, a phone
# screen and the keyboard. Screenshots are kept in <build>/browser-screens/.
source "$(dirname "$0")/lib.sh"
qw_it_init

BROWSER_DIR="$QW_SRC/tests/browser"
[[ -d "$BROWSER_DIR/node_modules/playwright-core" ]] ||
    qw_it_fail "playwright-core is not installed: run deploy/local/setup.sh (it runs npm ci in tests/browser)"
command -v chromium >/dev/null || qw_it_fail "chromium is not installed: run deploy/local/setup.sh"

source "$QW_SRC/tests/integration/web_common.bash"
web_it_pipeline
# A review for HR's page (the evaluator makes one only after repeated misses).
"$QW_BIN/qw-test-notifier-kafka" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX" \
    decisions --count 1 --id-prefix rv --type review.termination_review --rep rep-ada \
    --audience hr,manager

WEB_PORT="$(qw_it_free_port)" WEB_ADMIN="$(qw_it_free_port)"
qw_it_bg web "$QW_BIN/qw-web" --policy "$POLICY" --listen "127.0.0.1:$WEB_PORT" \
    --http-port "$WEB_ADMIN" --trusted-proxy 127.0.0.1 --fake-now "$NOW"
qw_it_wait_for "curl -fs http://127.0.0.1:$WEB_ADMIN/readyz" 60 || qw_it_fail "qw-web never became ready"
qw_it_wait_for "curl -fs -H 'X-Forwarded-Email: hana@example.com' http://127.0.0.1:$WEB_PORT/api/v1/decisions/rv-00000" 30 ||
    qw_it_fail "qw-web never showed the review"

printf '{"deal_id":"W-LIVE","version":1,"event_time":"2026-11-19T09:00:00Z","status":"won","amount":"1234.56","currency":"EUR","owner_id":"rep-ada","close_date":"2026-11-19"}\n' \
    >"$QW_IT_DIR/live.jsonl"
export QW_WEB_URL="http://127.0.0.1:$WEB_PORT" QW_SHOTS="$QW_IT_DIR/screens" QW_REVIEW_ID=rv-00000
export QW_PRODUCE_LIVE="'$QW_BIN/qwctl' produce qw.crm.canonical --key-field deal_id '$QW_IT_DIR/live.jsonl'"
(cd "$BROWSER_DIR" && timeout 300 node standings.mjs) || qw_it_fail "browser checks failed (screenshots in $QW_SHOTS)"
ls "$QW_SHOTS"/*.png >/dev/null || qw_it_fail "no screenshots"
# Kept as artifacts in the build directory: the test directory is removed on success.
ARTIFACTS="$(dirname "$QW_BIN")/browser-screens"
mkdir -p "$ARTIFACTS" && cp "$QW_SHOTS"/*.png "$ARTIFACTS/" || qw_it_fail "cannot keep the screenshots in $ARTIFACTS"
for p in web evaluator ingest; do qw_it_kill "$p" TERM; done
qw_it_log "ok: every person saw what they may and was refused the rest, in chromium"
