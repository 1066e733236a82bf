# Taking a lab down: stop exactly its processes, unmount, delete its namespaces.
# Safe to run on a half-built or already removed lab.
# shellcheck shell=bash

lab_down() {
  lab_lock
  trap '' INT TERM
  lab_teardown
  note "lab '$LAB_NAME' is down; logs kept in $LAB_LOGS"
}

lab_teardown() {
  local status=0
  [ -d "$LAB_DIR" ] || return 0
  lab_load_namespace_ids
  lab_stop_recorded_processes
  # Unmount and delete even when a process would not die, but report it.
  lab_kill_namespace_members || status=1
  lab_remove_namespaces
  if mountpoint -q "$LAB_MNT" 2>/dev/null; then
    umount "$LAB_MNT" 2>/dev/null || umount -l "$LAB_MNT"
  fi
  find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name logs ! -name lock ! -name owner -exec rm -rf {} +
  return "$status"
}

# The identities ("net:[4026532]") of every namespace this lab created, for matching /proc/*/ns/*.
lab_load_namespace_ids() {
  LAB_NAMESPACE_IDS=" "
  local host
  lab_add_namespace_id net "/run/netns/$LAB_SWITCH"
  for host in $(lab_hosts); do
    lab_add_namespace_id net "/run/netns/$(lab_netns "$host")"
    lab_add_namespace_id uts "$LAB_NS/$host.uts"
    lab_add_namespace_id mnt "$LAB_NS/$host.mnt"
  done
}

lab_add_namespace_id() {
  local kind=$1 file=$2 inode
  mountpoint -q "$file" 2>/dev/null || return 0
  inode=$(stat -L -c %i "$file") || return 0
  LAB_NAMESPACE_IDS+="$kind:[$inode] "
}

lab_in_lab_namespaces() {
  local pid=$1 kind link
  for kind in net mnt uts; do
    link=$(readlink "/proc/$pid/ns/$kind" 2>/dev/null) || continue
    [[ $LAB_NAMESPACE_IDS == *" $link "* ]] && return 0
  done
  return 1
}

lab_namespace_members() {
  [ "$LAB_NAMESPACE_IDS" = " " ] && return 0
  # One find over /proc instead of a readlink per process: teardown stays fast on busy machines.
  find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/*' \( -name net -o -name mnt -o -name uts \) \
    -printf '%h %l\n' 2>/dev/null |
    awk -v ids="$LAB_NAMESPACE_IDS" 'index(ids, " " $2 " ") { split($1, path, "/"); print path[3] }' | sort -u
}

# Signals a bg process's group, but only while its leader still lives in this lab.
lab_signal_group() {
  local signal=$1 pid=$2
  lab_pid_alive "$pid" && lab_in_lab_namespaces "$pid" || return 0
  kill "-$signal" -- "-$pid" 2>/dev/null || kill "-$signal" "$pid" 2>/dev/null || true
}

lab_stop_recorded_processes() {
  local pidfile pids=()
  for pidfile in "$LAB_PIDS"/*/*.pid; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  local pid
  for pid in "${pids[@]}"; do lab_signal_group TERM "$pid"; done
  retry 50 0.1 lab_all_gone "${pids[@]}" || true
}

lab_all_gone() {
  local pid
  for pid in "$@"; do lab_pid_alive "$pid" && return 1; done
  return 0
}

# Anything still inside the lab's namespaces was started by the lab (run, a daemon
# that forked, a child left behind) and would keep the namespaces alive.
lab_kill_namespace_members() {
  local i members
  for ((i = 0; i < 50; i++)); do
    members=$(lab_namespace_members)
    [ -z "$members" ] && return 0
    # shellcheck disable=SC2086
    kill -KILL $members 2>/dev/null || true
    sleep 0.1
  done
  note "processes still in lab namespaces after 5s: $members"
  return 1
}

lab_remove_namespaces() {
  local host
  for host in $(lab_hosts); do
    umount "$LAB_NS/$host.mnt" "$LAB_NS/$host.uts" 2>/dev/null || true
    ip netns del "$(lab_netns "$host")" 2>/dev/null || true
  done
  ip netns del "$LAB_SWITCH" 2>/dev/null || true
}

# Takes down labs whose owning test process has died (crash, kill -9, Ctrl+C before
# cleanup) and removes finished runs of dead owners. Labs without an owner are left alone.
lab_gc() {
  local dir
  # One collector at a time: fixtures starting together each run gc, and two removing the same abandoned lab
  # (one deleting its directory while the other re-creates it to take its lock) failed with "Directory not empty".
  mkdir -p "$LAB_ROOT"
  exec 8>"$LAB_ROOT/.gc.lock"
  flock -w 120 8 || die "another lab gc has held $LAB_ROOT/.gc.lock for 120s"
  for dir in "$LAB_ROOT"/koilab-*/; do
    [ -f "$dir/owner" ] || continue
    (
      LAB_NAME=${dir%/}
      LAB_NAME=${LAB_NAME##*/koilab-}
      lab_init_paths
      lab_owner_alive && exit 0
      lab_lock
      lab_is_up && note "taking down abandoned lab '$LAB_NAME'"
      lab_teardown
      rm -rf "$LAB_DIR"
    )
  done
}

lab_owner_alive() {
  local pid start
  read -r pid start <"$LAB_DIR/owner" || return 1
  [ "$(lab_process_start_time "$pid" 2>/dev/null)" = "$start" ]
}

lab_list() {
  local dir name state
  for dir in "$LAB_ROOT"/koilab-*/; do
    [ -d "$dir" ] || continue
    name=${dir%/}
    name=${name##*/koilab-}
    state=down
    mountpoint -q "$dir/mnt" && state=up
    printf '%s\t%s\t%s\n' "$name" "$state" "$(awk '{ printf "%s ", $1 }' "$dir/hosts.list" 2>/dev/null)"
  done
}
