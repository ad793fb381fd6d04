#!/usr/bin/env bash
# Tessera vs memcached 1.6 over the memcached protocol: 90% get / 10% set throughput with
# memaslap (TCP text, UDP, optionally binary) and bytes per item, side by side in one run.
#
#   bench/memcache.sh path/to/tessera-server [--quick] [--reps N] [--only tcp,udp,bytes]
#       [--sizes 32,1024] [--duration S] [--items N] [--threads N] [--concurrency C]
#       [--client-threads T] [--keep-logs]
#
#   --only LIST       steps (default tcp,udp,bytes): tcp / udp / binary = throughput over the
#                     text protocol on TCP, over UDP, over the binary protocol on TCP (binary is
#                     not in the default set); bytes = bytes per item
#   --reps N          repetitions of every throughput configuration and of the bytes load,
#                     medians reported (default 3; --quick 1)
#   --sizes LIST      value sizes in bytes for the throughput runs (default 32,1024)
#   --duration S      seconds per throughput run (default 10; --quick 2)
#   --items N         items loaded for bytes per item (default 1,000,000; --quick 100,000)
#   --threads N       memcached -t N and tessera --threads N (default 2)
#   --concurrency C   memaslap -c (connections; default 64)
#   --client-threads T memaslap -T (default 1)
#   --quick           smoke run (~1 minute)
#
# Environment: TESSERA_ARGS (extra tessera flags), MEMCACHED (default /usr/bin/memcached),
# MEMASLAP (default memcaslap, Debian's name for memaslap, from libmemcached-tools),
# BENCH_READY_TIMEOUT (seconds to wait for a server, default 15), TESSERA_COMMIT.
#
# memcached runs as `memcached -l 127.0.0.1 -p P [-U P] -t N -m 4096`; tessera as
# `tessera-server --port R --bind 127.0.0.1 --threads N --save "" --appendonly no --dir D
#  --memcached-port P [--memcached-udp-port P]` (UDP on the TCP port number: memaslap needs
# both on one port). Free ports on 127.0.0.1, each server in its own session, stopped on any
# exit (bench/lib.sh). To test the harness without tessera: bench/fake-tessera-memcached.
# bench/memcache.py drives each step and writes the report, also saved as
# bench/results/memcache-<stamp>.{md,json}.
# shellcheck disable=SC2317  # functions below are reached via trap
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ME=memcache.sh
HELPER="$BENCH_DIR/memcache.py"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

MEMCACHED="${MEMCACHED:-/usr/bin/memcached}"
MEMCACHED_MB=4096

# ---------------------------------------------------------------- arguments
REPS="" ONLY="tcp,udp,bytes" SIZES="32,1024" DURATION="" ITEMS="" THREADS=2
CONCURRENCY=64 CLIENT_THREADS=1
parse_args "--reps=REPS --only=ONLY --sizes=SIZES --duration=DURATION --items=ITEMS --threads=THREADS
  --concurrency=CONCURRENCY --client-threads=CLIENT_THREADS" "$@"
