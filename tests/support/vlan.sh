#!/usr/bin/env bash
# Virtual LAN of network namespaces for mDNS tests: one bridge namespace
# "<NAME>-sw" and N hosts "<NAME>-h<i>", each with a veth to the bridge, a
# private dbus-daemon and an avahi-daemon that only ever runs inside the host's
# namespace. Nothing touches the root network namespace. See docs/VLAN.md.
#
#   vlan.sh up NAME N            create (fails if NAME exists; run down first)
#   vlan.sh exec NAME i CMD...   run CMD in host i (DBUS_SYSTEM_BUS_ADDRESS set)
#   vlan.sh avahi-stop NAME i    stop host i's avahi-daemon
#   vlan.sh avahi-start NAME i   start it again
#   vlan.sh addr NAME i          print host i's IPv4 address
#   vlan.sh bus NAME i           print host i's DBUS_SYSTEM_BUS_ADDRESS (to start many
#                                processes in namespace NAME-h<i> without a shell each)
#   vlan.sh down NAME            kill what it started, delete namespaces (idempotent)
#
# Exit code 77: not root or no namespace support (tests treat it as "skip").
set -Eeuo pipefail

readonly SUBNET=10.213.0          # only ever inside our namespaces
readonly MAX_HOSTS=200            # host i gets SUBNET.i
readonly READY_TIMEOUT_S=10       # bounded waits for daemons to come up / go away
readonly SKIP=77

die() { echo "vlan.sh: $*" >&2; exit 1; }
skip() { echo "vlan.sh: $* (skipping)" >&2; exit "$SKIP"; }

state_dir() { echo "/tmp/hallway-vlan-$1"; }

check_name() {
  [[ "$1" =~ ^[A-Za-z0-9_-]{1,40}$ ]] || die "bad vlan name '$1' (letters, digits, _ and -; at most 40)"
}

check_host() {  # NAME i
  local n; n=$(cat "$(state_dir "$1")/hosts" 2>/dev/null) || die "vlan '$1' is not up"
  [[ "$2" =~ ^[0-9]+$ ]] && (( $2 >= 1 && $2 <= n )) || die "vlan '$1' has hosts 1..$n, not '$2'"
}

require_root() {
  [[ $(id -u) -eq 0 ]] || skip "must run as root (network namespaces)"
  local tool
  for tool in ip unshare mount dbus-daemon dbus-send avahi-daemon; do
    command -v "$tool" >/dev/null || skip "$tool not found"
  done
}

# Waits until "$@" succeeds, at most READY_TIMEOUT_S.
wait_for() {
  local end=$((SECONDS + READY_TIMEOUT_S))
  until "$@" 2>/dev/null; do
    (( SECONDS < end )) || return 1
    sleep 0.05
  done
}

pid_alive() {  # PIDFILE: true if the recorded process is still the one we started
  local pid name
  [[ -f "$1" ]] || return 1
  read -r pid name < "$1" || return 1
  [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]]
}

signal_recorded() {  # SIG PIDFILE...: only our own PIDs
  local sig=$1 f pid name; shift
  for f in "$@"; do
    pid_alive "$f" && read -r pid name < "$f" && kill "-$sig" "$pid" 2>/dev/null || true
  done
}

any_alive() { local f; for f in "$@"; do pid_alive "$f" && return 0; done; return 1; }

