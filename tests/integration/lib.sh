# shellcheck shell=bash
# Library for the integration tests (tests/integration/*.sh), sourced by each:
#
#   source "$(dirname "$0")/lib.sh"
#   qw_it_init
#   qw_it_topics "$(qw_it_unique_prefix)"
#   qw_it_bg ingest "$QW_BIN/qw-ingest" --config "$QW_IT_DIR/ingest.yaml"
#   qw_it_wait_for 'curl -fs http://127.0.0.1:$port/healthz' 30 || qw_it_fail "ingest not healthy"
#
# ctest runs each test with QW_STACK_ENV (the shared stack's env file: Kafka bootstrap, Kafka jars),
# QW_BIN (built programs) and QW_SRC (the source tree). Every process a test starts through this
# library is killed when the test exits, pass or fail; on failure their logs are printed.

QW_IT_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/common.sh
source "$QW_IT_LIB_DIR/../../deploy/local/common.sh"

declare -gA QW_IT_PIDS=()  # name -> pid of the processes started by qw_it_bg
declare -gA QW_IT_PORTS=() # private redis name -> port, kept across restarts
declare -ga QW_IT_ORDER=() # names in start order, for cleanup and log printing
QW_IT_FAILED_CMD=""

# qw_it_log MSG: a line on stderr, prefixed with the test's name.
qw_it_log() { printf '[%s] %s\n' "${QW_IT_NAME:-it}" "$*" >&2; }

# grep -q that reads all of its input: under pipefail, grep -q's early exit can kill the writer
# (curl, another grep) with SIGPIPE and so fail a check whose pattern was there.
qw_it_grep() { grep -c "$@" >/dev/null; }

# qw_it_fail MSG: fails the test with MSG (the EXIT trap then prints the logs and cleans up).
qw_it_fail() {
    printf '[%s] FAIL: %s\n' "${QW_IT_NAME:-it}" "$*" >&2
    exit 1
}

# qw_it_init: strict mode, the shared stack's environment (QW_KAFKA_BOOTSTRAP, QW_KAFKA_LIBS, ...),
# a temp dir QW_IT_DIR for the test's files and logs, and the cleanup trap. Call first.
qw_it_init() {
    set -Eeuo pipefail
    QW_IT_NAME="$(basename "${0%.sh}")"
    [[ -n "${QW_STACK_ENV:-}" ]] || qw_it_fail "QW_STACK_ENV is not set (run through ctest, or set it to a stack.sh env file)"
    [[ -f "$QW_STACK_ENV" ]] || qw_it_fail "no stack env file $QW_STACK_ENV (did the stack_start fixture fail?)"
    # shellcheck disable=SC1090
    source "$QW_STACK_ENV"
    export QW_KAFKA_BOOTSTRAP QW_REDIS_URL QW_KAFKA_LIBS
    QW_BIN="${QW_BIN:-}"
    QW_SRC="${QW_SRC:-$(cd "$QW_IT_LIB_DIR/../.." && pwd)}"
    QW_IT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/qw-it-$QW_IT_NAME.XXXXXX")"
    export QW_IT_DIR
    trap 'QW_IT_FAILED_CMD="${QW_IT_FAILED_CMD:-line $LINENO: $BASH_COMMAND}"' ERR
    trap qw_it__cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    qw_it_log "kafka $QW_KAFKA_BOOTSTRAP, temp dir $QW_IT_DIR"
}