# Defaults; --quick shrinks them, explicit values always win.
if [[ ${#QUICK[@]} -eq 0 ]]; then
  REPS="${REPS:-3}" DURATION="${DURATION:-10}" ITEMS="${ITEMS:-1000000}" WARMUP=3
else
  REPS="${REPS:-1}" DURATION="${DURATION:-2}" ITEMS="${ITEMS:-100000}" WARMUP=1
fi
require_positive REPS DURATION ITEMS THREADS CONCURRENCY CLIENT_THREADS BENCH_READY_TIMEOUT
[[ $((CONCURRENCY % CLIENT_THREADS)) -eq 0 ]] || die "--concurrency must be a multiple of --client-threads (memaslap)"
[[ "$SIZES" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--sizes takes comma-separated positive integers, not '$SIZES'"
for s in ${SIZES//,/ }; do
  [[ $s -le 1048576 ]] || die "value size $s is over memaslap's 1 MB limit"
done
parse_only "$ONLY" tcp udp binary bytes
TRANSPORTS=""
for t in tcp udp binary; do
  v="DO_${t^^}"
  [[ ${!v} -eq 0 ]] || TRANSPORTS="${TRANSPORTS:+$TRANSPORTS,}$t"
done
if [[ $DO_UDP -eq 1 ]]; then
  for s in ${SIZES//,/ }; do
    [[ $s -le 1300 ]] || die "value size $s is too big for UDP (memaslap: one datagram of 1400 bytes); drop udp from --only or the size"
  done
fi

check_tools
[[ -x "$MEMCACHED" ]] || die "memcached not found: $MEMCACHED (Debian package memcached)"
MEMASLAP="${MEMASLAP:-}"
if [[ -n "$TRANSPORTS" ]]; then
  if [[ -z "$MEMASLAP" ]]; then
    MEMASLAP="$(command -v memcaslap || command -v memaslap || true)"
  fi
  [[ -n "$MEMASLAP" && -x "$MEMASLAP" ]] \
    || die "memaslap not found (Debian: apt-get install libmemcached-tools, which installs it as memcaslap; or set MEMASLAP)"
  MEMASLAP="$(command -v "$MEMASLAP")"
fi

# ---------------------------------------------------------------- process bookkeeping
init_work memcache "server logs and raw JSON"

# start_pair <tag> <udp 0|1>: a fresh memcached and tessera; sets SERVER_ARGS for memcache.py.
SERVER_ARGS=()
start_pair() {
  local tag="$1" udp="$2" flag=() ports mport tport rport mlog tlog
  [[ $udp -eq 0 ]] || flag=(--udp)
  ports="$("$PY" "$HELPER" free-ports 3 "${flag[@]}")" || die "could not find free ports"
  read -r mport tport rport <<<"$ports"
  mlog="$WORK/$tag-memcached.log" tlog="$WORK/$tag-tessera.log"
  local mcmd=("$MEMCACHED" "${MEMCACHED_USER[@]}" -l 127.0.0.1 -p "$mport" -U "$([[ $udp -eq 1 ]] && echo "$mport" || echo 0)"
              -t "$THREADS" -m "$MEMCACHED_MB")
  start_server memcached "$mlog" "${mcmd[@]}"
  local mpid=$LAST_PID
  mkdir -p "$WORK/$tag.tessera-data"
  local tcmd=("$TESSERA" --port "$rport" --bind 127.0.0.1 --threads "$THREADS" --save '' --appendonly no
              --dir "$WORK/$tag.tessera-data" --memcached-port "$tport")
  [[ $udp -eq 0 ]] || tcmd+=(--memcached-udp-port "$tport")
  # shellcheck disable=SC2206  # TESSERA_ARGS is intentionally word-split
  tcmd+=(${TESSERA_ARGS:-})
  start_server tessera "$tlog" "${tcmd[@]}"
  local tpid=$LAST_PID
  wait_ready memcached "$mpid" "$mport" "$mlog"  # memcache.py's wait-ready: until `version` answers
  wait_ready tessera "$tpid" "$tport" "$tlog"
  SERVER_ARGS=(--server "memcached:$mport:$mpid:0" --server "tessera:$tport:$tpid:$rport")
  # The exact command lines, for the report (shell-quoted, so `--save ''` shows).
  printf '%s\tmemcached\t%s\n' "$tag" "$(printf '%q ' "${mcmd[@]}")" >>"$WORK/servers.tsv"
  printf '%s\ttessera\t%s\n' "$tag" "$(printf '%q ' "${tcmd[@]}")" >>"$WORK/servers.tsv"
}

# ---------------------------------------------------------------- 1. throughput
if [[ -n "$TRANSPORTS" ]]; then
  echo "$ME: == throughput 90% get / 10% set over $TRANSPORTS, values $SIZES B, ${DURATION}s x $REPS" >&2
  start_pair tput "$DO_UDP"
  step tput "${SERVER_ARGS[@]}" --transports "$TRANSPORTS" --sizes "$SIZES" --reps "$REPS" \
    --duration "$DURATION" --warmup "$WARMUP" --concurrency "$CONCURRENCY" \
    --client-threads "$CLIENT_THREADS" --memaslap "$MEMASLAP" --cfg "$WORK/memaslap.cnf" \
    --out "$WORK/tput.json" || true
  stop_all
fi

# ---------------------------------------------------------------- 2. bytes per item
if [[ $DO_BYTES -eq 1 ]]; then
  for ((rep = 1; rep <= REPS; rep++)); do
    echo "$ME: == bytes per item, rep $rep/$REPS ($ITEMS items)" >&2
    start_pair "bytes$rep" 0
    step bytes "${SERVER_ARGS[@]}" --items "$ITEMS" --rep "$rep" --out "$WORK/bytes-$rep.json" "${QUICK[@]}" || true
    stop_all
  done
fi

# ---------------------------------------------------------------- report
tessera_commit
TOOL_VERSION="n/a"
if [[ -n "$MEMASLAP" ]]; then
  TOOL_VERSION="$("$MEMASLAP" -V 2>&1 | head -n 1 || true)"
  if pkg="$(dpkg-query -W -f '${Package} ${Version}' libmemcached-tools 2>/dev/null)"; then
    TOOL_VERSION="$TOOL_VERSION, $pkg"
  fi
fi
py report --work "$WORK" --results-dir "$RESULTS_DIR" --tessera-server "$TESSERA" \
  --tessera-commit "$TESSERA_COMMIT" --memcached-version "$("$MEMCACHED" -V 2>/dev/null || echo '?')" --memcached-mb "$MEMCACHED_MB" \
  --threads "$THREADS" --tool-version "$TOOL_VERSION" --memaslap "${MEMASLAP:-n/a}" --nproc "$(nproc)" \
  --kernel "$(uname -sr)" --command "bench/memcache.sh ${ARGV[*]}" --only "$ONLY" || RC=1
exit "$RC"
