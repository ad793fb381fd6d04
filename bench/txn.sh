#!/usr/bin/env bash
# Tessera vs redis-server: MULTI / EXEC throughput (a transaction of 5 commands: MULTI, SET,
# SET, GET, GET, SET, EXEC), pipelined over many connections, side by side in one run.
#
#   bench/txn.sh path/to/tessera-server [--quick] [--reps N] [--duration S] [--threads N]
#       [--conns C] [--depth D] [--keep-logs]
#
#   --reps N       repetitions of each load, medians reported (default 3; --quick 1)
#   --duration S   seconds measured per run, after 1 s of warm-up (default 5; --quick 2)
#   --threads N    tessera --threads (default 2)
#   --conns C      connections (default 32), all from one client thread (bench/txn_load.cc,
#                  compiled by this script with g++)
#   --depth D      transactions in flight per connection (default 4)
#
# Two loads: "spread" (the keys of a transaction have no hash tag: at --threads > 1 EXEC runs
# atomically over several shards) and "tagged" (one hash tag: one shard). redis-server runs as
# `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no`, tessera as
# `tessera-server --port P --bind 127.0.0.1 --threads N --save '' --appendonly no`.
# Environment: TESSERA_ARGS, REDIS_SERVER, BENCH_READY_TIMEOUT, TESSERA_COMMIT. bench/txn.py
# drives each run and writes the report, also saved as bench/results/txn-<stamp>.{md,json}.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=txn.sh
HELPER="$BENCH_DIR/txn.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REPS="" DURATION="" THREADS=2 CONNS=32 DEPTH=4
parse_args "--reps=REPS --duration=DURATION --threads=THREADS --conns=CONNS --depth=DEPTH" "$@"
if [[ ${#QUICK[@]} -eq 0 ]]; then REPS="${REPS:-3}" DURATION="${DURATION:-5}"; else REPS="${REPS:-1}" DURATION="${DURATION:-2}"; fi
require_positive REPS DURATION THREADS CONNS DEPTH BENCH_READY_TIMEOUT
check_tools
[[ -x "$REDIS_SERVER" ]] || die "$REDIS_SERVER not found"
tessera_commit
init_work txn "server logs and raw JSON"
g++ -O2 -std=c++20 -o "$WORK/txn_load" "$BENCH_DIR/txn_load.cc" || die "could not build bench/txn_load.cc"

port="$(free_port)" || die "could not find a free port"
start_server redis "$WORK/redis.log" "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' --appendonly no
wait_ready redis "$LAST_PID" "$port" "$WORK/redis.log"
SPECS=("redis:$port:$LAST_PID")
port="$(free_port)" || die "could not find a free port"
mkdir -p "$WORK/tessera"
# shellcheck disable=SC2086  # TESSERA_ARGS is intentionally word-split
start_server tessera "$WORK/tessera.log" "$TESSERA" --port "$port" --bind 127.0.0.1 --threads "$THREADS" \
  --save '' --appendonly no --dir "$WORK/tessera" ${TESSERA_ARGS:-}
wait_ready tessera "$LAST_PID" "$port" "$WORK/tessera.log"
SPECS+=("tessera:$port:$LAST_PID")

LOAD=(--conns "$CONNS" --depth "$DEPTH" --duration "$DURATION")
for ((rep = 1; rep <= REPS; rep++)); do
  for variant in spread tagged; do
    order=("${SPECS[@]}")
    [[ $((rep % 2)) -eq 1 ]] || order=("${SPECS[1]}" "${SPECS[0]}")  # alternate who goes first
    for spec in "${order[@]}"; do
      step run --server "$spec" --variant "$variant" --rep "$rep" --load-tool "$WORK/txn_load" "${LOAD[@]}" \
        --out "$WORK/txn-${spec%%:*}-$variant-$rep.json" || true
    done
  done
done
py report --work "$WORK" --results-dir "$RESULTS_DIR" --commit "$TESSERA_COMMIT" --threads "$THREADS" \
  --reps "$REPS" "${LOAD[@]}" || RC=1
