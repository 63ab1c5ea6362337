#!/usr/bin/env bash
# --http-bind ADDR (env QW_HTTP_BIND, default 127.0.0.1), the same option on qw-ingest,
# qw-evaluator and qw-notifier (its refusals and help; the listening side is shown with the other two).
# With 0.0.0.0 /healthz answers on a non-loopback address of this machine (an orchestrator's
# probe, an off-host Prometheus); by default it does not; a bad address is refused with exit 2;
# the evaluator's old --http-bind-all still works and warns. Run without --policy (built-in
# defaults). The staged-install side of --http-bind is in install_deb.sh.
source "$(dirname "$0")/lib.sh"
qw_it_init

PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
export QW_TOPIC_PREFIX="$PREFIX"

# A non-loopback local IPv4 address, if the machine has one (a container may have only lo).
ADDR="$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}')"
if [[ -z "$ADDR" ]]; then
    ADDR=127.0.0.1
    qw_it_log "no non-loopback address here: checking 0.0.0.0 on 127.0.0.1 only"
fi
healthz() { curl -fs --max-time 2 "http://$1:$2/healthz"; }

# 1. Bad addresses are configuration errors (exit 2, the message names --http-bind), both as a
#    flag and from the environment.
for prog in qw-ingest qw-evaluator qw-notifier; do
    for bad in localhost 300.1.1.1 "127.0.0.1:80"; do
        rc=0
        "$QW_BIN/$prog" --http-bind "$bad" >"$QW_IT_DIR/bad.out" 2>&1 || rc=$?
        [[ $rc == 2 ]] || qw_it_fail "$prog --http-bind $bad: exit $rc, want 2"
        qw_it_grep -- '--http-bind' "$QW_IT_DIR/bad.out" || qw_it_fail "$prog: message names no option"
    done
    rc=0
    QW_HTTP_BIND=nonsense "$QW_BIN/$prog" >"$QW_IT_DIR/bad.out" 2>&1 || rc=$?
    [[ $rc == 2 ]] || qw_it_fail "$prog with QW_HTTP_BIND=nonsense: exit $rc, want 2"
    "$QW_BIN/$prog" --help | qw_it_grep -e '--http-bind VALUE' || qw_it_fail "$prog --help lacks --http-bind"
    "$QW_BIN/$prog" --help | qw_it_grep 'env QW_HTTP_BIND, default: 127.0.0.1' ||
        qw_it_fail "$prog: --http-bind must default to 127.0.0.1 from QW_HTTP_BIND"
done

# 2. qw-ingest: the default listens on loopback only; 0.0.0.0 answers on $ADDR.
P1="$(qw_it_free_port)"
qw_it_bg ingest-default "$QW_BIN/qw-ingest" --http-port "$P1" \
    --transactional-id "a-$PREFIX" --group "a-$PREFIX"
qw_it_wait_for "healthz 127.0.0.1 $P1" 20 || qw_it_fail "qw-ingest: no /healthz on 127.0.0.1"
if [[ "$ADDR" != 127.0.0.1 ]] && healthz "$ADDR" "$P1" >/dev/null; then
    qw_it_fail "qw-ingest without --http-bind answers on $ADDR: the default must be loopback"
fi
curl -fs "http://127.0.0.1:$P1/metrics" | qw_it_grep '^qw_build_info{version="[^"]*"} 1$' ||
    qw_it_fail "qw-ingest /metrics lacks qw_build_info"
qw_it_kill ingest-default TERM

P2="$(qw_it_free_port)"
qw_it_bg ingest-all "$QW_BIN/qw-ingest" --http-bind 0.0.0.0 --http-port "$P2" \
    --transactional-id "b-$PREFIX" --group "b-$PREFIX"
qw_it_wait_for "healthz $ADDR $P2" 20 || qw_it_fail "qw-ingest --http-bind 0.0.0.0: no /healthz on $ADDR"
qw_it_kill ingest-all TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-ingest exited $QW_IT_EXIT on SIGTERM"

# 3. qw-evaluator: QW_HTTP_BIND=0.0.0.0, and the deprecated --http-bind-all (warns).
P3="$(qw_it_free_port)"
QW_HTTP_BIND=0.0.0.0 qw_it_bg ev-env "$QW_BIN/qw-evaluator" --calendar=false \
    --group "c-$PREFIX" --http-port "$P3"
qw_it_wait_for "healthz $ADDR $P3" 30 || qw_it_fail "qw-evaluator QW_HTTP_BIND=0.0.0.0: no /healthz on $ADDR"
qw_it_kill ev-env TERM

P4="$(qw_it_free_port)"
qw_it_bg ev-old "$QW_BIN/qw-evaluator" --calendar=false --group "d-$PREFIX" \
    --http-port "$P4" --http-bind-all
qw_it_wait_for "healthz $ADDR $P4" 30 || qw_it_fail "qw-evaluator --http-bind-all: no /healthz on $ADDR"
qw_it_grep 'http-bind-all.*deprecated' "$(qw_it_log_of ev-old)" ||
    qw_it_fail "qw-evaluator --http-bind-all logged no deprecation warning"
qw_it_kill ev-old TERM
qw_it_log "http-bind: 0.0.0.0 answers on $ADDR, loopback by default, bad addresses exit 2"