# Kills every process started by qw_it_bg (newest first); on failure prints their logs.
qw_it__cleanup() {
    local rc=$? i name
    trap - ERR
    set +e
    for ((i = ${#QW_IT_ORDER[@]} - 1; i >= 0; i--)); do
        qw_it__stop "${QW_IT_ORDER[i]}" TERM
    done
    if ((rc != 0)); then
        [[ -n "$QW_IT_FAILED_CMD" ]] && qw_it_log "failed command: $QW_IT_FAILED_CMD"
        for name in "${QW_IT_ORDER[@]}"; do
            printf -- '----- log of %s (last 80 lines) -----\n' "$name" >&2
            tail -n 80 "$QW_IT_DIR/$name.log" >&2 2>/dev/null
        done
        qw_it_log "FAILED (exit $rc)"
    else
        qw_it_log "PASSED"
    fi
    if [[ "${QW_IT_KEEP:-0}" == 1 || $rc -ne 0 ]] && [[ -n "${QW_IT_DIR:-}" ]]; then
        qw_it_log "files kept in $QW_IT_DIR"
    else
        rm -rf "$QW_IT_DIR"
    fi
    exit "$rc"
}

# qw_it_free_port: prints a free TCP port on 127.0.0.1.
qw_it_free_port() { qw_stack_free_port; }

# qw_it_unique_prefix: prints a topic/key prefix no other test run uses, e.g. "it.ingest_x.4711.".
qw_it_unique_prefix() { printf 'it.%s.%s%s.\n' "${QW_IT_NAME:-t}" "$$" "$RANDOM"; }

# qw_it_topics PREFIX: creates the whole topic set (qw.crm.*, qw.credits.v1, ...) with every name
# prefixed by PREFIX on the shared broker, and exports QW_IT_TOPIC_PREFIX=PREFIX.
qw_it_topics() {
    local prefix="${1:?qw_it_topics needs a prefix}"
    qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$prefix" ||
        qw_it_fail "could not create topics with prefix $prefix"
    export QW_IT_TOPIC_PREFIX="$prefix"
}

# qw_it_topic NAME PARTITIONS [CONFIG]: creates one extra topic on the shared broker
# (CONFIG like cleanup.policy=compact).
qw_it_topic() {
    qw_stack_create_topic "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$1" "$2" "${3:--}" ||
        qw_it_fail "could not create topic $1"
}

# qw_it_wait_for CMD TIMEOUT: runs the shell command CMD (eval'd, so functions work) every 0.2 s
# until it succeeds (returns 0) or TIMEOUT seconds pass (returns 1).
qw_it_wait_for() {
    local cmd="$1" timeout="${2:-30}"
    local deadline=$((SECONDS + timeout))
    while true; do
        if (eval "$cmd") >/dev/null 2>&1; then
            return 0
        fi
        ((SECONDS < deadline)) || {
            qw_it_log "timed out after ${timeout}s waiting for: $cmd"
            return 1
        }
        sleep 0.2
    done
}

# qw_it_bg NAME CMD...: starts CMD in the background, stdout+stderr to $QW_IT_DIR/NAME.log, and
# records its pid (see qw_it_pid). NAME must be unique while the process lives; reusing it after qw_it_kill is fine.
qw_it_bg() {
    local name="$1"
    shift
    if [[ -n "${QW_IT_PIDS[$name]:-}" ]] && kill -0 "${QW_IT_PIDS[$name]}" 2>/dev/null; then
        qw_it_fail "qw_it_bg: a process named $name is still running"
    fi
    printf -- '--- %s: %s\n' "$(date -u +%T)" "$*" >>"$QW_IT_DIR/$name.log"
    "$@" </dev/null >>"$QW_IT_DIR/$name.log" 2>&1 &
    QW_IT_PIDS[$name]=$!
    local n
    for n in "${QW_IT_ORDER[@]}"; do [[ "$n" == "$name" ]] && return 0; done
    QW_IT_ORDER+=("$name")
}

# qw_it_pid NAME: prints the pid of the process started as NAME.
qw_it_pid() { printf '%s\n' "${QW_IT_PIDS[$1]:?no process named $1}"; }

# qw_it_alive NAME: true while the process started as NAME runs.
qw_it_alive() { [[ -n "${QW_IT_PIDS[$1]:-}" ]] && kill -0 "${QW_IT_PIDS[$1]}" 2>/dev/null; }

# qw_it_log_of NAME: the path of NAME's log file (to grep it).
qw_it_log_of() { printf '%s\n' "$QW_IT_DIR/$1.log"; }

# Sends SIGNAL to NAME, waits up to 30 s (then SIGKILL); sets QW_IT_EXIT to its exit status.
# Runs in the test's own shell (not a subshell) so that `wait` can reap its child.
qw_it__stop() {
    local name="$1" sig="${2:-TERM}" pid i rc=0
    pid="${QW_IT_PIDS[$name]:-}"
    QW_IT_EXIT=""
    [[ -n "$pid" ]] || return 0
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || rc=$?
    QW_IT_PIDS[$name]=""
    QW_IT_EXIT="$rc"
}

# qw_it_kill NAME [SIGNAL]: sends SIGNAL (default TERM) to the process started as NAME and waits
# until it is gone (SIGKILL after 30 s). Sets QW_IT_EXIT to its exit status (128+n if killed
# by signal n), so a test can check that a service shut down cleanly.
qw_it_kill() {
    qw_it__stop "$1" "${2:-TERM}"
}

# qw_it_wait_exit NAME TIMEOUT: waits until the process started as NAME exits by itself; sets
# QW_IT_EXIT to its exit status. Returns 1 (and leaves it running) on timeout.
qw_it_wait_exit() {
    local name="$1" timeout="${2:-30}" pid
    pid="${QW_IT_PIDS[$name]:?no process named $name}"
    qw_it_wait_for "! kill -0 $pid" "$timeout" || return 1
    QW_IT_EXIT=0
    wait "$pid" 2>/dev/null || QW_IT_EXIT=$?
    QW_IT_PIDS[$name]=""
}

# qw_it_redis_start [NAME]: a private redis-server (AOF on, in $QW_IT_DIR/NAME) on a free port,
# started as process NAME (default "redis"); waits until it answers and exports
# QW_REDIS_URL=redis://127.0.0.1:<port>/0 and QW_IT_REDIS_PORT. For tests that kill or restart
# redis, or need a clean keyspace, instead of the shared one.
qw_it_redis_start() {
    local name="${1:-redis}" port="${QW_IT_PORTS[${1:-redis}]:-}"
    [[ -n "$port" ]] || port="$(qw_it_free_port)"
    QW_IT_PORTS[$name]="$port"
    mkdir -p "$QW_IT_DIR/$name"
    qw_it_bg "$name" redis-server --port "$port" --bind 127.0.0.1 --dir "$QW_IT_DIR/$name" \
        --appendonly yes --appendfsync always --save '' --daemonize no
    qw_it_wait_for "[[ \"\$(redis-cli -p $port ping)\" == PONG ]]" 20 ||
        qw_it_fail "private redis-server $name did not answer on port $port"
    export QW_IT_REDIS_PORT="$port"
    export QW_REDIS_URL="redis://127.0.0.1:$port/0"
}

# qw_it_redis_restart [NAME] [SIGNAL]: stops the private redis NAME with SIGNAL (default TERM;
# KILL simulates a crash) and starts it again on the same port with the same AOF.
qw_it_redis_restart() {
    local name="${1:-redis}" sig="${2:-TERM}"
    [[ -n "${QW_IT_PORTS[$name]:-}" ]] || qw_it_fail "qw_it_redis_restart: no private redis $name"
    qw_it_kill "$name" "$sig"
    qw_it_redis_start "$name"
}

# qw_it_webhook_sink: the Standard Webhooks sink (tests/sinks/webhook_sink.py, process "sink")
# with a fresh secret in $QW_IT_DIR/webhook.secret; sets SECRET, SINK_PORT and SINK_LOG.
qw_it_webhook_sink() {
    SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
    printf '%s\n' "$SECRET" >"$QW_IT_DIR/webhook.secret"
    SINK_PORT="$(qw_it_free_port)"
    SINK_LOG="$QW_IT_DIR/sink.jsonl"
    qw_it_bg sink python3 "$QW_SRC/tests/sinks/webhook_sink.py" --port "$SINK_PORT" \
        --log "$SINK_LOG" --secret "$SECRET"
    qw_it_wait_for "curl -fs http://127.0.0.1:$SINK_PORT/_stats" 20 || qw_it_fail "sink did not start"
}
