#!/usr/bin/env bash
# The product installs (issue 9): a Release build of the four programs only (no tests), then
#   1. `cmake --install` into a staging root: the four programs answer --version with the one
#      version; run from / they find the installed data (templates) and defaults; qw-ingest starts
#      without --policy against the stack and answers /healthz; --http-bind is honoured;
#   2. the systemd units pass `systemd-analyze verify` (ExecStart pointed at the staged programs);
#   3. `cpack -G DEB` builds a package whose dependencies are declared; it unpacks into a fresh
#      root (dpkg -x) and runs from there; as root it is also installed with dpkg -i (units
#      verified in place, qw-ingest --version from /usr/bin) and removed again.
source "$(dirname "$0")/lib.sh"
qw_it_init
B="$QW_IT_DIR/build"
cmake -S "$QW_SRC" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQW_TESTS=OFF >"$QW_IT_DIR/cmake.log" 2>&1 ||
    { tail -20 "$QW_IT_DIR/cmake.log"; qw_it_fail "configure failed"; }
ninja -C "$B" -j2 >"$QW_IT_DIR/ninja.log" 2>&1 || { tail -30 "$QW_IT_DIR/ninja.log"; qw_it_fail "build failed"; }
VERSION="$("$B/bin/qwctl" version | awk '{print $2}')"
[[ "$VERSION" == 0.* ]] || qw_it_fail "qwctl version printed '$VERSION'"

# 1. staged install
STAGE="$QW_IT_DIR/stage"
DESTDIR="$STAGE" cmake --install "$B" --prefix /usr >"$QW_IT_DIR/install.log" 2>&1 || qw_it_fail "cmake --install failed"
SERVICES=(qw-ingest qw-evaluator qw-notifier qw-gateway qw-salesforce qw-web)
PROGRAMS=("${SERVICES[@]}" qwctl)
for p in "${PROGRAMS[@]}"; do
    [[ -x "$STAGE/usr/bin/$p" ]] || qw_it_fail "$p not installed to bin/"
    [[ "$(cd / && "$STAGE/usr/bin/$p" --version)" == "$p $VERSION" ]] || qw_it_fail "$p --version is not '$p $VERSION'"
done
[[ -z "$(ls "$STAGE/usr/bin" | grep -v -x -F "$(printf '%s\n' "${PROGRAMS[@]}")")" ]] ||
    qw_it_fail "something else in bin/: $(ls "$STAGE/usr/bin")"
[[ -f "$STAGE/usr/share/quotawatch/templates/slack/default.json.tmpl" ]] || qw_it_fail "templates not installed"
[[ -f "$STAGE/usr/share/quotawatch/web/rep.html" ]] || qw_it_fail "qw-web's pages not installed"
(cd / && "$STAGE/usr/bin/qw-web" --help) | qw_it_grep -F "$STAGE/usr/share/quotawatch/web" ||
    qw_it_fail "qw-web's --static-dir default is not the installed pages"
[[ -f "$STAGE/usr/share/quotawatch/examples/policy.example.yaml" ]] || qw_it_fail "example policy not installed"
[[ -f "$STAGE/usr/share/doc/quotawatch/LICENSE" ]] || qw_it_fail "LICENSE not installed"
(cd / && "$STAGE/usr/bin/qw-notifier" --help) | qw_it_grep -F "$STAGE/usr/share/quotawatch/templates" ||
    qw_it_fail "qw-notifier's templates default is not the installed templates"
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
PORT=$(qw_it_free_port)
(cd / && exec "$STAGE/usr/bin/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" \
    --topic-prefix "$PREFIX" --transactional-id "${PREFIX}ingest" --group "${PREFIX}ingest" \
    --http-port "$PORT" --http-bind 127.0.0.1) >"$QW_IT_DIR/ingest.log" 2>&1 &
INGEST=$!
qw_it_wait_for "curl -fs http://127.0.0.1:$PORT/healthz" 30 || { cat "$QW_IT_DIR/ingest.log"; qw_it_fail "installed qw-ingest (no --policy) not up"; }
curl -fs "http://127.0.0.1:$PORT/metrics" | qw_it_grep -F "qw_build_info{version=\"$VERSION\"} 1" ||
    qw_it_fail "no qw_build_info{version=\"$VERSION\"} 1 on /metrics"
