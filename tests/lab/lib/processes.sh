# Running commands on a host: once (run), interactively (shell), or in the background (bg, stop).
# shellcheck shell=bash

# The nsenter prefix that puts a command on a host: its network, hostname and files.
lab_enter_command() {
  local host=$1 wd=/
  lab_require_host "$host"
  # The working directory carries over unless it lives in /run, which each host replaces.
  [[ $PWD == /run || $PWD == /run/* ]] || wd=$PWD
  LAB_ENTER=(
    nsenter --net="/run/netns/$(lab_netns "$host")"
    --uts="$LAB_NS/$host.uts" --mount="$LAB_NS/$host.mnt" --wd="$wd"
    env HOSTNAME="$host" KOI_LAB_HOST="$host" KOI_LAB_NAME="$LAB_NAME"
  )
}

lab_run() {
  local host=$1 seconds=""
  shift
  if [ "${1:-}" = --timeout ]; then
    seconds=$2
    shift 2
    [[ $seconds =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--timeout needs seconds"
  fi
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "run $host needs a command after --"
  lab_require_up
  lab_enter_command "$host"
  if [ -n "$seconds" ]; then
    exec timeout -k 3 "$seconds" "${LAB_ENTER[@]}" "$@"
  fi
  exec "${LAB_ENTER[@]}" "$@"
}

lab_shell() {
  local host=$1
  lab_require_up
  lab_enter_command "$host"
  exec "${LAB_ENTER[@]}" bash --rcfile "$LAB_REPO/tests/lab/shellrc" -i
}

lab_bg() {
  local host=$1 name=$2 log pidfile pid
  shift 2
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "bg $host $name needs a command after --"
  [[ $name =~ ^[a-zA-Z0-9._-]+$ ]] || die "process name '$name' must match [a-zA-Z0-9._-]+"
  lab_require_up
  lab_enter_command "$host"
  mkdir -p "$LAB_LOGS/$host" "$LAB_PIDS/$host"
  log=$LAB_LOGS/$host/$name.log
  pidfile=$LAB_PIDS/$host/$name.pid
  if [ -f "$pidfile" ] && lab_pid_alive "$(cat "$pidfile")"; then
    die "$name is already running on $host (pid $(cat "$pidfile"))"
  fi
  echo "== $(date -u +%FT%TZ) $host\$ $*" >>"$log"
  # Its own session, so stop and teardown can signal the whole process group.
  # setsid and nsenter exec in place, so $! is the command's own pid.
  setsid "${LAB_ENTER[@]}" "$@" >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  echo "$pid"
}

lab_stop() {
  local host=$1 name=$2 pidfile pid
  pidfile=$LAB_PIDS/$host/$name.pid
  [ -f "$pidfile" ] || die "no process '$name' on $host"
  pid=$(cat "$pidfile")
  lab_load_namespace_ids
  lab_signal_group TERM "$pid"
  retry 50 0.1 lab_pid_gone "$pid" || { lab_signal_group KILL "$pid"; retry 20 0.1 lab_pid_gone "$pid" || true; }
  rm -f "$pidfile"
}

# Alive means running (not a zombie); pids are only trusted while they sit in this lab's namespaces.
lab_pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $1 }') || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

lab_pid_gone() { ! lab_pid_alive "$1"; }
