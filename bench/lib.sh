# shellcheck shell=bash disable=SC2034  # the globals set here are used by the sourcing scripts
# Command line, process bookkeeping and report metadata shared by bench/run.sh,
# bench/memory.sh, bench/persist.sh and bench/memcache.sh (sourced, not run).
# The sourcing script sets BENCH_DIR (this directory), ME (its name, for messages) and HELPER
# (its Python driver) first; parse_args reads its command line, and init_work creates WORK (the
# servers' working directory), PIDS, NAMES, HELPER_PID and RC (1 once a step reported a
# problem) and installs the traps that stop everything on exit.

set +m  # no job control: background servers must not be process-group leaders (see start_server)
PY=/usr/bin/python3
RESULTS_DIR="$BENCH_DIR/results"
BENCH_READY_TIMEOUT="${BENCH_READY_TIMEOUT:-15}"
# memcached refuses to run as root without -u; it then drops to that user.
MEMCACHED_USER=()
[[ $(id -u) -ne 0 ]] || MEMCACHED_USER=(-u nobody)

usage() {  # the sourcing script's header comment, from line 2 up to its shellcheck directive
  awk 'NR == 1 { next } /^# shellcheck/ || !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
}

alive() {  # pid -> true if running (not a zombie)
  local line
  read -r line 2>/dev/null </proc/"$1"/stat || return 1
  line="${line##*) }"
  [[ "${line%% *}" != "Z" && "${line%% *}" != "X" ]]
}

stop_server() {  # pid name
  local pid="$1" name="$2" i
  # Each server runs in its own session/process group (setsid): signal the whole group
  # so that anything it forked goes too; fall back to the pid itself.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    echo "$ME: $name (pid $pid) ignored SIGTERM for 5s, sending SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do alive "$pid" || break; sleep 0.1; done
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true  # stragglers left in its group
  wait "$pid" 2>/dev/null || true             # reap
  if alive "$pid"; then echo "$ME: WARNING: could not stop $name (pid $pid)" >&2; fi
}

stop_all() {  # stop every server started so far, newest first
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    stop_server "${PIDS[$i]}" "${NAMES[$i]}"
  done
  PIDS=()
  NAMES=()
}

stop_helper() {  # stop the Python driver first: on SIGTERM it kills what it runs
  local i
  if [[ -n "$HELPER_PID" ]] && alive "$HELPER_PID"; then
    kill -TERM "$HELPER_PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$HELPER_PID" || break; sleep 0.1; done
    kill -KILL "$HELPER_PID" 2>/dev/null || true
    wait "$HELPER_PID" 2>/dev/null || true
  fi
}

start_server() {  # name logfile cmd... ; sets LAST_PID
  local name="$1" logf="$2"
  shift 2
  echo "$ME: starting $name: $*" >&2
  # Not a group leader (no job control), so setsid(1) calls setsid() and execs in place:
  # $! is the server's own pid, which is what /proc/PID sampling needs.
  ( cd "$WORK" && exec setsid "$@" >"$logf" 2>&1 </dev/null ) &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  NAMES+=("$name")
}

die() { echo "$ME: error: $*" >&2; exit 1; }

# parse_args 'OPT=VAR ...' ARGS...: the command line every harness shares. One positional
# argument, the tessera-server to measure (TESSERA, required); --quick (QUICK=(--quick), passed
# on to the drivers); --keep-logs (KEEP_LOGS=1); -h/--help. Each OPT=VAR in the first argument
# is an option that takes a value, stored in VAR (e.g. '--reps=REPS --only=ONLY'). ARGV keeps
# the arguments as given, for the report's command line.
parse_args() {
  local -A var_of=()
  local spec
  for spec in $1; do var_of["${spec%%=*}"]="${spec#*=}"; done
  shift
  ARGV=("$@")
  TESSERA=""
  QUICK=()
  KEEP_LOGS=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --quick) QUICK=(--quick) ;;
      --keep-logs) KEEP_LOGS=1 ;;
      -h|--help) usage; exit 0 ;;
      -*)
        [[ -n "${var_of[$1]:-}" ]] || die "unknown option: $1 (try --help)"
        [[ $# -ge 2 ]] || die "$1 needs a value"
        printf -v "${var_of[$1]}" '%s' "$2"
        shift ;;
      *) [[ -z "$TESSERA" ]] || die "unexpected argument: $1"; TESSERA="$1" ;;
    esac
    shift
  done
  [[ -n "$TESSERA" ]] || { usage >&2; die "missing path to tessera-server"; }
}

require_positive() {  # NAME... : each named variable must hold a positive integer
  local v
  for v in "$@"; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v,,} must be a positive integer (got '${!v}')"
  done
}

resolve_tessera() {  # checks $TESSERA is an executable and makes its path absolute
  [[ -f "$TESSERA" && -x "$TESSERA" ]] || die "tessera-server not found or not executable: $TESSERA"
  TESSERA="$(readlink -f "$TESSERA")"
}

check_tools() {  # what every harness needs: tessera-server (made absolute), the driver's python, setsid
  resolve_tessera
  [[ -x "$PY" ]] || die "$PY not found"
  command -v setsid >/dev/null || die "setsid (util-linux) not found"
}

