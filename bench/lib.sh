# shellcheck shell=bash
# Process bookkeeping and argument checks shared by bench/run.sh, bench/memory.sh and
# bench/persist.sh (sourced, not run).
# The sourcing script sets ME (its name, for messages), WORK (the servers' working directory)
# and the arrays PIDS and NAMES, and HELPER_PID (a Python driver, or empty).

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
