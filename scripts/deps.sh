#!/usr/bin/env bash
# Installs the Debian 12 packages Hallway needs, only those that are missing.
# Usage: scripts/deps.sh run|test
# Never starts a service: avahi-daemon is the system's to run (and on a test
# machine it must not multicast on the real interface), so package scripts are
# told not to start anything while we install.
set -euo pipefail

build=(cmake ninja-build g++ pkg-config libsodium-dev libasio-dev libavahi-client-dev
       libsqlite3-dev libcli11-dev nlohmann-json3-dev libreadline-dev libexpat1-dev)
gui=(libimgui-dev libstb-dev libglfw3-dev libgl-dev libsystemd-dev fonts-dejavu-core)
runtime=(avahi-daemon)
tests=(doctest-dev avahi-utils dbus iproute2 procps xvfb xauth xdotool xclip x11-utils
       jq python3 clang libclang-rt-14-dev dpkg-dev lintian desktop-file-utils appstream man-db bash-completion libxml2-utils
       nftables tcpdump dnsmasq-base libpurple-dev strace)

case "${1:-}" in
  run)  want=("${build[@]}" "${gui[@]}" "${runtime[@]}") ;;
  test) want=("${build[@]}" "${gui[@]}" "${runtime[@]}" "${tests[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "Installing: ${missing[*]}"

# Tests point this elsewhere (and stub apt-get, dpkg-query, sudo through PATH).
policy=${HALLWAY_POLICY_RC_D:-/usr/sbin/policy-rc.d}
made_policy=0
if [ ! -e "$policy" ]; then
  # exit 101 = "action forbidden": invoke-rc.d and deb-systemd-invoke start nothing.
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  made_policy=1
fi
# An if, not `[ ] && rm`: a trap's last status becomes the script's, so a failed
# test (an existing policy-rc.d, not ours to remove) made a good install exit 1.
cleanup() {
  if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT

"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
