#!/usr/bin/env bash
# Tessera memory benchmark: bytes per key, hit ratio under eviction, fragmentation after
# churn, bytes per element of hashes and sorted sets, each measured side by side against
# redis-server (and memcached for bytes/key).
#
#   bench/memory.sh path/to/tessera-server [--quick] [--only bytes|hits|churn|types[,...]]
#       [--keys N] [--universe U] [--trace-ops M] [--churn-keys N] [--reps R]
#       [--hashes N] [--zset-members M] [--keep-logs]
#
#   --keys N        bytes/key: keys loaded per server (default 1,000,000)
#   --reps R        bytes/key: repetitions, fresh servers each, medians reported (default 3)
#   --universe U    hit ratio: Zipf key universe (default 200,000)
#   --trace-ops M   hit ratio: trace length (default 2,000,000)
#   --churn-keys N  fragmentation: keys rewritten each round (default 200,000)
#   --hashes N      types: hashes of 10 fields loaded with HSET (default 100,000)
#   --zset-members M types: members of the one sorted set loaded with ZADD (default 1,000,000)
#   --quick         every size above 10x smaller and 1 rep (unless given explicitly)
#
# Environment: TESSERA_ARGS (extra tessera-server flags), REDIS_SERVER, MEMCACHED,
# BENCH_READY_TIMEOUT (seconds to wait for a server, default 15), TESSERA_COMMIT.
#
# This script owns the server processes (free ports, setsid, readiness, trap-based stop);
# bench/memory.py drives each experiment over 127.0.0.1 and writes the report, which is
# also saved under bench/results/. See bench/README.md for what is measured and how.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail
set +m  # no job control: background servers must not be process-group leaders (see start_server)

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=memory.sh
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
PY=/usr/bin/python3
HELPER="$BENCH_DIR/memory.py"
PORTS_HELPER="$BENCH_DIR/bench.py"
RESULTS_DIR="$BENCH_DIR/results"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
MEMCACHED="${MEMCACHED:-/usr/bin/memcached}"
BENCH_READY_TIMEOUT="${BENCH_READY_TIMEOUT:-15}"

usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# ---------------------------------------------------------------- arguments
TESSERA=""
QUICK=()
ONLY="bytes,hits,churn,types"
KEYS="" UNIVERSE="" TRACE_OPS="" CHURN_KEYS="" REPS="" HASHES="" ZSET_MEMBERS=""
KEEP_LOGS=0
need() { [[ $2 -ge 2 ]] || die "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --only) need "$1" $#; ONLY="$2"; shift ;;
    --keys) need "$1" $#; KEYS="$2"; shift ;;
    --universe) need "$1" $#; UNIVERSE="$2"; shift ;;
    --trace-ops) need "$1" $#; TRACE_OPS="$2"; shift ;;
    --churn-keys) need "$1" $#; CHURN_KEYS="$2"; shift ;;
    --reps) need "$1" $#; REPS="$2"; shift ;;
    --hashes) need "$1" $#; HASHES="$2"; shift ;;
    --zset-members) need "$1" $#; ZSET_MEMBERS="$2"; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option: $1 (try --help)" ;;
    *) [[ -z "$TESSERA" ]] || die "unexpected argument: $1"; TESSERA="$1" ;;
  esac
  shift
done
[[ -n "$TESSERA" ]] || { usage >&2; die "missing path to tessera-server"; }

