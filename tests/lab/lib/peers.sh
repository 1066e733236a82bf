# Real third-party peers on lab hosts: avahi (with its private D-Bus), dnsmasq, packet loss.
# shellcheck shell=bash

# avahi runs in the foreground under bg (not -D / --fork) so the lab records its
# pid, captures its log and can stop exactly it.
lab_avahi() {
  local host=$1
  lab_require_up
  lab_require_host "$host"
  ( lab_bg "$host" dbus -- dbus-daemon --system --nofork --nopidfile ) >/dev/null
  retry 50 0.1 lab_host_test "$host" -S /run/dbus/system_bus_socket ||
    lab_peer_failed "$host" dbus "D-Bus socket did not appear within 5s"
  ( lab_bg "$host" avahi -- avahi-daemon --no-drop-root --no-chroot --no-rlimits \
    -f "$LAB_REPO/tests/lab/avahi-daemon.conf" ) >/dev/null
  retry 100 0.1 grep -q "Server startup complete" "$LAB_LOGS/$host/avahi.log" ||
    lab_peer_failed "$host" avahi "avahi-daemon did not finish starting within 10s"
  note "avahi is up on $host"
}

# A fake upstream resolver: answers the names in tests/lab/dnsmasq-upstream.conf
# (plus any extra dnsmasq options after --) and nothing else.
lab_dnsmasq() {
  local host=$1 ip
  shift
  [ "${1:-}" = -- ] && shift
  lab_require_up
  ip=$(lab_host_ip "$host")
  ( lab_bg "$host" dnsmasq -- dnsmasq --keep-in-foreground \
    --conf-file="$LAB_REPO/tests/lab/dnsmasq-upstream.conf" --listen-address="$ip" "$@" ) >/dev/null
  retry 50 0.2 lab_dnsmasq_answers "$host" "$ip" ||
    lab_peer_failed "$host" dnsmasq "dnsmasq did not answer upstream.test within 10s"
  note "dnsmasq is up on $host ($ip)"
}

lab_dnsmasq_answers() {
  local answer
  answer=$( (lab_run "$1" --timeout 3 -- dig +short +time=1 +tries=1 "@$2" upstream.test) 2>/dev/null) || return 1
  [ -n "$answer" ]
}

# Drops the given percentage of packets leaving the host with nftables (tc netem is
# not in every kernel); 0 removes the rule.
lab_loss() {
  local host=$1 percent=$2 rule
  [[ $percent =~ ^[0-9]+$ ]] && ((percent <= 100)) || die "loss needs a percentage 0-100"
  lab_require_up
  lab_enter_command "$host"
  rule="oifname \"eth0\" numgen random mod 100 < $percent drop"
  ((percent == 100)) && rule='oifname "eth0" drop'
  ((percent == 0)) && rule=""
  "${LAB_ENTER[@]}" nft -f - <<NFT
table inet koilab
delete table inet koilab
table inet koilab {
  chain egress {
    type filter hook output priority 0; policy accept;
    $rule
  }
}
NFT
}

lab_host_test() {
  local host=$1
  shift
  (lab_run "$host" --timeout 3 -- test "$@") 2>/dev/null
}

lab_peer_failed() {
  local host=$1 name=$2 reason=$3
  note "$reason; last lines of $LAB_LOGS/$host/$name.log:"
  tail -n 20 "$LAB_LOGS/$host/$name.log" >&2 || true
  exit 1
}
