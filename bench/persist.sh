#!/usr/bin/env bash
# Tessera vs Redis durability benchmark: SET throughput with the write-ahead log, BGSAVE
# under write load (time, peak memory), restart-to-ready from dump.rdb and from base + log.
#
#   bench/persist.sh path/to/tessera-server [--quick] [--keys N] [--reps R]
#       [--only tput,bgsave,restart,aof] [--tail T] [--keep-logs]
#
#   --keys N   keys for BGSAVE and restarts (default 5,000,000; --quick 500,000)
#   --reps R   repetitions of every measurement, medians reported (default 3)
#   --only     steps to run (default all): tput = SET with appendfsync always and everysec,
#              P1 and P16; bgsave = BGSAVE of N keys under a SET load; restart = SHUTDOWN
#              SAVE then restart from dump.rdb; aof = log enabled + BGREWRITEAOF + a tail of
#              T SETs, then restart with appendonly yes (needs the dump of bgsave/restart)
#   --tail T   SETs written after BGREWRITEAOF for the aof restart (default N/10)
#   --quick    smaller: N 500k, throughput runs 10x shorter
#
# Environment: TESSERA_THREADS (default 1), TESSERA_ARGS (extra tessera flags), REDIS_SERVER,
# REDIS_BENCHMARK, REDIS_CLI, PERSIST_LOAD_TIMEOUT (seconds a server may take to start or
# load its data, default 600), TESSERA_COMMIT.
#
# Each server gets its own --dir under a temp directory, listens on 127.0.0.1 only, and is
# stopped on any exit (bench/lib.sh). Redis runs with the same appendonly / appendfsync /
# save "" as Tessera. bench/persist.py drives each step and writes the report, also saved
# as bench/results/persist-<stamp>.{md,json}.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=persist.sh
HELPER="$BENCH_DIR/persist.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}"
REDIS_CLI="${REDIS_CLI:-/usr/bin/redis-cli}"
TESSERA_THREADS="${TESSERA_THREADS:-1}"
LOAD_TIMEOUT="${PERSIST_LOAD_TIMEOUT:-600}"

