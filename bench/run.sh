#!/usr/bin/env bash
# Tessera vs Redis side-by-side benchmark.
#
#   bench/run.sh path/to/tessera-server [--quick] [--reps N] [--tests GET,SET,MSET,INCR] [--keep-logs]
#
# Tests (--tests, comma-separated, in this order): default GET,SET,MSET,INCR; also LPUSH,
# LPOP, SADD, SPOP, HSET (redis-benchmark built-ins) and ZADD, ZRANGE100, ZRANK (explicit
# commands). A test whose commands fail on either server is reported as n/a.
#
# Environment:
#   TESSERA_THREADS    value for tessera-server --threads (default 1)
#   TESSERA_ARGS       extra arguments appended to the tessera-server command line
#   REDIS_SERVER       redis-server binary (default /usr/bin/redis-server)
#   REDIS_BENCHMARK    redis-benchmark binary (default /usr/bin/redis-benchmark)
#   BENCH_RUN_TIMEOUT  seconds before a single redis-benchmark run is declared hung (default 180)
#   BENCH_READY_TIMEOUT seconds to wait for a server to answer PING (default 15)
#
# Both servers listen on 127.0.0.1 only, on free ephemeral ports, and are stopped on exit
# (normal exit, error, Ctrl-C). See bench/README.md for what the table columns mean.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=run.sh
HELPER="$BENCH_DIR/bench.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}"
TESSERA_THREADS="${TESSERA_THREADS:-1}"
BENCH_RUN_TIMEOUT="${BENCH_RUN_TIMEOUT:-180}"

# ---------------------------------------------------------------- arguments
REPS=3
TESTS="GET,SET,MSET,INCR"
parse_args "--reps=REPS --tests=TESTS" "$@"
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
[[ "$TESSERA_THREADS" =~ ^[1-9][0-9]*$ ]] || die "TESSERA_THREADS must be a positive integer"

check_tools
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found: $REDIS_SERVER"
[[ -x "$REDIS_BENCHMARK" ]] || die "redis-benchmark not found: $REDIS_BENCHMARK"

# ---------------------------------------------------------------- process bookkeeping
init_work bench "server logs"
READY_SHOW_EXE=1

# ---------------------------------------------------------------- start servers
read -r P_REDIS P_TESS < <("$PY" "$HELPER" free-ports 2) || die "could not find free ports"
[[ -n "${P_TESS:-}" ]] || die "could not find free ports"

start_server redis "$WORK/redis.log" "$REDIS_SERVER" --port "$P_REDIS" --bind 127.0.0.1 \
  --save '' --appendonly no --dir "$WORK"
PID_REDIS=$LAST_PID
# shellcheck disable=SC2086  # TESSERA_ARGS is intentionally word-split
start_server tessera "$WORK/tessera.log" "$TESSERA" --port "$P_TESS" --bind 127.0.0.1 \
  --save '' --appendonly no --dir "$WORK" --threads "$TESSERA_THREADS" ${TESSERA_ARGS:-}
PID_TESS=$LAST_PID

wait_ready redis "$PID_REDIS" "$P_REDIS" "$WORK/redis.log"
wait_ready tessera "$PID_TESS" "$P_TESS" "$WORK/tessera.log"

# ---------------------------------------------------------------- metadata
REDIS_VERSION="$("$REDIS_SERVER" --version 2>/dev/null | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
tessera_commit

# ---------------------------------------------------------------- benchmark
rc=0
py run \
  --redis-port "$P_REDIS" --redis-pid "$PID_REDIS" \
  --tessera-port "$P_TESS" --tessera-pid "$PID_TESS" \
  --redis-server "$REDIS_SERVER" --redis-benchmark "$REDIS_BENCHMARK" \
  --redis-version "${REDIS_VERSION:-?}" \
  --tessera-server "$TESSERA" --tessera-commit "$TESSERA_COMMIT" \
  --tessera-threads "$TESSERA_THREADS" --nproc "$(nproc)" \
  --tests "$TESTS" --reps "$REPS" --run-timeout "$BENCH_RUN_TIMEOUT" \
  --results-dir "$RESULTS_DIR" "${QUICK[@]}" || rc=$?
if [[ $rc -ne 0 ]]; then
  RC=1  # keeps the logs
  echo "run.sh: benchmark reported problems (exit $rc); see messages above" >&2
fi
exit "$rc"
