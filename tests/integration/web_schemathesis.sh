#!/usr/bin/env bash
# qw-web against its OpenAPI file with schemathesis (PyPI, in the venv deploy/local/setup.sh
# makes): generated paths, ids and periods — hostile bytes included — for every operation, as a
# rep, a manager, sales ops, HR and as nobody; every answer must be one the file documents
# (status, content type, schema), and no request may make a server error. Same stack as
# web_api.sh: roster, quotas and CRM events through qw-ingest and qw-evaluator.
source "$(dirname "$0")/lib.sh"
qw_it_init

ST="${QW_SCHEMATHESIS:-/opt/quotawatch-test/venv/bin/schemathesis}"
[[ -x "$ST" ]] || qw_it_fail "schemathesis is not installed at $ST: run deploy/local/setup.sh"

source "$QW_SRC/tests/integration/web_common.bash"
web_it_pipeline

WEB_PORT="$(qw_it_free_port)" WEB_ADMIN="$(qw_it_free_port)"
qw_it_bg web "$QW_BIN/qw-web" --policy "$POLICY" --listen "127.0.0.1:$WEB_PORT" \
    --http-port "$WEB_ADMIN" --trusted-proxy 127.0.0.1 --fake-now "$NOW"
qw_it_wait_for "curl -fs http://127.0.0.1:$WEB_ADMIN/readyz" 60 || qw_it_fail "qw-web never became ready"

# The event stream never ends: it is checked by web_api.sh, not here.
for who in ada@example.com grace@example.com olga@example.com hana@example.com nobody@example.com ""; do
    hdr=()
    [[ -n "$who" ]] && hdr=(-H "X-Forwarded-Email: $who")
    qw_it_log "schemathesis as ${who:-nobody signed in}"
    "$ST" run "$QW_SRC/docs/api/openapi.yaml" --url "http://127.0.0.1:$WEB_PORT" "${hdr[@]}" \
        --checks all --exclude-checks ignored_auth --max-examples 40 --seed 1 \
        --exclude-path /api/v1/events --no-color --wait-for-schema 10 \
        >"$QW_IT_DIR/st-${who:-anon}.txt" 2>&1 ||
        qw_it_fail "schemathesis as ${who:-nobody}: $(tail -60 "$QW_IT_DIR/st-${who:-anon}.txt")"
done
curl -fs "http://127.0.0.1:$WEB_ADMIN/healthz" >/dev/null || qw_it_fail "qw-web died under schemathesis"
qw_it_kill web TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-web exited $QW_IT_EXIT"
for p in ingest evaluator; do qw_it_kill "$p" TERM; done
qw_it_log "ok: every generated request answered as the OpenAPI file says, for every role"
