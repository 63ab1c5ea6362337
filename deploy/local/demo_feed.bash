# shellcheck shell=bash
# How the demo's sample CRM events get in (sourced by deploy/local/demo.sh and
# tests/integration/e2e_demo.sh, so the test feeds exactly what the demo feeds):
#   qw_demo_secrets DIR          webhook secrets for qw-gateway in DIR (hs.secret, pd.auth,
#                                cn.secret), and the options that load them in QW_DEMO_GW_OPTS
#   qw_demo_feed BIN DIR URL     HubSpot, Pipedrive and canonical events (deploy/demo/) as signed
#                                webhooks to the gateway at URL, the way each CRM sends them;
#                                Salesforce's CDC events straight onto qw.crm.salesforce (their
#                                subscriber, qw-salesforce, needs a Salesforce org)
QW_DEMO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../demo" && pwd)"
QW_DEMO_SENDER="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/sinks" && pwd)/webhook_sender.py"

qw_demo_secrets() {
    local dir="$1"
    (
        umask 077
        printf '1 hs-demo-%s\n' "$(head -c 12 /dev/urandom | base64 | tr -d '/+=')" >"$dir/hs.secret"
        printf 'pipedrive-demo:%s\n' "$(head -c 12 /dev/urandom | base64 | tr -d '/+=')" >"$dir/pd.auth"
        printf 'demo whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$dir/cn.secret"
    )
    QW_DEMO_GW_OPTS=(--hubspot-secret-file "$dir/hs.secret" --pipedrive-auth-file "$dir/pd.auth"
        --canonical-secret-file "$dir/cn.secret")
}

qw_demo_feed() {
    local bin="$1" dir="$2" url="$3" out
    # One key per source: its events stay in file order, as one CRM connection delivers them.
    "$bin/qwctl" --key salesforce produce qw.crm.salesforce "$QW_DEMO_DIR/salesforce.jsonl" || return 1
    # One request at a time, in file order; the sender retries on 429/503 as the CRMs do.
    out="$dir/sent.jsonl"
    python3 "$QW_DEMO_SENDER" --source hubspot --url "$url/v1/hubspot" \
        --secret "$(cut -d' ' -f2 "$dir/hs.secret")" --file "$QW_DEMO_DIR/hubspot.jsonl" >"$out" &&
        python3 "$QW_DEMO_SENDER" --source pipedrive --url "$url/v1/pipedrive" \
            --user-pass "$(cat "$dir/pd.auth")" --file "$QW_DEMO_DIR/pipedrive.jsonl" >>"$out" &&
        python3 "$QW_DEMO_SENDER" --source canonical --url "$url/v1/canonical" \
            --secret "$(cut -d' ' -f2 "$dir/cn.secret")" --file "$QW_DEMO_DIR/canonical.jsonl" >>"$out" ||
        return 1
    if grep -q '"ok": false' "$out"; then
        echo "qw_demo_feed: the gateway did not accept every webhook: $(grep '"ok": false' "$out" | head -3)" >&2
        return 1
    fi
}
