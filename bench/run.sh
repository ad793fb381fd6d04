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
set +m  # no job control: background servers must not be process-group leaders (see start_server)

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=run.sh
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
PY=/usr/bin/python3
HELPER="$BENCH_DIR/bench.py"
RESULTS_DIR="$BENCH_DIR/results"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}"
TESSERA_THREADS="${TESSERA_THREADS:-1}"
BENCH_RUN_TIMEOUT="${BENCH_RUN_TIMEOUT:-180}"
BENCH_READY_TIMEOUT="${BENCH_READY_TIMEOUT:-15}"

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# ---------------------------------------------------------------- arguments
TESSERA=""
QUICK=()
REPS=3
TESTS="GET,SET,MSET,INCR"
KEEP_LOGS=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --reps) [[ $# -ge 2 ]] || die "--reps needs a value"; REPS="$2"; shift ;;
    --tests) [[ $# -ge 2 ]] || die "--tests needs a value"; TESTS="$2"; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option: $1 (try --help)" ;;
    *) [[ -z "$TESSERA" ]] || die "unexpected argument: $1"; TESSERA="$1" ;;
  esac
  shift
done
[[ -n "$TESSERA" ]] || { usage >&2; die "missing path to tessera-server"; }
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
[[ "$TESSERA_THREADS" =~ ^[1-9][0-9]*$ ]] || die "TESSERA_THREADS must be a positive integer"

resolve_tessera
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found: $REDIS_SERVER"
[[ -x "$REDIS_BENCHMARK" ]] || die "redis-benchmark not found: $REDIS_BENCHMARK"
[[ -x "$PY" ]] || die "$PY not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"

# ---------------------------------------------------------------- process bookkeeping
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")"
PIDS=()
NAMES=()
LAST_PID=""
HELPER_PID=""
FAILED=1  # flipped to 0 on success; decides whether logs are kept

cleanup() {
  local rc=$? i
  trap - EXIT
  trap "" INT TERM  # a second Ctrl-C/TERM must not abort the shutdown below
  # Stop the Python driver first; on SIGTERM it kills its running redis-benchmark (which
  # would otherwise spin forever once the servers are gone).
  stop_helper
  stop_all
  if [[ $FAILED -eq 0 && $KEEP_LOGS -eq 0 ]]; then
    rm -rf "$WORK"
  else
    echo "run.sh: server logs kept in $WORK" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_ready() {  # name pid port logfile
  local name="$1" pid="$2" port="$3" logf="$4"
  if ! "$PY" "$HELPER" wait-ready --name "$name" --pid "$pid" --port "$port" --timeout "$BENCH_READY_TIMEOUT"; then
    echo "---- last lines of $name log ($logf) ----" >&2
    tail -n 20 "$logf" >&2 || true
    echo "----" >&2
    die "$name failed to start"
  fi
  # Sanity: the pid we sample must be the server itself, not a wrapper that forked.
  local exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || echo '?')"
  case "$exe" in
    */setsid|*/bash|*/sh|*/dash)
      die "$name pid $pid is '$exe', not the server; wrappers must 'exec' the server binary" ;;
  esac
  echo "run.sh: $name ready on 127.0.0.1:$port (pid $pid, exe $exe)" >&2
}

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
TESSERA_COMMIT="${TESSERA_COMMIT:-}"
if [[ -z "$TESSERA_COMMIT" ]]; then
  TDIR="$(dirname "$TESSERA")"
  if TESSERA_COMMIT="$(git -C "$TDIR" rev-parse --short HEAD 2>/dev/null)"; then
    if [[ -n "$(git -C "$TDIR" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
      TESSERA_COMMIT="$TESSERA_COMMIT (dirty)"
    fi
  else
    TESSERA_COMMIT="unknown"
  fi
fi

# ---------------------------------------------------------------- benchmark
# Run the driver in the background and `wait` for it: unlike a foreground child, `wait`
# is interrupted by SIGINT/SIGTERM, so the traps (and server shutdown) fire immediately.
set +e
"$PY" "$HELPER" run \
  --redis-port "$P_REDIS" --redis-pid "$PID_REDIS" \
  --tessera-port "$P_TESS" --tessera-pid "$PID_TESS" \
  --redis-server "$REDIS_SERVER" --redis-benchmark "$REDIS_BENCHMARK" \
  --redis-version "${REDIS_VERSION:-?}" \
  --tessera-server "$TESSERA" --tessera-commit "$TESSERA_COMMIT" \
  --tessera-threads "$TESSERA_THREADS" --nproc "$(nproc)" \
  --tests "$TESTS" --reps "$REPS" --run-timeout "$BENCH_RUN_TIMEOUT" \
  --results-dir "$RESULTS_DIR" "${QUICK[@]}" &
HELPER_PID=$!
wait "$HELPER_PID"
rc=$?
HELPER_PID=""
set -e
if [[ $rc -eq 0 ]]; then
  FAILED=0
else
  echo "run.sh: benchmark reported problems (exit $rc); see messages above" >&2
fi
exit "$rc"
