# Building the lab: the switch namespace, hosts and their per-host files.
# shellcheck shell=bash

lab_up() {
  local count=$1
  [[ $count =~ ^[0-9]+$ ]] && ((count <= 26)) || die "up needs a host count between 0 and 26"
  lab_lock
  lab_is_up && die "lab '$LAB_NAME' is already up (scripts/lab --name $LAB_NAME down)"
  # Whatever a crashed run left behind goes first, so a new run starts clean.
  lab_teardown
  rm -rf "$LAB_LOGS"

  trap 'lab_abort_up' EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$LAB_MNT" "$LAB_LOGS" "$LAB_PIDS"
  : >"$LAB_HOSTS_LIST"
  [ -n "${LAB_OWNER:-}" ] && lab_record_owner "$LAB_OWNER"
  # One private tmpfs per run: namespace files may only be bind-mounted onto a
  # private mount, and overlay upper dirs cannot live on an overlay root (containers).
  mount -t tmpfs -o mode=0700,size=1g "koilab-$LAB_NAME" "$LAB_MNT"
  mount --make-private "$LAB_MNT"
  mkdir -p "$LAB_NS" "$LAB_HOSTS_STATE"

  ip netns add "$LAB_SWITCH"
  ip -n "$LAB_SWITCH" link add br0 type bridge mcast_snooping 0
  ip -n "$LAB_SWITCH" link set br0 up

  local letters=abcdefghijklmnopqrstuvwxyz i
  for ((i = 0; i < count; i++)); do
    lab_add_host "stone-${letters:i:1}"
  done
  lab_write_hosts_files
  trap - EXIT INT TERM
  note "lab '$LAB_NAME' is up: $(lab_hosts | tr '\n' ' ')"
}

lab_abort_up() {
  local rc=$?
  note "up failed (exit $rc); tearing down what was built"
  lab_teardown
  exit "$rc"
}

lab_add() {
  local host=$1
  lab_lock
  lab_require_up
  trap 'exit 130' INT TERM
  lab_add_host "$host"
  lab_write_hosts_files
  note "added $host ($(lab_host_ip "$host"))"
}

lab_add_host() {
  local host=$1
  validate_host_name "$host"
  awk -v h="$host" '$1 == h { found = 1 } END { exit !found }' "$LAB_HOSTS_LIST" && die "host '$host' already exists"
  local index ip ns state
  index=$(($(wc -l <"$LAB_HOSTS_LIST") + 1))
  ((index <= 200)) || die "a lab holds at most 200 hosts"
  ip=$LAB_SUBNET_PREFIX.$((10 + index))
  ns=$(lab_netns "$host")
  state=$LAB_HOSTS_STATE/$host
  # Recorded before anything is created, so teardown covers a half-built host.
  echo "$host $ip $index" >>"$LAB_HOSTS_LIST"

  ip netns add "$ns"
  nsenter --net="/run/netns/$ns" sysctl -qw \
    net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
  ip -n "$LAB_SWITCH" link add "port$index" type veth peer name eth0 netns "$ns"
  ip -n "$LAB_SWITCH" link set "port$index" master br0 up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" addr add "$LAB_ULA_PREFIX::$((10 + index))/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add 224.0.0.0/4 dev eth0

  mkdir -p "$state/etc"
  echo "$host" >"$state/etc/hostname"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$state/etc/resolv.conf"
  : >"$state/etc/hosts"
  touch "$LAB_NS/$host.uts" "$LAB_NS/$host.mnt"
  nsenter --net="/run/netns/$ns" \
    unshare --uts="$LAB_NS/$host.uts" --mount="$LAB_NS/$host.mnt" --propagation private \
    bash -c "$(declare -f lab_host_mounts); lab_host_mounts \"\$@\"" lab-host-setup \
    "$host" "$state" "${LAB_HOST_OVERLAYS[@]}"
}

# Runs inside the new host's UTS and mount namespaces.
lab_host_mounts() {
  set -euo pipefail
  local host=$1 state=$2 dir slug file target mountpoint
  shift 2
  hostname "$host"
  # Copies of other labs' namespace mounts would keep those namespaces alive
  # after their own teardown; a host needs none of them.
  awk '{ print $5 }' /proc/self/mountinfo | grep -E '^/run/netns(/|$)' | sort -r |
    while read -r mountpoint; do umount -l "$mountpoint" 2>/dev/null || true; done
  mount -t tmpfs -o mode=0755,size=64m "koilab-$host-run" /run
  # sysfs shows the interfaces of the namespace that mounts it; tools (and .NET's
  # NetworkInterface) read /sys/class/net, so each host needs its own.
  umount -l /sys
  mount -t sysfs "koilab-$host-sys" /sys
  mkdir -p /run/dbus /run/avahi-daemon /run/lock /run/user
  for dir in "$@"; do
    [ -d "$dir" ] || { echo "lab: $dir is missing on this machine" >&2; exit 1; }
    slug=${dir//\//_}
    mkdir -p "$state/upper/$slug" "$state/work/$slug"
    mount -t overlay "koilab-$host" -o "lowerdir=$dir,upperdir=$state/upper/$slug,workdir=$state/work/$slug" "$dir"
  done
  for file in hosts resolv.conf hostname; do
    target=$(readlink -m "/etc/$file")
    if [ ! -e "$target" ]; then
      # A symlink into /run (systemd-resolved) now points into this host's fresh /run.
      [[ $target == /run/* ]] || { echo "lab: /etc/$file -> $target is missing" >&2; exit 1; }
      mkdir -p "${target%/*}"
      : >"$target"
    fi
    mount --bind "$state/etc/$file" "$target"
  done
  awk '{ print $5 }' /proc/self/mountinfo | grep -E '/koilab-[^/]+/mnt(/|$)' | sort -r |
    while read -r mountpoint; do umount -l "$mountpoint" 2>/dev/null || true; done
}

# Every host resolves every other host by name, as on a LAN with working DNS.
lab_write_hosts_files() {
  local content host
  content=$(
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
    awk '{ printf "%s\t%s\n", $2, $1 }' "$LAB_HOSTS_LIST"
  )
  for host in $(lab_hosts); do
    # Rewritten in place: the host sees this file through a bind mount of its inode.
    [ -f "$LAB_HOSTS_STATE/$host/etc/hosts" ] && echo "$content" >"$LAB_HOSTS_STATE/$host/etc/hosts"
  done
}

lab_record_owner() {
  local pid=$1 start
  start=$(lab_process_start_time "$pid") || die "owner process $pid does not exist"
  echo "$pid $start" >"$LAB_DIR/owner"
}

lab_process_start_time() {
  [ -r "/proc/$1/stat" ] || return 1
  # Field 22 of /proc/PID/stat, counted after the parenthesised command name.
  sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{ print $20 }'
}