# Defaults, shrunk 10x by --quick; explicit values always win.
div=1; [[ ${#QUICK[@]} -gt 0 ]] && div=10
KEYS="${KEYS:-$((1000000 / div))}"
UNIVERSE="${UNIVERSE:-$((200000 / div))}"
TRACE_OPS="${TRACE_OPS:-$((2000000 / div))}"
CHURN_KEYS="${CHURN_KEYS:-$((200000 / div))}"
HASHES="${HASHES:-$((100000 / div))}"
ZSET_MEMBERS="${ZSET_MEMBERS:-$((1000000 / div))}"
if [[ -z "$REPS" ]]; then REPS=3; [[ $div -eq 1 ]] || REPS=1; fi
require_positive KEYS UNIVERSE TRACE_OPS CHURN_KEYS REPS HASHES ZSET_MEMBERS
parse_only "$ONLY" bytes hits churn types

resolve_tessera
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found: $REDIS_SERVER"
[[ $DO_BYTES -eq 0 || -x "$MEMCACHED" ]] || die "memcached not found: $MEMCACHED"
[[ -x "$PY" ]] || die "$PY not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
# memcached refuses to run as root without -u; it then drops to that user.
MEMCACHED_USER=()
[[ $(id -u) -eq 0 ]] && MEMCACHED_USER=(-u nobody)

# ---------------------------------------------------------------- process bookkeeping
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-memory.XXXXXX")"
PIDS=()
NAMES=()
LAST_PID=""
HELPER_PID=""
RC=0  # becomes 1 when any experiment reports a problem; decides whether logs are kept

cleanup() {
  local rc=$? i
  trap - EXIT
  trap "" INT TERM  # a second Ctrl-C/TERM must not abort the shutdown below
  stop_helper
  stop_all
  if [[ $rc -eq 0 && $KEEP_LOGS -eq 0 ]]; then
    rm -rf "$WORK"
  else
    echo "memory.sh: server logs and raw JSON kept in $WORK" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_ready() {  # name proto pid port logfile
  local name="$1" proto="$2" pid="$3" port="$4" logf="$5" exe
  if ! "$PY" "$HELPER" wait-ready --name "$name" --proto "$proto" --pid "$pid" --port "$port" \
      --timeout "$BENCH_READY_TIMEOUT"; then
    echo "---- last lines of $name log ($logf) ----" >&2
    tail -n 20 "$logf" >&2 || true
    echo "----" >&2
    die "$name failed to start"
  fi
  # The pid we read VmRSS from must be the server itself, not a wrapper that forked.
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || echo '?')"
  case "$exe" in
    */setsid|*/bash|*/sh|*/dash)
      die "$name pid $pid is '$exe', not the server; wrappers must 'exec' the server binary" ;;
  esac
  echo "memory.sh: $name ready on 127.0.0.1:$port (pid $pid)" >&2
}

# start_<kind> name tag: start one server on a free port, wait for it, and append
# "--server name:proto:port:pid" to SERVER_ARGS (the driver's view of it).
SERVER_ARGS=()
free_port() { "$PY" "$PORTS_HELPER" free-ports 1; }
add_server() {  # name proto port logfile
  wait_ready "$1" "$2" "$LAST_PID" "$3" "$4"
  SERVER_ARGS+=(--server "$1:$2:$3:$LAST_PID")
}
start_redis() {
  local port log="$WORK/$2-$1.log"
  port="$(free_port)" || die "could not find a free port"
  start_server "$1" "$log" "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 \
    --save '' --appendonly no --dir "$WORK"
  add_server "$1" resp "$port" "$log"
}
start_memcached() {
  local port log="$WORK/$2-$1.log"
  port="$(free_port)" || die "could not find a free port"
  start_server "$1" "$log" "$MEMCACHED" "${MEMCACHED_USER[@]}" -l 127.0.0.1 -p "$port" \
    -U 0 -m 4096 -t 1
  add_server "$1" memcache "$port" "$log"
}
start_tessera() {
  local port log="$WORK/$2-$1.log"
  port="$(free_port)" || die "could not find a free port"
  mkdir -p "$WORK/$1.data"  # each instance its own data directory (one lock each)
  # shellcheck disable=SC2086  # TESSERA_ARGS is intentionally word-split
  start_server "$1" "$log" "$TESSERA" --port "$port" --bind 127.0.0.1 --threads 1 \
    --save '' --appendonly no --dir "$WORK/$1.data" ${TESSERA_ARGS:-}
  add_server "$1" resp "$port" "$log"
}

run_driver() {  # memory.py subcommand args...; a failure marks the run, the next experiment still runs
  local rc
  # Background + `wait`: unlike a foreground child, `wait` is interrupted by SIGINT/SIGTERM,
  # so the traps (and server shutdown) fire immediately.
  set +e
  "$PY" "$HELPER" "$@" "${SERVER_ARGS[@]}" "${QUICK[@]}" &
  HELPER_PID=$!
  wait "$HELPER_PID"
  rc=$?
  HELPER_PID=""
  set -e
  if [[ $rc -ne 0 ]]; then
    echo "memory.sh: '$1' reported problems (exit $rc)" >&2
    RC=1
  fi
  SERVER_ARGS=()
  stop_all
}

# ---------------------------------------------------------------- experiments
if [[ $DO_BYTES -eq 1 ]]; then
  for ((rep = 1; rep <= REPS; rep++)); do
    echo "memory.sh: == bytes per key, rep $rep/$REPS ($KEYS keys)" >&2
    start_redis redis "bytes$rep"
    start_memcached memcached "bytes$rep"
    start_tessera tessera "bytes$rep"
    run_driver bytes --keys "$KEYS" --out "$WORK/bytes-$rep.json"
  done
fi
if [[ $DO_HITS -eq 1 ]]; then
  echo "memory.sh: == hit ratio under eviction (U=$UNIVERSE, $TRACE_OPS ops)" >&2
  start_redis redis hits
  start_tessera tessera hits
  run_driver hits --universe "$UNIVERSE" --trace-ops "$TRACE_OPS" --out "$WORK/hits.json"
fi
if [[ $DO_CHURN -eq 1 ]]; then
  echo "memory.sh: == fragmentation after churn ($CHURN_KEYS keys)" >&2
  start_redis redis churn
  start_redis redis-activedefrag churn
  start_tessera tessera churn
  run_driver churn --keys "$CHURN_KEYS" --out "$WORK/churn.json"
fi
if [[ $DO_TYPES -eq 1 ]]; then
  # Fresh servers for each structure, so neither load sees the other's allocator state.
  echo "memory.sh: == data types: $HASHES hashes x 10 fields (HSET)" >&2
  start_redis redis types-hash
  start_tessera tessera types-hash
  run_driver types --kind hash --count "$HASHES" --out "$WORK/types-hash.json"
  echo "memory.sh: == data types: one sorted set of $ZSET_MEMBERS members (ZADD)" >&2
  start_redis redis types-zset
  start_tessera tessera types-zset
  run_driver types --kind zset --count "$ZSET_MEMBERS" --out "$WORK/types-zset.json"
fi

# ---------------------------------------------------------------- report
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
MEMCACHED_VERSION="$("$MEMCACHED" -V 2>/dev/null || echo '?')"
set +e
"$PY" "$HELPER" report --work "$WORK" --results-dir "$RESULTS_DIR" \
  --tessera-server "$TESSERA" --tessera-args "${TESSERA_ARGS:-}" --tessera-commit "$TESSERA_COMMIT" \
  --redis-version "$("$REDIS_SERVER" --version 2>/dev/null || echo '?')" \
  --memcached-version "$MEMCACHED_VERSION" --nproc "$(nproc)" --kernel "$(uname -sr)" \
  --only "$ONLY" "${QUICK[@]}"
rc=$?
set -e
[[ $rc -eq 0 ]] || RC=1
exit "$RC"
