#!/usr/bin/env bash
# The local stack: a real single-node Apache Kafka (KRaft) and a real redis-server on free
# loopback ports, for development, tests and the demo. See `stack.sh --help` and
# docs/operations.md ("Local stack").
set -euo pipefail
QW_STACK_PROG=stack
# shellcheck source=deploy/local/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_START_TIMEOUT="${QW_STACK_KAFKA_TIMEOUT:-180}"
REDIS_START_TIMEOUT="${QW_STACK_REDIS_TIMEOUT:-30}"
STOP_TIMEOUT=40

usage() {
    cat <<USAGE
Usage: deploy/local/stack.sh COMMAND [OPTIONS]

Commands:
  start [--env-file FILE] [--foreground] [--owner-pid PID] [--sasl-ssl]
        Start Kafka $(qw_stack_kafka_version) (KRaft, one node) and redis-server on free
        127.0.0.1 ports in a fresh run dir, wait until both answer, create the topics and write
        the addresses to FILE (default deploy/local/.run/stack.env). Without --foreground it
        returns once the stack is up and the servers keep running until \`stop\`; with
        --foreground it stays attached and stops both on exit, Ctrl-C or failure.
        --owner-pid PID (or QW_STACK_OWNER_PID): also stop the stack when PID exits.
        --sasl-ssl: the broker also listens with SASL_SSL (PLAIN and SCRAM-SHA-512 over TLS; a
        test CA and server certificate made with openssl; user qw, a random password). The env
        file then names QW_KAFKA_SASL_BOOTSTRAP, QW_KAFKA_SASL_USER,
        QW_KAFKA_SASL_PASSWORD_FILE and QW_KAFKA_CA_FILE (docs/security.md, "Kafka").
        If QW_KAFKA_BOOTSTRAP / QW_REDIS_URL are set, those servers are used instead of
        starting one (topics are still created on that Kafka).
  stop [--env-file FILE]
        Stop the servers that \`start\` with that env file started (never others), wait until
        they are gone and remove the run dir.
  topics [--env-file FILE] [--prefix P]
        Create the topic set (names prefixed with P) on the stack's Kafka.
  status [--env-file FILE]
        Show the stack's addresses and whether each server answers.

Environment: QW_KAFKA_BOOTSTRAP, QW_REDIS_URL (use existing servers), KAFKA_HOME (use its libs/
instead of the Maven cache), QW_CACHE (cache folder, default ~/.cache/quotawatch), TMPDIR.
The env file holds QW_KAFKA_BOOTSTRAP, QW_REDIS_URL, QW_STACK_DIR, QW_STACK_KAFKA_PID,
QW_STACK_REDIS_PID, QW_KAFKA_LIBS; logs are in QW_STACK_DIR (kafka.log, redis.log).
USAGE
}

# --- small helpers ----------------------------------------------------------------------------

# pid_is_ours PID DIR: true when PID is alive and runs inside DIR (servers are started with their
# working directory in the run dir), so a recycled pid is never taken for one of ours.
pid_is_ours() {
    local pid="$1" dir="$2" cwd
    [[ -n "$pid" && -n "$dir" ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || return 1
    [[ "$cwd" == "$dir" || "$cwd" == "$dir"/* ]]
}

# stop_pid NAME PID DIR: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local name="$1" pid="$2" dir="$3" i
    pid_is_ours "$pid" "$dir" || return 0
    qw_stack_log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < STOP_TIMEOUT * 4; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.25
    done
    qw_stack_log "$name (pid $pid) did not stop in ${STOP_TIMEOUT}s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.25
    done
    qw_stack_log "$name (pid $pid) is still there after SIGKILL"
    return 1
}

# spawn DIR LOG PIDFILE CMD...: starts CMD detached (own session, stdio to LOG, every other
# inherited descriptor closed) with its working directory DIR, and writes its pid. ctest waits
# until no process holds its output pipe, so a server must keep no copy of it.
SPAWN_WRAPPER='
pidfile="$1"; shift
for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    [[ "$fd" -gt 2 ]] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
done
echo $$ >"$pidfile"
exec "$@"'
spawn() {
    local dir="$1" log="$2" pidfile="$3"
    shift 3
    (
        cd "$dir" || exit 1
        exec setsid bash -c "$SPAWN_WRAPPER" spawn "$pidfile" "$@" </dev/null >>"$log" 2>&1
    ) &
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -s "$pidfile" ]] && return 0
        sleep 0.05
    done
    return 1
}

kafka_answers() {
    local bootstrap="$1"
    if command -v kcat >/dev/null; then
        kcat -b "$bootstrap" -L -m 3 >/dev/null 2>&1
    else
        java -Xmx128m -cp "$QW_KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand \
            --bootstrap-server "$bootstrap" --list >/dev/null 2>&1
    fi
}

redis_answers() {
    [[ "$(redis-cli -u "$1" ping 2>/dev/null)" == "PONG" ]]
}

show_log_tail() {
    local f="$1"
    [[ -s "$f" ]] || return 0
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 30 "$f" >&2
    printf -- '---\n' >&2
}

read_env_file() {
    local f="$1"
    [[ -f "$f" ]] || return 1
    QW_KAFKA_BOOTSTRAP="" QW_REDIS_URL="" QW_STACK_DIR="" QW_STACK_KAFKA_PID=""
    QW_STACK_REDIS_PID="" QW_STACK_WATCH_PID="" QW_KAFKA_LIBS=""
    # shellcheck disable=SC1090
    source "$f"
}

# --- start -------------------------------------------------------------------------------------

RUN_DIR=""
SASL_SSL=0
QW_KAFKA_SASL_BOOTSTRAP=""
KAFKA_PID=""
REDIS_PID=""
STARTED_OK=0

# Stops whatever this start started; used on failure and by --foreground on exit.
cleanup_started() {
    [[ -n "$RUN_DIR" ]] || return 0
    stop_pid kafka "$KAFKA_PID" "$RUN_DIR" || true
    stop_pid redis "$REDIS_PID" "$RUN_DIR" || true
    if [[ -n "$ENV_FILE" && -f "$ENV_FILE" ]] && grep -qF "QW_STACK_DIR=$(printf %q "$RUN_DIR")" "$ENV_FILE"; then
        rm -f "$ENV_FILE"
    fi
    # After a failed start the logs stay for the operator to read; the data never does.
    if [[ "${QW_STACK_KEEP_LOGS:-0}" == 1 ]] || ((STARTED_OK == 0)); then
        rm -rf "$RUN_DIR/kafka/data" "$RUN_DIR/redis"
        qw_stack_log "logs kept in $RUN_DIR"
    else
        rm -rf "$RUN_DIR"
    fi
    RUN_DIR=""
}

on_start_exit() {
    local rc=$?
    if ((STARTED_OK == 0)) || [[ "$FOREGROUND" == 1 ]]; then
        if ((STARTED_OK == 0)) && [[ -n "$RUN_DIR" ]]; then
            show_log_tail "$RUN_DIR/kafka.log"
            show_log_tail "$RUN_DIR/redis.log"
            qw_stack_log "start failed; stopping what was started"
        fi
        cleanup_started
    fi
    exit "$rc"
}

start_kafka() {
    local try port cport sport="" cluster_id props
    for try in 1 2 3; do
        port="$(qw_stack_free_port)"
        cport="$(qw_stack_free_port)"
        [[ "$port" != "$cport" ]] || continue
        local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
        local advertised="PLAINTEXT://127.0.0.1:$port" sasl_props="" scram=()
        if [[ "$SASL_SSL" == 1 ]]; then
            sport="$(qw_stack_free_port)"
            [[ "$sport" != "$port" && "$sport" != "$cport" ]] || continue
            local tls="$RUN_DIR/tls"
            [[ -s "$tls/server.pem" ]] || qw_stack_make_tls "$tls" || qw_stack_die "openssl could not make the test certificates"
            listeners+=",SASL_SSL://127.0.0.1:$sport"
            advertised+=",SASL_SSL://127.0.0.1:$sport"
            # PLAIN (over TLS) is what Debian's librdkafka 2.0.2 can use with Kafka 4.x: its SCRAM
            # client proof is refused by 4.x brokers (fixed in librdkafka 2.6.1, #4895). SCRAM
            # is offered too, for newer clients and the Java tools.
            sasl_props="sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_qw=\"$(cat "$tls/kafka.password")\";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$tls/server.pem"
            scram=(--add-scram "SCRAM-SHA-512=[name=qw,password=$(cat "$tls/kafka.password")]")
        fi
        mkdir -p "$RUN_DIR/kafka"
        rm -rf "$RUN_DIR/kafka/data"
        props="$RUN_DIR/kafka/server.properties"
        cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
$sasl_props
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN_DIR/kafka/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
        chmod 600 "$props" # holds the test password when --sasl-ssl
        local jopts=(-Dlog4j2.configurationFile="$QW_STACK_HOME/kafka/log4j2.xml"
            -Dqw.log.file="$RUN_DIR/kafka.log")
        cluster_id="$(java -Xmx128m "${jopts[@]}" -cp "$QW_KAFKA_LIBS/*" kafka.tools.StorageTool \
            random-uuid 2>>"$RUN_DIR/kafka.log")" ||
            qw_stack_die "kafka.tools.StorageTool random-uuid failed (jars in $QW_KAFKA_LIBS broken? delete that folder and run setup.sh)"
        java -Xmx256m "${jopts[@]}" -cp "$QW_KAFKA_LIBS/*" kafka.tools.StorageTool format \
            --standalone -t "$cluster_id" -c "$props" "${scram[@]}" >>"$RUN_DIR/kafka.log" 2>&1 ||
            qw_stack_die "formatting the Kafka storage failed"
        qw_stack_log "starting Kafka $(qw_stack_kafka_version) on 127.0.0.1:$port (controller $cport)"
        rm -f "$RUN_DIR/kafka.pid"
        spawn "$RUN_DIR/kafka" "$RUN_DIR/kafka.log" "$RUN_DIR/kafka.pid" \
            java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true "${jopts[@]}" \
            -cp "$QW_KAFKA_LIBS/*" kafka.Kafka "$props" || qw_stack_die "could not start java"
        KAFKA_PID="$(cat "$RUN_DIR/kafka.pid")"
        local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
        while ((SECONDS < deadline)); do
            if ! kill -0 "$KAFKA_PID" 2>/dev/null; then
                if grep -q -i "address already in use" "$RUN_DIR/kafka.log"; then
                    qw_stack_log "port taken meanwhile; retrying on other ports"
                    KAFKA_PID=""
                    continue 2
                fi
                qw_stack_die "Kafka exited during start (log: $RUN_DIR/kafka.log)"
            fi
            if kafka_answers "127.0.0.1:$port"; then
                QW_KAFKA_BOOTSTRAP="127.0.0.1:$port"
                qw_stack_log "Kafka answers on $QW_KAFKA_BOOTSTRAP (pid $KAFKA_PID)"
                [[ -z "$sport" ]] || QW_KAFKA_SASL_BOOTSTRAP="127.0.0.1:$sport"
                [[ -z "$sport" ]] || qw_stack_log "SASL_SSL (SCRAM-SHA-512, user qw) on $QW_KAFKA_SASL_BOOTSTRAP"
                return 0
            fi
            sleep 1
        done
        qw_stack_die "Kafka did not answer on 127.0.0.1:$port within ${KAFKA_START_TIMEOUT}s (log: $RUN_DIR/kafka.log)"
    done
    qw_stack_die "could not find free ports for Kafka"
}

start_redis() {
    local try port
    command -v redis-server >/dev/null ||
        qw_stack_die "redis-server not found: run deploy/local/setup.sh (or set QW_REDIS_URL)"
    mkdir -p "$RUN_DIR/redis"
    for try in 1 2 3; do
        port="$(qw_stack_free_port)"
        qw_stack_log "starting redis-server on 127.0.0.1:$port"
        rm -f "$RUN_DIR/redis.pid"
        spawn "$RUN_DIR/redis" "$RUN_DIR/redis.log" "$RUN_DIR/redis.pid" \
            redis-server --port "$port" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
            --appendonly yes --save '' --daemonize no --logfile "$RUN_DIR/redis.log" ||
            qw_stack_die "could not start redis-server"
        REDIS_PID="$(cat "$RUN_DIR/redis.pid")"
        local deadline=$((SECONDS + REDIS_START_TIMEOUT))
        while ((SECONDS < deadline)); do
            if ! kill -0 "$REDIS_PID" 2>/dev/null; then
                if grep -q -i "address already in use" "$RUN_DIR/redis.log"; then
                    qw_stack_log "port taken meanwhile; retrying on another port"
                    REDIS_PID=""
                    continue 2
                fi
                qw_stack_die "redis-server exited during start (log: $RUN_DIR/redis.log)"
            fi
            if redis_answers "redis://127.0.0.1:$port/0"; then
                QW_REDIS_URL="redis://127.0.0.1:$port/0"
                qw_stack_log "redis answers on $QW_REDIS_URL (pid $REDIS_PID)"
                return 0
            fi
            sleep 0.2
        done
        qw_stack_die "redis-server did not answer within ${REDIS_START_TIMEOUT}s"
    done
    qw_stack_die "could not find a free port for redis"
}

write_env_file() {
    local tmp="$ENV_FILE.tmp.$$"
    mkdir -p "$(dirname "$ENV_FILE")"
    {
        printf '# Written by deploy/local/stack.sh start at %s; `stack.sh stop` reads it.\n' "$(date -u +%FT%TZ)"
        printf 'QW_KAFKA_BOOTSTRAP=%q\n' "$QW_KAFKA_BOOTSTRAP"
        printf 'QW_REDIS_URL=%q\n' "$QW_REDIS_URL"
        printf 'QW_STACK_DIR=%q\n' "$RUN_DIR"
        printf 'QW_STACK_KAFKA_PID=%q\n' "$KAFKA_PID"
        printf 'QW_STACK_REDIS_PID=%q\n' "$REDIS_PID"
        printf 'QW_STACK_WATCH_PID=%q\n' "${WATCH_PID:-}"
        printf 'QW_KAFKA_LIBS=%q\n' "$QW_KAFKA_LIBS"
        if [[ -n "$QW_KAFKA_SASL_BOOTSTRAP" ]]; then
            printf 'QW_KAFKA_SASL_BOOTSTRAP=%q\n' "$QW_KAFKA_SASL_BOOTSTRAP"
            printf 'QW_KAFKA_SASL_USER=qw\n'
            printf 'QW_KAFKA_SASL_PASSWORD_FILE=%q\n' "$RUN_DIR/tls/kafka.password"
            printf 'QW_KAFKA_CA_FILE=%q\n' "$RUN_DIR/tls/ca.pem"
        fi
    } >"$tmp"
    mv -f "$tmp" "$ENV_FILE"
}

# A detached watchdog that stops the stack once OWNER exits (e.g. test.sh killed mid-run).
start_watchdog() {
    local owner="$1"
    spawn "$RUN_DIR" "$RUN_DIR/watchdog.log" "$RUN_DIR/watch.pid" bash -c '
        owner="$1"; stack="$2"; env="$3"; dir="$4"
        while kill -0 "$owner" 2>/dev/null && [[ -d "$dir" ]]; do sleep 2; done
        [[ -d "$dir" ]] && QW_STACK_FROM_WATCHDOG=1 exec "$stack" stop --env-file "$env"
    ' watchdog "$owner" "$QW_STACK_HOME/stack.sh" "$ENV_FILE" "$RUN_DIR" ||
        qw_stack_die "could not start the watchdog"
    WATCH_PID="$(cat "$RUN_DIR/watch.pid")"
    qw_stack_log "watchdog $WATCH_PID stops the stack when pid $owner exits"
}

cmd_start() {
    FOREGROUND=0
    local owner="${QW_STACK_OWNER_PID:-}"
    while (($#)); do
        case "$1" in
        --env-file) ENV_FILE="$2"; shift 2 ;;
        --foreground) FOREGROUND=1; shift ;;
        --owner-pid) owner="$2"; shift 2 ;;
        --sasl-ssl) SASL_SSL=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) qw_stack_die "start: unknown option $1 (see --help)" ;;
        esac
    done
    ENV_FILE="$(realpath -m "$ENV_FILE")"

    # A stack still running from this env file is reused rather than started twice.
    if read_env_file "$ENV_FILE"; then
        if [[ "$FOREGROUND" == 0 ]] && { [[ -z "$QW_STACK_KAFKA_PID" ]] || pid_is_ours "$QW_STACK_KAFKA_PID" "$QW_STACK_DIR"; } &&
            { [[ -z "$QW_STACK_REDIS_PID" ]] || pid_is_ours "$QW_STACK_REDIS_PID" "$QW_STACK_DIR"; } &&
            kafka_answers "$QW_KAFKA_BOOTSTRAP" && redis_answers "$QW_REDIS_URL"; then
            qw_stack_log "stack of $ENV_FILE already running: reusing it"
            cat "$ENV_FILE"
            return 0
        fi
        qw_stack_log "stale env file $ENV_FILE: stopping what is left of it"
        cmd_stop --env-file "$ENV_FILE"
    fi

    local ext_kafka="${QW_KAFKA_BOOTSTRAP_EXTERNAL:-}" ext_redis="${QW_REDIS_URL_EXTERNAL:-}"
    command -v java >/dev/null || qw_stack_die "java not found: run deploy/local/setup.sh"
    QW_KAFKA_LIBS="$("$QW_STACK_HOME/kafka-fetch.sh")" ||
        qw_stack_die "no Kafka jars: run deploy/local/setup.sh"

    RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/quotawatch-stack.XXXXXX")"
    RUN_DIR="$(realpath "$RUN_DIR")"
    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    qw_stack_log "run dir $RUN_DIR"

    if [[ -n "$ext_kafka" && "$SASL_SSL" == 1 ]]; then
        qw_stack_die "--sasl-ssl needs a broker this script starts (unset QW_KAFKA_BOOTSTRAP)"
    fi
    if [[ -n "$ext_kafka" ]]; then
        QW_KAFKA_BOOTSTRAP="$ext_kafka"
        kafka_answers "$QW_KAFKA_BOOTSTRAP" ||
            qw_stack_die "QW_KAFKA_BOOTSTRAP=$QW_KAFKA_BOOTSTRAP does not answer"
        qw_stack_log "using existing Kafka $QW_KAFKA_BOOTSTRAP"
    else
        start_kafka
    fi
    if [[ -n "$ext_redis" ]]; then
        QW_REDIS_URL="$ext_redis"
        redis_answers "$QW_REDIS_URL" || qw_stack_die "QW_REDIS_URL=$QW_REDIS_URL does not answer"
        qw_stack_log "using existing redis $QW_REDIS_URL"
    else
        start_redis
    fi

    qw_stack_log "creating topics"
    qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" || qw_stack_die "creating topics failed"
    WATCH_PID=""
    if [[ -n "$owner" && "$FOREGROUND" == 0 ]]; then
        start_watchdog "$owner"
    fi
    write_env_file
    STARTED_OK=1
    qw_stack_log "stack up; env file $ENV_FILE"
    printf 'QW_KAFKA_BOOTSTRAP=%s\nQW_REDIS_URL=%s\nQW_STACK_DIR=%s\n' \
        "$QW_KAFKA_BOOTSTRAP" "$QW_REDIS_URL" "$RUN_DIR"

    if [[ "$FOREGROUND" == 1 ]]; then
        qw_stack_log "running in the foreground; Ctrl-C stops the stack"
        while true; do
            if [[ -n "$KAFKA_PID" ]] && ! kill -0 "$KAFKA_PID" 2>/dev/null; then
                show_log_tail "$RUN_DIR/kafka.log"
                qw_stack_die "Kafka exited"
            fi
            if [[ -n "$REDIS_PID" ]] && ! kill -0 "$REDIS_PID" 2>/dev/null; then
                show_log_tail "$RUN_DIR/redis.log"
                qw_stack_die "redis-server exited"
            fi
            sleep 1
        done
    fi
}

# --- stop / topics / status --------------------------------------------------------------------

cmd_stop() {
    while (($#)); do
        case "$1" in
        --env-file) ENV_FILE="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) qw_stack_die "stop: unknown option $1 (see --help)" ;;
        esac
    done
    if ! read_env_file "$ENV_FILE"; then
        qw_stack_log "no env file $ENV_FILE: nothing to stop"
        return 0
    fi
    local rc=0
    stop_pid kafka "$QW_STACK_KAFKA_PID" "$QW_STACK_DIR" || rc=1
    stop_pid redis "$QW_STACK_REDIS_PID" "$QW_STACK_DIR" || rc=1
    if [[ -n "$QW_STACK_WATCH_PID" && -z "${QW_STACK_FROM_WATCHDOG:-}" ]]; then
        kill "$QW_STACK_WATCH_PID" 2>/dev/null || true
    fi
    # Only a run dir this script made is removed.
    if [[ -n "$QW_STACK_DIR" && "$(basename "$QW_STACK_DIR")" == quotawatch-stack.* && -d "$QW_STACK_DIR" ]]; then
        if [[ "${QW_STACK_KEEP_LOGS:-0}" == 1 ]]; then
            qw_stack_log "logs kept in $QW_STACK_DIR"
        else
            rm -rf "$QW_STACK_DIR"
        fi
    fi
    rm -f "$ENV_FILE"
    ((rc == 0)) && qw_stack_log "stopped"
    return $rc
}

cmd_topics() {
    local prefix=""
    while (($#)); do
        case "$1" in
        --env-file) ENV_FILE="$2"; shift 2 ;;
        --prefix) prefix="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) qw_stack_die "topics: unknown option $1 (see --help)" ;;
        esac
    done
    read_env_file "$ENV_FILE" || qw_stack_die "no env file $ENV_FILE: run \`stack.sh start\` first"
    qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$prefix" ||
        qw_stack_die "creating topics failed"
    qw_stack_log "topics created on $QW_KAFKA_BOOTSTRAP${prefix:+ with prefix $prefix}"
}

cmd_status() {
    while (($#)); do
        case "$1" in
        --env-file) ENV_FILE="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) qw_stack_die "status: unknown option $1 (see --help)" ;;
        esac
    done
    if ! read_env_file "$ENV_FILE"; then
        echo "not running (no env file $ENV_FILE)"
        return 3
    fi
    local rc=0
    echo "env file: $ENV_FILE"
    echo "run dir:  $QW_STACK_DIR"
    if kafka_answers "$QW_KAFKA_BOOTSTRAP"; then
        echo "kafka:    $QW_KAFKA_BOOTSTRAP answers${QW_STACK_KAFKA_PID:+ (pid $QW_STACK_KAFKA_PID)}"
    else
        echo "kafka:    $QW_KAFKA_BOOTSTRAP DOES NOT ANSWER"
        rc=1
    fi
    if redis_answers "$QW_REDIS_URL"; then
        echo "redis:    $QW_REDIS_URL answers${QW_STACK_REDIS_PID:+ (pid $QW_STACK_REDIS_PID)}"
    else
        echo "redis:    $QW_REDIS_URL DOES NOT ANSWER"
        rc=1
    fi
    return $rc
}

# Existing servers named by the caller; kept apart because read_env_file overwrites the names.
QW_KAFKA_BOOTSTRAP_EXTERNAL="${QW_KAFKA_BOOTSTRAP:-}"
QW_REDIS_URL_EXTERNAL="${QW_REDIS_URL:-}"
ENV_FILE="$QW_STACK_HOME/.run/stack.env"

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
topics) cmd_topics "$@" ;;
status) cmd_status "$@" ;;
-h | --help | help) usage ;;
"") usage >&2; exit 2 ;;
*) qw_stack_log "unknown command $cmd"; usage >&2; exit 2 ;;
esac
