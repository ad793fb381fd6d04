#!/usr/bin/env bash
# Tessera vs Redis on streams: XADD, XREADGROUP and XACK throughput at pipeline 16 and the
# server CPU per operation, plus bytes per entry, side by side in one run.
#
#   bench/streams.sh path/to/tessera-server [--quick] [--reps N] [--n N] [--keep-logs]
#
#   --n N      operations per run (default 1,000,000; --quick 100,000)
#   --reps N   repetitions, medians reported (default 3; --quick 1)
#   --quick    smoke run (~30 s)
#
# Environment: TESSERA_THREADS (default 1), TESSERA_ARGS (extra tessera flags), REDIS_SERVER,
# REDIS_BENCHMARK, BENCH_READY_TIMEOUT, TESSERA_COMMIT.
#
# Both servers listen on 127.0.0.1 on free ports, without persistence, each in its own session,
# stopped on any exit (bench/lib.sh). bench/streams.py drives the runs and writes the report,
# also saved as bench/results/streams-<stamp>.{md,json}.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=streams.sh
HELPER="$BENCH_DIR/streams.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}"
TESSERA_THREADS="${TESSERA_THREADS:-1}"

REPS="" N=1000000
parse_args "--reps=REPS --n=N" "$@"
if [[ ${#QUICK[@]} -eq 0 ]]; then REPS="${REPS:-3}"; else REPS="${REPS:-1}"; fi
require_positive REPS N TESSERA_THREADS
check_tools
for b in "$REDIS_SERVER" "$REDIS_BENCHMARK"; do [[ -x "$b" ]] || die "$b not found"; done

init_work streams "server logs and raw JSON"
read -r RPORT TPORT <<<"$(free_port) $(free_port)"
[[ "$RPORT" != "$TPORT" ]] || TPORT="$(free_port)"
start_server redis "$WORK/redis.log" "$REDIS_SERVER" --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no
RPID=$LAST_PID
# shellcheck disable=SC2206  # TESSERA_ARGS is intentionally word-split
TCMD=("$TESSERA" --port "$TPORT" --bind 127.0.0.1 --threads "$TESSERA_THREADS" --save '' --appendonly no
      --dir "$WORK" ${TESSERA_ARGS:-})
start_server tessera "$WORK/tessera.log" "${TCMD[@]}"
TPID=$LAST_PID
wait_ready redis "$RPID" "$RPORT" "$WORK/redis.log"
wait_ready tessera "$TPID" "$TPORT" "$WORK/tessera.log"

step run --server "redis:$RPORT:$RPID" --server "tessera:$TPORT:$TPID" --n "$N" --reps "$REPS" \
  --redis-benchmark "$REDIS_BENCHMARK" --out "$WORK/run.json" "${QUICK[@]}" || true
stop_all

tessera_commit
py report --work "$WORK" --results-dir "$RESULTS_DIR" --tessera-server "$TESSERA" \
  --tessera-commit "$TESSERA_COMMIT" --threads "$TESSERA_THREADS" \
  --redis-version "$("$REDIS_SERVER" --version)" --nproc "$(nproc)" --kernel "$(uname -sr)" \
  --command "bench/streams.sh ${ARGV[*]}" || RC=1
exit "$RC"