kill -TERM "$INGEST"; wait "$INGEST" || true
qw_it_grep '"ingest.policy"' "$QW_IT_DIR/ingest.log" || qw_it_fail "no warning about running without a policy"
rc=0
"$STAGE/usr/bin/qw-ingest" --http-bind not-an-address >/dev/null 2>"$QW_IT_DIR/bind.err" || rc=$?
[[ "$rc" == 2 ]] || qw_it_fail "a bad --http-bind exits $rc, not 2"
qw_it_grep -- "--http-bind not-an-address" "$QW_IT_DIR/bind.err" || qw_it_fail "the bad address is not named"
qw_it_log "staged install: versions, data paths, qw-ingest without a policy, qw_build_info"

# 2. the units
U="$QW_IT_DIR/units"
mkdir -p "$U"
for f in "$STAGE"/usr/lib/systemd/system/qw-*.service; do
    sed "s|ExecStart=/usr/bin/|ExecStart=$STAGE/usr/bin/|" "$f" >"$U/$(basename "$f")"
done
[[ "$(ls "$U")" == "$(printf '%s.service\n' "${SERVICES[@]}" | sort)" ]] ||
    qw_it_fail "expected a unit per service (${SERVICES[*]}), got: $(ls "$U")"
systemd-analyze verify "$U"/*.service >"$QW_IT_DIR/verify.log" 2>&1 || { cat "$QW_IT_DIR/verify.log"; qw_it_fail "systemd-analyze verify failed"; }
qw_it_log "systemd-analyze verify passes"

# 3. the package
(cd "$B" && cpack -G DEB >"$QW_IT_DIR/cpack.log" 2>&1) || { tail -20 "$QW_IT_DIR/cpack.log"; qw_it_fail "cpack failed"; }
DEB="$(ls "$B"/quotawatch_*.deb)"
dpkg-deb -f "$DEB" Depends >"$QW_IT_DIR/depends"
for lib in librdkafka1 libhiredis0.14 libmicrohttpd12 libcurl4 libjansson4 libfyaml0 libyajl2 libprotobuf-c1; do
    qw_it_grep "$lib" "$QW_IT_DIR/depends" || qw_it_fail "the package does not depend on $lib: $(cat "$QW_IT_DIR/depends")"
done
ROOT="$QW_IT_DIR/root"
dpkg -x "$DEB" "$ROOT"
[[ "$(cd / && "$ROOT/usr/bin/qw-evaluator" --version)" == "qw-evaluator $VERSION" ]] || qw_it_fail "unpacked qw-evaluator does not run"
(cd / && "$ROOT/usr/bin/qw-notifier" --help) | qw_it_grep -F "$ROOT/usr/share/quotawatch/templates" ||
    qw_it_fail "unpacked qw-notifier does not find its templates"
if [[ "$(id -u)" == 0 ]]; then
    # Installed for real (not just left "config-files" by an earlier removal): not ours to touch.
    if [[ "$(dpkg-query -W -f='${Status}' quotawatch 2>/dev/null)" == "install ok installed" ]]; then
        qw_it_fail "quotawatch is already installed on this machine: not touching it"
    fi
    trap 'dpkg -P quotawatch >/dev/null 2>&1; qw_it__cleanup' EXIT
    dpkg -i "$DEB" >"$QW_IT_DIR/dpkg.log" 2>&1 || { cat "$QW_IT_DIR/dpkg.log"; qw_it_fail "dpkg -i failed"; }
    [[ "$(cd / && /usr/bin/qw-ingest --version)" == "qw-ingest $VERSION" ]] || qw_it_fail "installed qw-ingest --version"
    systemd-analyze verify /usr/lib/systemd/system/qw-*.service >"$QW_IT_DIR/verify2.log" 2>&1 ||
        { cat "$QW_IT_DIR/verify2.log"; qw_it_fail "installed units do not verify"; }
    dpkg -r quotawatch >"$QW_IT_DIR/dpkg-r.log" 2>&1 || qw_it_fail "dpkg -r failed"
    [[ ! -e /usr/bin/qw-ingest ]] || qw_it_fail "dpkg -r left /usr/bin/qw-ingest"
    dpkg -P quotawatch >"$QW_IT_DIR/dpkg-p.log" 2>&1 || qw_it_fail "dpkg -P failed"
    [[ -z "$(dpkg-query -W -f='${Status}' quotawatch 2>/dev/null)" ]] || qw_it_fail "dpkg -P left the package record"
    qw_it_log "dpkg -i, verify in place, dpkg -r, dpkg -P"
else
    qw_it_log "not root: the package was unpacked and run with dpkg -x, not installed with dpkg -i"
fi
qw_it_log "package $(basename "$DEB") ok"
