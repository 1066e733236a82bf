# Shared names, paths and small helpers for scripts/lab. Sourced, never run.
# shellcheck shell=bash

LAB_SUBNET_PREFIX=10.77.0
LAB_ULA_PREFIX=fd77
LAB_RESERVED_HOSTS=" switch "
# Per-host copies of these directories (copy-on-write overlays), so trust stores,
# NSS databases under HOME and koi's default data dir (/var/lib/koi) differ per host.
LAB_HOST_OVERLAYS=(/etc/ssl /usr/local/share/ca-certificates /root /var/lib)

die() { echo "lab: $*" >&2; exit 1; }
note() { echo "lab: $*" >&2; }

lab_init_paths() {
  LAB_ROOT=${KOI_LAB_ROOT:-$LAB_REPO/.lab}
  [[ $LAB_NAME =~ ^[a-z0-9][a-z0-9-]{0,23}$ ]] || die "run name '$LAB_NAME' must match [a-z0-9][a-z0-9-]{0,23}"
  LAB_DIR=$LAB_ROOT/koilab-$LAB_NAME
  # The dot cannot occur in run or host names, so no two labs share a namespace name.
  LAB_PREFIX=koilab-$LAB_NAME.
  LAB_MNT=$LAB_DIR/mnt          # private tmpfs: namespace files and per-host state
  LAB_NS=$LAB_MNT/ns
  LAB_HOSTS_STATE=$LAB_MNT/hosts
  LAB_HOSTS_LIST=$LAB_DIR/hosts.list
  LAB_LOGS=$LAB_DIR/logs
  LAB_PIDS=$LAB_DIR/pids
  LAB_SWITCH=${LAB_PREFIX}switch
}

lab_is_up() { mountpoint -q "$LAB_MNT" 2>/dev/null; }
lab_require_up() { lab_is_up || die "lab '$LAB_NAME' is not up (scripts/lab up N --name $LAB_NAME)"; }

lab_netns() { echo "$LAB_PREFIX$1"; }

lab_host_ip() {
  local ip
  ip=$(awk -v h="$1" '$1 == h { print $2 }' "$LAB_HOSTS_LIST" 2>/dev/null)
  [ -n "$ip" ] || die "no host '$1' in lab '$LAB_NAME'"
  echo "$ip"
}

lab_hosts() { awk '{ print $1 }' "$LAB_HOSTS_LIST" 2>/dev/null; }

lab_require_host() { lab_host_ip "$1" >/dev/null; }

validate_host_name() {
  [[ $1 =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "host name '$1' must match [a-z][a-z0-9-]{0,30}"
  [[ $LAB_RESERVED_HOSTS != *" $1 "* ]] || die "host name '$1' is reserved"
}

# Polls a command until it succeeds: at most $1 tries, $2 seconds apart.
retry() {
  local tries=$1 delay=$2 i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep "$delay"
  done
  return 1
}

# Serialises commands that change the lab's shape (up, add, down).
lab_lock() {
  mkdir -p "$LAB_DIR"
  exec 9>"$LAB_DIR/lock"
  flock -w 60 9 || die "lab '$LAB_NAME' is busy (lock held for 60s)"
}
