# Shared set-up of the benchmark scripts that run on a live stack (sourced, not run).
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
