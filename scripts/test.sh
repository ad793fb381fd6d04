#!/usr/bin/env bash
# Runs every test: the gtest unit tests (ctest) and the black-box pytest suite against the
# release binary with 1 and 4 shard threads (no-hop path, cross-shard paths), the files whose
# behaviour depends on the shard count again with 2 (SCAN cursors, routing, blocking,
# transactions, pub/sub), the tests of the connection and I/O layer again with the io_uring
# engine (the engine changes nothing below it), then both against an AddressSanitizer + UBSan build with 4 threads (a crash, a
# leak or undefined behaviour fails the run). Ends with one summary line:
# "test: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
asan=${ASAN_BUILD:-build-asan}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0

run() {  # run NAME CMD...: runs CMD, keeps its output for the summary
  local name=$1
  shift
  echo "== $name"
  "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "== $name: FAILED (rc=$rc)"; status=1; }
}

run unit ctest --test-dir "$build" --output-on-failure -j 2
for t in 1 4; do
  run "blackbox-threads$t" env TESSERA_BIN="$PWD/$build/tessera-server" TESSERA_TEST_THREADS=$t \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests
done
two_tests=(tests/test_protocol.py tests/test_keys.py tests/test_blocking.py tests/test_transactions.py
  tests/test_pubsub.py tests/test_streams.py tests/test_memcache_text.py)
run blackbox-threads2 env TESSERA_BIN="$PWD/$build/tessera-server" TESSERA_TEST_THREADS=2 \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${two_tests[@]}"
io_tests=(tests/test_protocol.py tests/test_connection.py tests/test_limits.py tests/test_scale.py
  tests/test_client.py tests/test_blocking.py tests/test_atomicity.py tests/test_server_cmds.py
  tests/test_memcache_text.py tests/test_memcache_binary.py tests/test_memcache_udp.py)
run blackbox-io_uring env TESSERA_BIN="$PWD/$build/tessera-server" TESSERA_TEST_IO_ENGINE=io_uring \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${io_tests[@]}"

echo "== building $asan (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DTESSERA_SANITIZE=ON >/dev/null &&
  cmake --build "$asan" -j "$(nproc)" >/dev/null || { echo "== asan build: FAILED"; status=1; }
if [ -x "$asan/tessera-server" ]; then
  run unit-asan ctest --test-dir "$asan" --output-on-failure -j 2
  run blackbox-asan env TESSERA_BIN="$PWD/$asan/tessera-server" TESSERA_TEST_THREADS=4 \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests
fi

# Totals from ctest ("N tests failed out of M") and pytest ("N passed, M failed, ...").
passed=0
failed=0
for f in "$logs"/unit*.log; do
  [ -f "$f" ] || continue
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$f" | tail -1)
  total=$(sed -nE 's/.*out of ([0-9]+).*/\1/p' <<<"$line")
  bad=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' <<<"$line")
  passed=$((passed + ${total:-0} - ${bad:-0}))
  failed=$((failed + ${bad:-0}))
done
for f in "$logs"/blackbox*.log; do
  [ -f "$f" ] || continue
  line=$(grep -E "[0-9]+ (passed|failed)" "$f" | tail -1)
  p=$(grep -oE "[0-9]+ passed" <<<"$line" | grep -oE "[0-9]+")
  x=$(grep -oE "[0-9]+ (failed|error|errors)" <<<"$line" | awk '{s += $1} END {print s + 0}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${x:-0}))
done
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "test: $passed passed, $failed failed"
exit $status
