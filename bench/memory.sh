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

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=memory.sh
HELPER="$BENCH_DIR/memory.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
MEMCACHED="${MEMCACHED:-/usr/bin/memcached}"

# ---------------------------------------------------------------- arguments
ONLY="bytes,hits,churn,types"
KEYS="" UNIVERSE="" TRACE_OPS="" CHURN_KEYS="" REPS="" HASHES="" ZSET_MEMBERS=""
parse_args "--only=ONLY --keys=KEYS --universe=UNIVERSE --trace-ops=TRACE_OPS --churn-keys=CHURN_KEYS
  --reps=REPS --hashes=HASHES --zset-members=ZSET_MEMBERS" "$@"

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

check_tools
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found: $REDIS_SERVER"
[[ $DO_BYTES -eq 0 || -x "$MEMCACHED" ]] || die "memcached not found: $MEMCACHED"

# ---------------------------------------------------------------- process bookkeeping
init_work memory "server logs and raw JSON"

# start_<kind> name tag: start one server on a free port, wait for it, and append
# "--server name:proto:port:pid" to SERVER_ARGS (the driver's view of it).
SERVER_ARGS=()
add_server() {  # name proto port logfile
  wait_ready "$1" "$LAST_PID" "$3" "$4" --proto "$2"
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
  local rc=0
  py "$@" "${SERVER_ARGS[@]}" "${QUICK[@]}" || rc=$?
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
tessera_commit
MEMCACHED_VERSION="$("$MEMCACHED" -V 2>/dev/null || echo '?')"
py report --work "$WORK" --results-dir "$RESULTS_DIR" \
  --tessera-server "$TESSERA" --tessera-args "${TESSERA_ARGS:-}" --tessera-commit "$TESSERA_COMMIT" \
  --redis-version "$("$REDIS_SERVER" --version 2>/dev/null || echo '?')" \
  --memcached-version "$MEMCACHED_VERSION" --nproc "$(nproc)" --kernel "$(uname -sr)" \
  --only "$ONLY" "${QUICK[@]}" || RC=1
exit "$RC"
