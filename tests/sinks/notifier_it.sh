# shellcheck shell=bash
# Helpers of the notifier's integration tests (tests/integration/notifier_*.sh), sourced after
# tests/integration/lib.sh and qw_it_init. Functions are prefixed ntf_.

NTF_SINKS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NTF_PY=/usr/bin/python3 # Debian's, which has python3-aiosmtpd
NTF_SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

# ntf_setup: topics with a unique prefix, a private Redis, the HTTP sink and the webhook secret.
# Sets NTF_PREFIX, NTF_HTTP_PORT, NTF_HTTP (base URL), NTF_HTTP_LOG, NTF_SECRET_FILE.
ntf_setup() {
    NTF_PREFIX="$(qw_it_unique_prefix)"
    qw_it_topics "$NTF_PREFIX"
    qw_it_redis_start
    NTF_SECRET_FILE="$QW_IT_DIR/webhook.secret"
    printf '%s\n' "$NTF_SECRET" >"$NTF_SECRET_FILE"
    NTF_HTTP_PORT="$(qw_it_free_port)"
    NTF_HTTP="http://127.0.0.1:$NTF_HTTP_PORT"
    NTF_HTTP_LOG="$QW_IT_DIR/http-sink.jsonl"
    qw_it_bg http-sink "$NTF_PY" "$NTF_SINKS/webhook_sink.py" --port "$NTF_HTTP_PORT" \
        --log "$NTF_HTTP_LOG" --secret "$NTF_SECRET" "$@"
    qw_it_wait_for "curl -fs $NTF_HTTP/_stats" 20 || qw_it_fail "HTTP sink did not start"
}

# ntf_smtp_start [--tls]: the SMTP sink (STARTTLS required with --tls, self-signed cert made
# here). Sets NTF_SMTP_URL, NTF_SMTP_LOG.
ntf_smtp_start() {
    local port args=()
    port="$(qw_it_free_port)"
    NTF_SMTP_LOG="$QW_IT_DIR/smtp-sink.jsonl"
    if [[ "${1:-}" == --tls ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
            -addext "subjectAltName=IP:127.0.0.1" \
            -keyout "$QW_IT_DIR/smtp.key" -out "$QW_IT_DIR/smtp.crt" 2>/dev/null
        args=(--cert "$QW_IT_DIR/smtp.crt" --key "$QW_IT_DIR/smtp.key" --require-tls)
    fi
    qw_it_bg smtp-sink "$NTF_PY" "$NTF_SINKS/smtp_sink.py" --port "$port" --log "$NTF_SMTP_LOG" \
        "${args[@]}"
    qw_it_wait_for "$NTF_PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $port)).close()'" 20 ||
        qw_it_fail "SMTP sink did not start"
    NTF_SMTP_URL="smtp://127.0.0.1:$port"
}

# ntf_sink CMD-JSON: sends a control command to the HTTP sink.
ntf_sink() { curl -fsS -X POST --data "$1" "$NTF_HTTP/_control" >/dev/null; }

# ntf_kafka ARGS...: the test tool (publish decisions / roster, read the DLQ).
ntf_kafka() {
    "$QW_BIN/qw-test-notifier-kafka" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$NTF_PREFIX" "$@"
}

# ntf_start NAME ARGS...: starts qw-notifier as process NAME on a free HTTP port (NTF_PORT_<NAME>
# is not needed: NTF_METRICS_PORT is set) and waits until it is ready.
ntf_start() {
    local name="$1"
    shift
    NTF_METRICS_PORT="$(qw_it_free_port)"
    qw_it_bg "$name" "$QW_BIN/qw-notifier" --brokers "$QW_KAFKA_BOOTSTRAP" \
        --redis "$QW_REDIS_URL" --topic-prefix "$NTF_PREFIX" --http-port "$NTF_METRICS_PORT" \
        --templates "$QW_SRC/services/notifier/templates" \
        --webhook-secret-file "$NTF_SECRET_FILE" --group "qw-notifier-$NTF_PREFIX" "$@"
    qw_it_wait_for "curl -fs http://127.0.0.1:$NTF_METRICS_PORT/readyz" 60 ||
        qw_it_fail "qw-notifier $name not ready"
}

# ntf_report ARGS...: sink_report.py over the HTTP sink's log (ARGS: --prefix P) or, with
# --smtp, the SMTP sink's log.
ntf_report() {
    if [[ "${1:-}" == --smtp ]]; then
        "$NTF_PY" "$NTF_SINKS/sink_report.py" "$NTF_SMTP_LOG" "$@"
    else
        "$NTF_PY" "$NTF_SINKS/sink_report.py" "$NTF_HTTP_LOG" "$@"
    fi
}

# ntf_field JSON FIELD: one field of a JSON object.
ntf_field() { "$NTF_PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# ntf_distinct ARGS...: number of distinct deliveries (see ntf_report).
ntf_distinct() { ntf_field "$(ntf_report "$@")" distinct; }

# ntf_metric NAME_WITH_LABELS: the value of one metric line of /metrics (0 when absent).
ntf_metric() {
    local v
    v="$(curl -fs "http://127.0.0.1:$NTF_METRICS_PORT/metrics" | grep -F "$1 " | awk '{print $2}' | head -n1)"
    printf '%s\n' "${v:-0}"
}
