#!/usr/bin/env bash
# Installs the real third-party peers koi's tests talk to, and the C toolchain the Native AOT publish links
# with (Debian packages).
# Idempotent: does nothing when everything is present. Needs root to install;
# without root it only reports what is missing.
set -euo pipefail

packages=(
  avahi-daemon avahi-utils python3-zeroconf dnsmasq dnsutils knot-dnsutils dnsperf
  oathtool nginx libnss3-tools chromium curl openssl nftables iproute2 dbus
  util-linux procps ca-certificates tmux zbar-tools tcpdump
  wrk libnginx-mod-stream testssl.sh
  systemd
  # Native AOT: ILCompiler links with clang or else gcc (objcopy from binutils strips the symbols into koi.dbg);
  # zlib and brotli come as static libraries in the runtime pack, so no -dev package is needed for them.
  gcc libc6-dev binutils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: not root; missing: ${missing[*]}" >&2
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}" >&2
# Package scripts must never start avahi, dnsmasq or nginx in the machine's own
# network namespace: a daemon there would speak multicast/DNS to the real LAN.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"; created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
