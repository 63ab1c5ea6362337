#!/usr/bin/env bash
# Before/after on the per-event path, in one script so both sides run under the same load:
#   tests/bench/compare.sh BEFORE_REF [AFTER_REF] [ROUNDS]   (defaults: HEAD, 2 rounds)
# Builds both refs (Release, no sanitizers) in detached worktrees under $TMPDIR and runs the
# in-process benchmarks (ledger, adapters, engine, notifier rendering) alternately, ROUNDS times
# each. With QW_STACK_ENV set (a running stack, deploy/local/stack.sh start --env-file F) it also
# runs the end-to-end ingest benchmark of both. Results: docs/benchmarks.md.
set -euo pipefail
before="${1:?usage: compare.sh BEFORE_REF [AFTER_REF] [ROUNDS]}"
after="${2:-HEAD}"
rounds="${3:-2}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/qw-compare.XXXXXX")"
cleanup() {
    for side in before after; do git -C "$here" worktree remove --force "$work/$side" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

build_side() { # side ref
    git -C "$here" worktree add --detach -q "$work/$1" "$2"
    cmake -S "$work/$1" -B "$work/$1/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C "$work/$1/build" -j "${QW_JOBS:-2}" bench_ledger bench_adapters bench_engine \
        bench_notifier bench_ingest qw-ingest qwctl >/dev/null
    echo "built $1: $(git -C "$work/$1" log --oneline -1)"
}
build_side before "$before"
build_side after "$after"

run() { # side
    local d="$work/$1" b="$work/$1/build/bench"
    (cd "$d" && "$b/bench_ledger" && "$b/bench_adapters" tests/fixtures &&
        "$b/bench_engine" deploy/policy.example.yaml 20000 3 5 &&
        "$b/bench_notifier" services/notifier/templates) 2>&1 | sed "s/^/[$1] /"
}
for ((r = 1; r <= rounds; r++)); do
    echo "== round $r, load $(cut -d' ' -f1-3 /proc/loadavg)"
    run before
    run after
done
if [[ -n "${QW_STACK_ENV:-}" ]]; then
    for side in before after; do
        echo "== ingest end to end: $side"
        (cd "$work/$side" && tests/bench/bench_ingest.sh build "${QW_BENCH_EVENTS:-20000}" 1000) 2>&1 |
            sed "s/^/[$side] /"
    done
fi