# ---------------------------------------------------------------- arguments
KEYS="" REPS=3 TAIL="" ONLY="tput,bgsave,restart,aof"
parse_args "--keys=KEYS --reps=REPS --tail=TAIL --only=ONLY" "$@"
if [[ -z "$KEYS" ]]; then KEYS=5000000; [[ ${#QUICK[@]} -eq 0 ]] || KEYS=500000; fi
TAIL="${TAIL:-$((KEYS / 10))}"
require_positive KEYS REPS TAIL TESSERA_THREADS LOAD_TIMEOUT
parse_only "$ONLY" tput bgsave restart aof

check_tools
for b in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do [[ -x "$b" ]] || die "$b not found"; done

# ---------------------------------------------------------------- process bookkeeping
# fill.resp (hundreds of MB) is regenerated on the next run: not worth keeping.
init_work persist "server logs, data directories and raw JSON" fill.resp

# start <redis|tessera> <dir> <log tag> <appendonly> <appendfsync> [extra args...]
# Starts one server on a free port in its own --dir; sets SPEC (name:port:pid:dir) and T0
# (epoch seconds taken right before the process was started). Does not wait for it.
start() {
  local name="$1" dir="$2" tag="$3" aof="$4" fsync="$5" port
  shift 5
  mkdir -p "$dir"
  port="$(free_port)" || die "could not find a free port"
  if [[ "$name" == redis ]]; then
    T0=$EPOCHREALTIME
    start_server redis "$WORK/$tag-redis.log" "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 \
      --dir "$dir" --save '' --appendonly "$aof" --appendfsync "$fsync" "$@"
  else
    T0=$EPOCHREALTIME
    # shellcheck disable=SC2086  # TESSERA_ARGS is intentionally word-split
    start_server tessera "$WORK/$tag-tessera.log" "$TESSERA" --port "$port" --bind 127.0.0.1 \
      --threads "$TESSERA_THREADS" --dir "$dir" --save '' --appendonly "$aof" --appendfsync "$fsync" \
      "$@" ${TESSERA_ARGS:-}
  fi
  SPEC="$name:$port:$LAST_PID:$dir"
}

# ready <spec> <log tag> [wait-loaded args...]: wait until DBSIZE answers (not -LOADING);
# with --out, the restart-to-ready time is recorded.
ready() {
  local spec="$1" tag="$2" name pid
  shift 2
  name="${spec%%:*}"
  pid="$(cut -d: -f3 <<<"$spec")"
  local rc=0
  py wait-loaded --server "$spec" --t0 "${T0/,/.}" --timeout "$LOAD_TIMEOUT" --out /dev/null "$@" || rc=$?
  if [[ $rc -eq 1 ]]; then  # ready, but not the data it should have: report it, carry on
    echo "persist.sh: $name came up with the wrong data (see above)" >&2
    RC=1
  elif [[ $rc -ne 0 ]]; then
    log_tail "$name" "$WORK/$tag-$name.log"
    die "$name did not become ready"
  fi
  check_exe "$name" "$pid"
}

SERVERS=(redis tessera)
snapdir() { echo "$WORK/$1.snap"; }

# ---------------------------------------------------------------- 1. SET throughput with the log
if [[ $DO_TPUT -eq 1 ]]; then
  for mode in always everysec; do
    echo "persist.sh: == SET throughput, appendonly yes, appendfsync $mode" >&2
    specs=()
    for s in "${SERVERS[@]}"; do
      start "$s" "$WORK/$s.tput-$mode" "tput-$mode" yes "$mode" --auto-aof-rewrite-percentage 0
      specs+=(--server "$SPEC")
      ready "$SPEC" "tput-$mode" --expect-keys 0
    done
    step throughput "${specs[@]}" --mode "$mode" --reps "$REPS" --redis-benchmark "$REDIS_BENCHMARK" \
      --out "$WORK/tput-$mode.json" "${QUICK[@]}" || true
    stop_all
  done
fi

# ---------------------------------------------------------------- 2. BGSAVE (and the dump for restarts)
if [[ $DO_BGSAVE -eq 1 || $DO_RESTART -eq 1 || $DO_AOF -eq 1 ]]; then
  echo "persist.sh: == fill $KEYS keys$([[ $DO_BGSAVE -eq 1 ]] && echo ", BGSAVE under load x $REPS")" >&2
  specs=()
  declare -A SPEC_OF
  for s in "${SERVERS[@]}"; do
    start "$s" "$(snapdir "$s")" snap no everysec
    ready "$SPEC" snap --expect-keys 0
    specs+=(--server "$SPEC")
    SPEC_OF[$s]="$SPEC"
  done
  py fill "${specs[@]}" --keys "$KEYS" --file "$WORK/fill.resp" --out "$WORK/fill.json" \
    || die "could not fill the servers"
  rm -f "$WORK/fill.resp"
  if [[ $DO_BGSAVE -eq 1 ]]; then
    step bgsave "${specs[@]}" --keys "$KEYS" --reps "$REPS" --redis-benchmark "$REDIS_BENCHMARK" \
      --out "$WORK/bgsave.json" || true
  fi
  for s in "${SERVERS[@]}"; do  # the dump the restarts load
    py shutdown --server "${SPEC_OF[$s]}" --mode save --out "$WORK/shutdown-save-$s.json" \
      || die "SHUTDOWN SAVE failed on $s"
  done
  stop_all  # reap
fi

# ---------------------------------------------------------------- 3. restart from dump.rdb
if [[ $DO_RESTART -eq 1 ]]; then
  echo "persist.sh: == restart to ready from dump.rdb ($KEYS keys) x $REPS" >&2
  for ((rep = 1; rep <= REPS; rep++)); do
    order=("${SERVERS[@]}")
    [[ $((rep % 2)) -eq 1 ]] || order=(tessera redis)
    for s in "${order[@]}"; do
      sleep 1
      start "$s" "$(snapdir "$s")" "restart-rdb$rep" no everysec
      ready "$SPEC" "restart-rdb$rep" --kind rdb --rep "$rep" --expect-keys "$KEYS" \
        --out "$WORK/restart-rdb-$s-$rep.json"
      py shutdown --server "$SPEC" --mode nosave || RC=1
      stop_all
    done
  done
fi

# ---------------------------------------------------------------- 4. restart from base + log
if [[ $DO_AOF -eq 1 ]]; then
  echo "persist.sh: == restart to ready from base + log ($KEYS keys, tail $TAIL SETs) x $REPS" >&2
  MARKER="tail-$$-$RANDOM"
  for s in "${SERVERS[@]}"; do
    start "$s" "$(snapdir "$s")" aof-prep no everysec
    ready "$SPEC" aof-prep --expect-keys "$KEYS"
    step aof-prep --server "$SPEC" --keys "$KEYS" --tail "$TAIL" --marker "$MARKER" \
      --redis-benchmark "$REDIS_BENCHMARK" --out "$WORK/aof-prep-$s.json" || true
    py shutdown --server "$SPEC" --mode nosave || RC=1
    stop_all
  done
  for ((rep = 1; rep <= REPS; rep++)); do
    order=("${SERVERS[@]}")
    [[ $((rep % 2)) -eq 1 ]] || order=(tessera redis)
    for s in "${order[@]}"; do
      sleep 1
      start "$s" "$(snapdir "$s")" "restart-aof$rep" yes everysec
      ready "$SPEC" "restart-aof$rep" --kind aof --rep "$rep" --expect-keys $((KEYS + 1)) \
        --marker "$MARKER" --out "$WORK/restart-aof-$s-$rep.json"
      py shutdown --server "$SPEC" --mode nosave || RC=1
      stop_all
    done
  done
fi

# ---------------------------------------------------------------- report
tessera_commit
py report --work "$WORK" --results-dir "$RESULTS_DIR" --tessera-server "$TESSERA" \
  --tessera-args "${TESSERA_ARGS:-}" --tessera-commit "$TESSERA_COMMIT" --threads "$TESSERA_THREADS" \
  --redis-version "$("$REDIS_SERVER" --version 2>/dev/null || echo '?')" --nproc "$(nproc)" \
  --kernel "$(uname -sr)" --reps "$REPS" --command "bench/persist.sh ${ARGV[*]}" || RC=1
exit "$RC"
