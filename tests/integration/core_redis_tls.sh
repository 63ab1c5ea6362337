#!/usr/bin/env bash
# Redis over TLS through stunnel (issue 10; the recipe in docs/security.md, "Redis"): hiredis
# 0.14 (Debian 12) has no TLS, so a service talks plain Redis to a local stunnel client that
# verifies the server's certificate and carries the connection over TLS to a redis-server that
# listens on a TLS port only and requires a password (read by the service from a file).
#   1. a plaintext client cannot talk to the TLS port; the tunnel can;
#   2. qw-ingest with --redis pointing at the tunnel credits a deal, and its deal state is in
#      the TLS Redis;
#   3. the tunnel is killed mid-stream: a deal produced meanwhile is credited once the tunnel is
#      back, and nothing is credited twice.
source "$(dirname "$0")/lib.sh"
qw_it_init
command -v stunnel4 >/dev/null || qw_it_fail "stunnel4 not installed (run deploy/local/setup.sh)"

TLS="$QW_IT_DIR/tls"
qw_stack_make_tls "$TLS" || qw_it_fail "openssl could not make the test certificates"
PWFILE="$TLS/kafka.password" # any random secret: here the Redis password
RPORT=$(qw_it_free_port)
qw_it_bg redis redis-server --port 0 --tls-port "$RPORT" --tls-cert-file "$TLS/server.crt" \
    --tls-key-file "$TLS/server.key" --tls-ca-cert-file "$TLS/ca.pem" --tls-auth-clients no \
    --requirepass "$(cat "$PWFILE")" --save "" --appendonly yes --dir "$QW_IT_DIR"
RCLI=(redis-cli --tls --cacert "$TLS/ca.pem" -h 127.0.0.1 -p "$RPORT" --no-auth-warning -a "$(cat "$PWFILE")")
qw_it_wait_for '[[ "$("${RCLI[@]}" ping)" == PONG ]]' 20 || qw_it_fail "TLS redis-server not up"

# 1. plaintext refused, the tunnel works
[[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$RPORT" ping 2>&1)" != PONG ]] ||
    qw_it_fail "a plaintext client talked to the TLS port"
LPORT=$(qw_it_free_port)
cat >"$QW_IT_DIR/stunnel.conf" <<CONF
foreground = yes
pid =
[redis]
client = yes
accept = 127.0.0.1:$LPORT
connect = 127.0.0.1:$RPORT
CAfile = $TLS/ca.pem
verifyChain = yes
checkHost = localhost
CONF
qw_it_bg stunnel stunnel4 "$QW_IT_DIR/stunnel.conf"
qw_it_wait_for '[[ "$(redis-cli -p $LPORT --no-auth-warning -a "$(cat "$PWFILE")" ping)" == PONG ]]' 20 ||
    qw_it_fail "no PONG through the stunnel client"
qw_it_log "plaintext refused on the TLS port; the tunnel answers"

# 2. qw-ingest through the tunnel
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
HTTP_PORT=$(qw_it_free_port)
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX")
deal() {
    printf '{"deal_id": "%s", "version": 1, "status": "won", "amount": "100.00", "currency": "EUR", "owner_id": "rep-tls", "close_date": "2026-11-20"}\n' "$1" >"$QW_IT_DIR/$1.jsonl"
    "${CTL[@]}" --key one produce qw.crm.canonical "$QW_IT_DIR/$1.jsonl"
}
credits() { "${CTL[@]}" --until-eof tail credits >"$QW_IT_DIR/credits.jsonl" && grep -c '"deal_id":"canonical:TLS-' "$QW_IT_DIR/credits.jsonl"; }
deal TLS-1
QW_REDIS_PASSWORD_FILE="$PWFILE" qw_it_bg ingest "$QW_BIN/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" \
    --redis "redis://127.0.0.1:$LPORT/0" --policy "$QW_SRC/deploy/policy.example.yaml" \
    --topic-prefix "$PREFIX" --group "${PREFIX}ingest" --transactional-id "${PREFIX}ingest" \
    --http-port "$HTTP_PORT" --batch-ms 50
qw_it_wait_for '[[ "$(credits)" -ge 1 ]]' 90 || qw_it_fail "no credit through the TLS tunnel"
# Deal states are "<topic prefix>qw:deal:{<deal id>}" (docs/ledger.md).
state_of() { "${RCLI[@]}" exists "${PREFIX}qw:deal:{canonical:$1}"; }
[[ "$(state_of TLS-1)" == 1 ]] ||
    qw_it_fail "the deal state is not in the TLS redis"
qw_it_log "qw-ingest credited TLS-1 with its state in the TLS redis"

# 3. the tunnel goes away mid-stream and comes back
qw_it_kill stunnel KILL
deal TLS-2
sleep 3
qw_it_bg stunnel stunnel4 "$QW_IT_DIR/stunnel.conf"
qw_it_wait_for '[[ "$(credits)" -ge 2 ]]' 120 || qw_it_fail "TLS-2 not credited after the tunnel came back"
sleep 2
[[ "$(credits)" == 2 ]] || qw_it_fail "expected exactly 2 credits, got $(credits)"
[[ "$(state_of TLS-2)" == 1 ]] || qw_it_fail "TLS-2's state is not in redis"
grep -qF -- "$(cat "$PWFILE")" "$(qw_it_log_of ingest)" && qw_it_fail "the Redis password is in qw-ingest's log"
qw_it_log "tunnel restart: nothing lost, nothing doubled"