kill_recorded() {  # PIDFILE...: TERM all at once (a daemon takes a while to say goodbye: 30 hosts
                   # one after the other took minutes), one bounded wait, then KILL
  local f present=()
  for f in "$@"; do [[ -f "$f" ]] && present+=("$f"); done
  (( ${#present[@]} )) || return 0
  signal_recorded TERM "${present[@]}"
  local end=$((SECONDS + READY_TIMEOUT_S))
  while any_alive "${present[@]}" && (( SECONDS < end )); do sleep 0.05; done
  signal_recorded KILL "${present[@]}"
  rm -f "${present[@]}"
}

bus_address() { echo "unix:path=$(state_dir "$1")/h$2/dbus.sock"; }

write_dbus_conf() {  # DIR
  cat > "$1/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- A private system-like bus for one test host; permissive: only root in this test uses it. -->
  <type>system</type>
  <listen>unix:path=$1/dbus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
}

write_avahi_conf() {  # DIR HOSTNAME
  cat > "$1/avahi-daemon.conf" <<CONF
[server]
host-name=$2
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces=eth0
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-hinfo=no
publish-workstation=no

[reflector]
enable-reflector=no

[rlimits]
CONF
}

start_dbus() {  # NAME i
  local dir ns; dir="$(state_dir "$1")/h$2"; ns="$1-h$2"
  rm -f "$dir/dbus.sock"
  setsid ip netns exec "$ns" dbus-daemon --config-file="$dir/dbus.conf" --nofork --nopidfile \
    >"$dir/dbus.log" 2>&1 </dev/null &
  echo "$! dbus-daemon" > "$dir/dbus.pid"
  wait_for test -S "$dir/dbus.sock" || die "dbus-daemon of host $2 did not start (see $dir/dbus.log)"
}

avahi_on_bus() {  # NAME i
  DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$1" "$2")" dbus-send --system --print-reply \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Avahi \
    | grep -q "boolean true"
}

start_avahi() {  # NAME i
  local dir ns root_net; dir="$(state_dir "$1")/h$2"; ns="$1-h$2"
  ip netns list | grep -qx -e "$ns" -e "$ns (id: [0-9]*)" || die "namespace $ns missing"
  root_net=$(readlink /proc/self/ns/net)
  # Own mount namespace: a private /run/avahi-daemon (pid file, socket) per
  # host and no static services from /etc/avahi/services. The net-ns check
  # is the last guard before exec: never an avahi-daemon in the root namespace.
  DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$1" "$2")" setsid ip netns exec "$ns" \
    unshare --mount --propagation private sh -c '
      [ "$(readlink /proc/self/ns/net)" != "$1" ] || { echo "refusing: root netns" >&2; exit 1; }
      mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon || exit 1
      if [ -d /etc/avahi/services ]; then mount -t tmpfs tmpfs /etc/avahi/services || exit 1; fi
      exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f "$2"
    ' sh "$root_net" "$dir/avahi-daemon.conf" >>"$dir/avahi.log" 2>&1 </dev/null &
  echo "$! avahi-daemon" > "$dir/avahi.pid"
  wait_for avahi_on_bus "$1" "$2" || die "avahi-daemon of host $2 did not start (see $dir/avahi.log)"
}

cmd_up() {
  local name=$1 n=$2 dir i ns sw
  check_name "$name"
  [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= MAX_HOSTS )) || die "host count must be 1..$MAX_HOSTS"
  require_root
  dir=$(state_dir "$name"); sw="$name-sw"
  [[ ! -e "$dir" ]] || die "vlan '$name' exists ($dir); run: vlan.sh down $name"
  ip netns add "$sw" 2>/dev/null || skip "cannot create network namespaces"
  mkdir -p "$dir"
  echo "$n" > "$dir/hosts"
  trap 'echo "vlan.sh: up failed, tearing down" >&2; cmd_down "$name"' ERR

  ip -n "$sw" link set lo up
  # No IGMP/MLD snooping: nobody is a querier here, snooping could drop mDNS.
  ip -n "$sw" link add br0 type bridge mcast_snooping 0
  ip -n "$sw" link set br0 up
  # br_netfilter (if loaded) would pass bridged frames through this namespace's
  # (empty) iptables; turn that off so filtering can never eat multicast.
  local knob
  for knob in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
    [[ -e /proc/sys/net/bridge/$knob ]] && ip netns exec "$sw" sh -c "echo 0 > /proc/sys/net/bridge/$knob" 2>/dev/null || true
  done

  for ((i = 1; i <= n; i++)); do
    ns="$name-h$i"
    mkdir -p "$dir/h$i"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Created directly inside the namespaces: never a link in the root one.
    ip link add eth0 netns "$ns" type veth peer name "p$i" netns "$sw"
    ip -n "$sw" link set "p$i" master br0 up
    # No DAD delay for the link-local address: avahi only uses ready addresses.
    # No router here: no router solicitations either (they are noise in the
    # traffic figures of tests and benchmarks, and nothing would answer).
    ip netns exec "$ns" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/eth0/router_solicitations; echo 0 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6'
    ip -n "$ns" addr add "$SUBNET.$i/24" dev eth0
    ip -n "$ns" link set eth0 multicast on up
    write_dbus_conf "$dir/h$i"
    write_avahi_conf "$dir/h$i" "h$i"
    start_dbus "$name" "$i"
    start_avahi "$name" "$i"
  done
  trap - ERR
}

cmd_down() {
  local name=$1 dir ns
  check_name "$name"
  dir=$(state_dir "$name")
  if [[ -d "$dir" ]]; then
    kill_recorded "$dir"/h*/avahi.pid
    kill_recorded "$dir"/h*/dbus.pid
  fi
  # Exact names only: other vlans (other tests running in parallel) stay.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    if [[ "$ns" == "$name-sw" || "$ns" =~ ^"$name"-h[0-9]+$ ]]; then ip netns del "$ns" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}

cmd_exec() {
  local name=$1 i=$2; shift 2
  check_name "$name"; check_host "$name" "$i"
  (( $# > 0 )) || die "exec needs a command"
  exec env DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$name" "$i")" ip netns exec "$name-h$i" "$@"
}

cmd_avahi_stop() {
  check_name "$1"; check_host "$1" "$2"
  kill_recorded "$(state_dir "$1")/h$2/avahi.pid"
}

cmd_avahi_start() {
  check_name "$1"; check_host "$1" "$2"
  ! pid_alive "$(state_dir "$1")/h$2/avahi.pid" || die "avahi-daemon of host $2 is already running"
  start_avahi "$1" "$2"
}

cmd_addr() {
  check_name "$1"; check_host "$1" "$2"
  echo "$SUBNET.$2"
}

cmd_bus() {
  check_name "$1"; check_host "$1" "$2"
  bus_address "$1" "$2"
}

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

(( $# >= 2 )) || usage
cmd=$1; shift
case "$cmd" in
  up)          (( $# == 2 )) || usage; cmd_up "$@" ;;
  down)        (( $# == 1 )) || usage; require_root; cmd_down "$@" ;;
  exec)        (( $# >= 3 )) || usage; cmd_exec "$@" ;;
  avahi-stop)  (( $# == 2 )) || usage; require_root; cmd_avahi_stop "$@" ;;
  avahi-start) (( $# == 2 )) || usage; require_root; cmd_avahi_start "$@" ;;
  addr)        (( $# == 2 )) || usage; cmd_addr "$@" ;;
  bus)         (( $# == 2 )) || usage; cmd_bus "$@" ;;
  *) usage ;;
esac
