# shellcheck shell=bash
# Shared helpers of the local-stack scripts (setup.sh, kafka-fetch.sh, stack.sh) and of
# tests/integration/lib.sh. Sourced, never run. Functions are prefixed qw_stack_.

QW_STACK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
QW_REPO_ROOT="$(cd "$QW_STACK_HOME/../.." && pwd)"

# Message helpers: everything an operator reads goes to stderr, prefixed with the script name.
qw_stack_log() { printf '%s: %s\n' "${QW_STACK_PROG:-stack}" "$*" >&2; }
qw_stack_die() {
    printf '%s: error: %s\n' "${QW_STACK_PROG:-stack}" "$*" >&2
    exit 1
}

# The Kafka version, read from the one place it is pinned: kafka/pom.xml.
qw_stack_kafka_version() {
    sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$QW_STACK_HOME/kafka/pom.xml" |
        head -n1
}

# The folder holding the broker's jars: $KAFKA_HOME/libs when KAFKA_HOME is set, otherwise the
# cache that kafka-fetch.sh fills. Prints the path; does not check that it is filled.
qw_stack_kafka_libs() {
    if [[ -n "${KAFKA_HOME:-}" ]]; then
        printf '%s\n' "$KAFKA_HOME/libs"
    else
        printf '%s\n' "${QW_CACHE:-$HOME/.cache/quotawatch}/kafka-$(qw_stack_kafka_version)/libs"
    fi
}

# A free TCP port on 127.0.0.1 (the kernel picks it; another process could still take it before
# the caller binds, so servers are started with a retry by the callers that care).
qw_stack_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The topic set: name, partitions, extra config ("-" for none). Compacted topics hold state
# (roster, quotas) that services rebuild by replaying the topic.
QW_STACK_TOPICS=(
    "qw.crm.canonical 4 -"
    "qw.crm.salesforce 4 -"
    "qw.crm.hubspot 4 -"
    "qw.crm.pipedrive 4 -"
    "qw.credits.v1 4 -"
    "qw.decisions.v1 4 -"
    "qw.dlq.v1 1 -"
    "qw.notify-dlq.v1 1 -"
    "qw.roster.v1 4 cleanup.policy=compact"
    "qw.quotas.v1 4 cleanup.policy=compact"
)

# qw_stack_create_topic LIBS BOOTSTRAP NAME PARTITIONS [CONFIG]
# Creates one topic (if it does not exist) with Kafka's own TopicCommand.
qw_stack_create_topic() {
    local libs="$1" bootstrap="$2" name="$3" parts="$4" config="${5:--}"
    local args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name"
        --partitions "$parts" --replication-factor 1)
    [[ "$config" != "-" ]] && args+=(--config "$config")
    local out
    if ! out="$(java -Xmx256m -Dlog4j2.level=warn -cp "$libs/*" \
        org.apache.kafka.tools.TopicCommand "${args[@]}" 2>&1)"; then
        printf '%s\n' "$out" >&2
        qw_stack_log "could not create topic $name on $bootstrap"
        return 1
    fi
}

# qw_stack_topics LIBS BOOTSTRAP [PREFIX]
# Creates the whole topic set, each name prefixed with PREFIX (so parallel tests do not collide).
# TopicCommand takes one topic per JVM start (~2 s each), so up to 3 run at once: faster than one
# by one, without swamping a small machine.
qw_stack_topics() {
    local libs="$1" bootstrap="$2" prefix="${3:-}"
    local spec name parts config rc=0 running=0
    [[ -d "$libs" ]] || {
        qw_stack_log "no Kafka jars in $libs (run deploy/local/setup.sh)"
        return 1
    }
    for spec in "${QW_STACK_TOPICS[@]}"; do
        read -r name parts config <<<"$spec"
        if ((running >= 3)); then
            wait -n || rc=1
            running=$((running - 1))
        fi
        qw_stack_create_topic "$libs" "$bootstrap" "$prefix$name" "$parts" "$config" &
        running=$((running + 1))
    done
    while ((running > 0)); do
        wait -n || rc=1
        running=$((running - 1))
    done
    return $rc
}

# qw_stack_make_tls DIR: a throw-away CA and a server certificate for 127.0.0.1/localhost (PEM, the
# key unencrypted PKCS#8 as Kafka's PEM key store reads it: server.pem = key + certificate) and a
# random password in DIR/kafka.password. Used by stack.sh --sasl-ssl and the TLS tests.
qw_stack_make_tls() {
    local dir="$1"
    mkdir -p "$dir" && chmod 700 "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=quotawatch test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1 || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1 ||
        return 1
    openssl pkcs8 -topk8 -nocrypt -in "$dir/server.key" -out "$dir/server.p8" || return 1
    cat "$dir/server.p8" "$dir/server.crt" >"$dir/server.pem"
    openssl rand -hex 16 >"$dir/kafka.password" && chmod 600 "$dir/kafka.password"
}