parse_only() {  # LIST STEP... : DO_<STEP>=1 for each step in the comma-separated LIST, else 0
  local list="$1" x step known
  shift
  for step in "$@"; do printf -v "DO_${step^^}" 0; done
  IFS=',' read -r -a only_list <<<"$list"
  for x in "${only_list[@]}"; do
    known=0
    for step in "$@"; do [[ "$x" == "$step" ]] && { printf -v "DO_${step^^}" 1; known=1; }; done
    [[ $known -eq 1 ]] || die "--only takes $(IFS=,; echo "$*") (comma-separated), not '$x'"
  done
}

# ---------------------------------------------------------------- work directory and traps

# init_work PREFIX WHAT [FILE...]: a fresh ${TMPDIR:-/tmp}/tessera-PREFIX.XXXXXX as WORK, and the
# traps that stop the driver and every server on any exit (normal, error, Ctrl-C, TERM). WORK is
# removed after a clean run; otherwise (a failure, a reported problem, --keep-logs) it is kept
# for a look, announced as "WHAT kept in WORK", less the FILEs (large, and regenerated by the
# next run anyway).
init_work() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-$1.XXXXXX")"
  WORK_KEPT="$2"
  shift 2
  WORK_DROP=("$@")
  PIDS=()
  NAMES=()
  LAST_PID=""
  HELPER_PID=""
  RC=0
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

cleanup() {
  local rc=$? f
  trap - EXIT
  trap "" INT TERM  # a second Ctrl-C/TERM must not abort the shutdown below
  # Stop the Python driver first; on SIGTERM it kills the load tool it runs (which would
  # otherwise spin forever once the servers are gone).
  stop_helper
  stop_all
  if [[ $rc -eq 0 && $RC -eq 0 && $KEEP_LOGS -eq 0 ]]; then
    rm -rf "$WORK"
  else
    for f in "${WORK_DROP[@]}"; do rm -f "${WORK:?}/$f"; done
    echo "$ME: $WORK_KEPT kept in $WORK" >&2
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- the Python driver

py() {  # subcommand args...: run $HELPER; background + wait, so INT/TERM reach the traps at once
  local rc
  # Unlike a foreground child, `wait` is interrupted by SIGINT/SIGTERM, so the traps (and the
  # server shutdown) fire immediately; HELPER_PID lets cleanup stop the driver first.
  set +e
  "$PY" "$HELPER" "$@" &
  HELPER_PID=$!
  wait "$HELPER_PID"
  rc=$?
  HELPER_PID=""
  set -e
  return "$rc"
}

step() {  # like py, but a failure marks the run (RC=1) instead of stopping it
  py "$@" || { echo "$ME: '$1' reported problems" >&2; RC=1; return 1; }
}

free_port() { "$PY" "$BENCH_DIR/bench.py" free-ports 1; }

# ---------------------------------------------------------------- readiness

log_tail() {  # name logfile: the end of a server's log, when it failed to come up
  echo "---- last lines of $1 log ($2) ----" >&2
  tail -n 20 "$2" >&2 || true
}

check_exe() {  # name pid: the pid we sample must be the server itself, not a wrapper that forked; sets EXE
  EXE="$(readlink "/proc/$2/exe" 2>/dev/null || echo '?')"
  case "$EXE" in
    */setsid|*/bash|*/sh|*/dash)
      die "$1 pid $2 is '$EXE', not the server; wrappers must 'exec' the server binary" ;;
  esac
}

# wait_ready NAME PID PORT LOGFILE [ARGS...]: the driver's wait-ready (ARGS passed on, e.g.
# --proto), bounded by BENCH_READY_TIMEOUT; on failure the log's tail and exit. With
# READY_SHOW_EXE=1 the "ready" line names the executable too.
wait_ready() {
  local name="$1" pid="$2" port="$3" logf="$4"
  shift 4
  if ! py wait-ready --name "$name" --pid "$pid" --port "$port" --timeout "$BENCH_READY_TIMEOUT" "$@"; then
    log_tail "$name" "$logf"
    echo "----" >&2
    die "$name failed to start"
  fi
  check_exe "$name" "$pid"
  echo "$ME: $name ready on 127.0.0.1:$port (pid $pid${READY_SHOW_EXE:+, exe $EXE})" >&2
}

# ---------------------------------------------------------------- report metadata

tessera_commit() {  # TESSERA_COMMIT, unless given: the commit of $TESSERA's checkout, "(dirty)" if changed
  TESSERA_COMMIT="${TESSERA_COMMIT:-}"
  [[ -z "$TESSERA_COMMIT" ]] || return 0
  local tdir
  tdir="$(dirname "$TESSERA")"
  if TESSERA_COMMIT="$(git -C "$tdir" rev-parse --short HEAD 2>/dev/null)"; then
    if [[ -n "$(git -C "$tdir" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
      TESSERA_COMMIT="$TESSERA_COMMIT (dirty)"
    fi
  else
    TESSERA_COMMIT="unknown"
  fi
}
