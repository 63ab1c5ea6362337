# Shared set-up of the benchmark scripts (sourced, not run).
#   load                 the 1-minute load average
#   metric PORT NAME     a counter of a service's /metrics summed over its labels (0 when absent
#                        or the service does not answer yet)
#   wait_until SECONDS COMMAND...   poll COMMAND every 50 ms until it succeeds; 1 on timeout
# For the scripts that run on a live stack:
#   qw_bench_init NAME   source deploy/local/common.sh and the stack's env file ($QW_STACK_ENV),
#                        make $work (removed on exit, after every pid in $pids is stopped) and a
#                        unique topic $prefix; $here is the repository.
qw_bench_init() {
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    source "$here/deploy/local/common.sh"
    : "${QW_STACK_ENV:?set QW_STACK_ENV to the env file of a running stack}"
    source "$QW_STACK_ENV"
    work="$(mktemp -d "${TMPDIR:-/tmp}/qw-bench-$1.XXXXXX")"
    pids=()
    trap qw_bench_cleanup EXIT
    prefix="bench.$$.$RANDOM."
}

qw_bench_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work"
}

load() { cut -d' ' -f1 /proc/loadavg; }

metric() {
    { curl -fs "http://127.0.0.1:$1/metrics" 2>/dev/null || true; } |
        awk -v m="$2" '$1 == m || index($1, m "{") == 1 { v += $2 } END { printf "%d", v }'
}

wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}
