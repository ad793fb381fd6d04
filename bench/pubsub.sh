#!/usr/bin/env bash
# Tessera vs redis-server 7: PUBLISH fan-out to many subscribers of one channel, side by side
# in one run (messages delivered per second, PUBLISH ops/s, server CPU per delivered message).
#
#   bench/pubsub.sh path/to/tessera-server [--quick] [--reps N] [--subscribers N]
#       [--size B] [--duration S] [--threads N] [--pipeline P] [--keep-logs]
#
#   --reps N          repetitions per server, servers alternating (default 3; --quick 1)
#   --subscribers N   subscriber connections (default 100)
#   --size B          message payload bytes (default 32)
#   --duration S      measured seconds per run after a warm-up (default 10; --quick 3)
#   --threads N       tessera --threads N (default 2)
#   --pipeline P      PUBLISH commands per publisher batch (default 32)
#   --quick           smoke run (~20 s)
#
# Environment: REDIS_SERVER (default /usr/bin/redis-server), TESSERA_ARGS (extra tessera
# flags), BENCH_READY_TIMEOUT, TESSERA_COMMIT. Both servers run without persistence on free
# ports of 127.0.0.1, each in its own session, stopped on any exit (bench/lib.sh).
# bench/pubsub.py drives the load and writes the report, also saved as
# bench/results/pubsub-<stamp>.{md,json}.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=pubsub.sh
HELPER="$BENCH_DIR/pubsub.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REPS="" SUBSCRIBERS=100 SIZE=32 DURATION="" THREADS=2 PIPELINE=32
SUB_PROCS=2 WINDOW=2000 WARMUP=2
parse_args "--reps=REPS --subscribers=SUBSCRIBERS --size=SIZE --duration=DURATION --threads=THREADS
  --pipeline=PIPELINE" "$@"
if [[ ${#QUICK[@]} -eq 0 ]]; then
  REPS="${REPS:-3}" DURATION="${DURATION:-10}"
else
  REPS="${REPS:-1}" DURATION="${DURATION:-3}" WARMUP=1
fi
require_positive REPS SUBSCRIBERS SIZE DURATION THREADS PIPELINE BENCH_READY_TIMEOUT
check_tools
[[ -x "$REDIS_SERVER" ]] || die "redis-server not found: $REDIS_SERVER"
init_work pubsub "server logs and raw JSON"

read -r P_REDIS P_TESSERA <<<"$(free_port) $(free_port)"
start_server redis "$WORK/redis.log" "$REDIS_SERVER" --port "$P_REDIS" --bind 127.0.0.1 \
  --save '' --appendonly no
REDIS_PID=$LAST_PID
# shellcheck disable=SC2206  # TESSERA_ARGS is intentionally word-split
TCMD=("$TESSERA" --port "$P_TESSERA" --bind 127.0.0.1 --threads "$THREADS" --save '' \
  --appendonly no --dir "$WORK" ${TESSERA_ARGS:-})
start_server tessera "$WORK/tessera.log" "${TCMD[@]}"
TESSERA_PID=$LAST_PID
wait_ready redis "$REDIS_PID" "$P_REDIS" "$WORK/redis.log"
wait_ready tessera "$TESSERA_PID" "$P_TESSERA" "$WORK/tessera.log"

for ((rep = 1; rep <= REPS; rep++)); do
  order=("redis:$P_REDIS:$REDIS_PID" "tessera:$P_TESSERA:$TESSERA_PID")
  [[ $((rep % 2)) -eq 1 ]] || order=("${order[1]}" "${order[0]}")
  for srv in "${order[@]}"; do
    echo "$ME: == ${srv%%:*} rep $rep/$REPS: $SUBSCRIBERS subscribers, ${SIZE}-byte messages, ${DURATION}s" >&2
    step fanout --server "$srv" --rep "$rep" --subscribers "$SUBSCRIBERS" --sub-procs "$SUB_PROCS" \
      --pipeline "$PIPELINE" --window "$WINDOW" --size "$SIZE" --duration "$DURATION" \
      --warmup "$WARMUP" --out "$WORK/fanout-$rep-${srv%%:*}.json" || true
  done
done
stop_all

tessera_commit
py report --work "$WORK" --results-dir "$RESULTS_DIR" --tessera-commit "$TESSERA_COMMIT" \
  --redis-version "$("$REDIS_SERVER" --version)" --threads "$THREADS" --nproc "$(nproc)" \
  --kernel "$(uname -sr)" --command "bench/pubsub.sh ${ARGV[*]}" --subscribers "$SUBSCRIBERS" \
  --sub-procs "$SUB_PROCS" --pipeline "$PIPELINE" --window "$WINDOW" --size "$SIZE" \
  --duration "$DURATION" --warmup "$WARMUP" --reps "$REPS" || RC=1
exit "$RC"
