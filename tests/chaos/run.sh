#!/usr/bin/env bash
# The long runs that CI does not do: start a local stack, run each chaos script with the
# sanitizer build, stop the stack; then fuzz every target with fresh random seeds.
# QW_CHAOS_SECONDS (default 180) sets each chaos run's length, QW_FUZZ_SECONDS (default 300)
# each fuzzer's.
#   tests/chaos/run.sh              all chaos runs (build-test must exist: deploy/local/test.sh)
#   QW_CHAOS_SECONDS=900 tests/chaos/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${QW_BUILD:-$ROOT/build-test}"
[[ -x "$BUILD/bin/qw-ingest" ]] || {
    echo "chaos: no build in $BUILD (run deploy/local/test.sh once, or set QW_BUILD)" >&2
    exit 2
}
ENV_FILE="$BUILD/chaos-stack.env"
"$ROOT/deploy/local/stack.sh" start --env-file "$ENV_FILE" --owner-pid $$
trap '"$ROOT/deploy/local/stack.sh" stop --env-file "$ENV_FILE"' EXIT
rc=0
for t in "$ROOT"/tests/chaos/*_chaos.sh; do
    echo "== $(basename "$t")"
    QW_BIN="$BUILD/bin" QW_SRC="$ROOT" QW_STACK_ENV="$ENV_FILE" bash "$t" || rc=1
done
if [[ -d "$BUILD/fuzz" ]]; then
    echo "== fuzzers, ${QW_FUZZ_SECONDS:-300}s each, random seeds"
    env -u CI "$ROOT/tests/fuzz/run.sh" "$BUILD/fuzz" "${QW_FUZZ_SECONDS:-300}" || rc=1
fi
exit $rc
