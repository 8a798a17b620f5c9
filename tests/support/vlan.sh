#!/usr/bin/env bash
# Virtual LAN of network namespaces for mDNS tests: one bridge namespace
# "<NAME>-sw" and N hosts "<NAME>-h<i>", each with a veth to the bridge, a
# private dbus-daemon and an avahi-daemon that only ever runs inside the host's
# namespace. With --subnets 2, two bridges and a router namespace "<NAME>-r"
# between them. Nothing touches the root network namespace. See docs/VLAN.md.
#
#   vlan.sh up NAME N [--subnets 1|2] [--split K] [--wide-area DOMAIN]
#                                create (fails if NAME exists; run down first);
#                                --subnets 2: hosts 1..K on 10.213.0.0/24, the rest
#                                on 10.214.0.0/24, router NAME-r (.254 on both)
#   vlan.sh exec NAME i CMD...   run CMD in host i (DBUS_SYSTEM_BUS_ADDRESS set)
#   vlan.sh avahi-stop NAME i    stop host i's avahi-daemon
#   vlan.sh avahi-start NAME i   start it again
#   vlan.sh addr NAME i          print host i's IPv4 address (its current subnet's)
#   vlan.sh bus NAME i           print host i's DBUS_SYSTEM_BUS_ADDRESS (to start many
#                                processes in namespace NAME-h<i> without a shell each)
#   vlan.sh move NAME i SUBNET   put host i on subnet 1 or 2 (address, route; avahi restarted)
#   vlan.sh router-exec NAME CMD...  run CMD in the router (its own bus)
#   vlan.sh reflector NAME       start an avahi-daemon reflecting mDNS between the subnets
#   vlan.sh dns NAME CONFFILE    start dnsmasq with CONFFILE in the router (.254 port 53)
#   vlan.sh down NAME            kill what it started, delete namespaces (idempotent)
#
# Exit code 77: not root or no namespace support (tests treat it as "skip").
set -Eeuo pipefail

readonly SUBNETS=(10.213.0 10.214.0)  # subnet 1 and 2, only ever inside our namespaces
readonly MAX_HOSTS=200            # host i gets <subnet>.i
readonly ROUTER=254               # the router is <subnet>.254 on each subnet
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

require_root() {  # [EXTRA_TOOL...]
  [[ $(id -u) -eq 0 ]] || skip "must run as root (network namespaces)"
  local tool
  for tool in ip unshare mount dbus-daemon dbus-send avahi-daemon "$@"; do
    command -v "$tool" >/dev/null || skip "$tool not found"
  done
}

check_routed() {  # NAME: the router exists only with --subnets 2
  [[ -d "$(state_dir "$1")/r" ]] || die "vlan '$1' has no router (create it with --subnets 2)"
}

host_subnet() { cat "$(state_dir "$1")/h$2/subnet" 2>/dev/null || echo 1; }  # NAME i -> 1|2
subnet_prefix() { echo "${SUBNETS[$1 - 1]}"; }                               # 1|2 -> 10.21x.0

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

# A "node" is a host (h<i>) or the router (r): namespace NAME-<node>, state dir <state>/<node>.
bus_address() { echo "unix:path=$(state_dir "$1")/$2/dbus.sock"; }  # NAME NODE

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

write_avahi_conf() {  # DIR HOSTNAME [INTERFACES REFLECT WIDE_AREA_DOMAIN]
  local browse=() wide=no
  [[ -n "${5:-}" ]] && browse=("browse-domains=$5") && wide=yes
  cat > "$1/avahi-daemon.conf" <<CONF
[server]
host-name=$2
domain-name=local
${browse[*]}
use-ipv4=yes
use-ipv6=yes
allow-interfaces=${3:-eth0}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=$wide

[publish]
publish-hinfo=no
publish-workstation=no

[reflector]
enable-reflector=${4:-no}

[rlimits]
CONF
}

# The resolv.conf a wide-area host's avahi-daemon sees (bind-mounted in its own
# mount namespace only): avahi takes its unicast DNS servers from the
# nameserver lines and adds the search domains to its browse domains.
write_resolv_conf() {  # NAME i
  local dir domain; dir=$(state_dir "$1")
  domain=$(cat "$dir/wide_area" 2>/dev/null) || return 0
  printf 'nameserver %s.%s\nsearch %s\n' "$(subnet_prefix "$(host_subnet "$1" "$2")")" "$ROUTER" "$domain" \
    > "$dir/h$2/resolv.conf"
}

ns_exists() { ip netns list | grep -qx -e "$1" -e "$1 (id: [0-9]*)"; }

start_dbus() {  # NAME NODE
  local dir ns; dir="$(state_dir "$1")/$2"; ns="$1-$2"
  rm -f "$dir/dbus.sock"
  setsid ip netns exec "$ns" dbus-daemon --config-file="$dir/dbus.conf" --nofork --nopidfile \
    >"$dir/dbus.log" 2>&1 </dev/null &
  echo "$! dbus-daemon" > "$dir/dbus.pid"
  wait_for test -S "$dir/dbus.sock" || die "dbus-daemon of $ns did not start (see $dir/dbus.log)"
}

avahi_on_bus() {  # NAME NODE
  DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$1" "$2")" dbus-send --system --print-reply \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Avahi \
    | grep -q "boolean true"
}

start_avahi() {  # NAME NODE
  local dir ns root_net resolv=""; dir="$(state_dir "$1")/$2"; ns="$1-$2"
  ns_exists "$ns" || die "namespace $ns missing"
  [[ -f "$dir/resolv.conf" ]] && resolv="$dir/resolv.conf"
  root_net=$(readlink /proc/self/ns/net)
  # Own mount namespace: a private /run/avahi-daemon (pid file, socket) per
  # host, no static services from /etc/avahi/services and, for wide-area, its
  # own /etc/resolv.conf (nothing of the real /etc changes). The net-ns check
  # is the last guard before exec: never an avahi-daemon in the root namespace.
  DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$1" "$2")" setsid ip netns exec "$ns" \
    unshare --mount --propagation private sh -c '
      [ "$(readlink /proc/self/ns/net)" != "$1" ] || { echo "refusing: root netns" >&2; exit 1; }
      mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon || exit 1
      if [ -d /etc/avahi/services ]; then mount -t tmpfs tmpfs /etc/avahi/services || exit 1; fi
      if [ -n "$3" ]; then mount --bind "$3" /etc/resolv.conf || exit 1; fi
      exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f "$2"
    ' sh "$root_net" "$dir/avahi-daemon.conf" "$resolv" >>"$dir/avahi.log" 2>&1 </dev/null &
  echo "$! avahi-daemon" > "$dir/avahi.pid"
  wait_for avahi_on_bus "$1" "$2" || die "avahi-daemon of $ns did not start (see $dir/avahi.log)"
}

# Puts host i's link on bridge br<SUBNET-1> with that subnet's address and,
# with a router, a default route through it.
attach_host() {  # NAME i SUBNET
  local ns="$1-h$2" sw="$1-sw" prefix; prefix=$(subnet_prefix "$3")
  ip -n "$sw" link set "p$2" nomaster
  ip -n "$sw" link set "p$2" master "br$(($3 - 1))" up
  ip -n "$ns" -4 addr flush dev eth0
  ip -n "$ns" addr add "$prefix.$2/24" dev eth0
  ip -n "$ns" link set eth0 multicast on up
  if [[ -d "$(state_dir "$1")/r" ]]; then ip -n "$ns" route replace default via "$prefix.$ROUTER"; fi
  echo "$3" > "$(state_dir "$1")/h$2/subnet"
}

add_bridge() {  # SWITCH_NS BRIDGE
  # No IGMP/MLD snooping: nobody is a querier here, snooping could drop mDNS.
  ip -n "$1" link add "$2" type bridge mcast_snooping 0
  ip -n "$1" link set "$2" up
}

# No DAD delay for the link-local address: avahi only uses ready addresses.
# No router advertisements here: no router solicitations either (they are
# noise in the traffic figures of tests and benchmarks, nothing would answer).
quiet_ipv6() {  # NS IFACE
  ip netns exec "$1" sh -c "echo 0 > /proc/sys/net/ipv6/conf/$2/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/$2/router_solicitations; echo 0 > /proc/sys/net/ipv6/conf/$2/disable_ipv6"
}

make_router() {  # NAME: namespace NAME-r, eth<k> = <subnet k+1>.ROUTER on br<k>, forwarding
  local ns="$1-r" sw="$1-sw" dir k; dir="$(state_dir "$1")/r"
  mkdir -p "$dir"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  for k in 0 1; do
    ip link add "eth$k" netns "$ns" type veth peer name "r$k" netns "$sw"
    ip -n "$sw" link set "r$k" master "br$k" up
    quiet_ipv6 "$ns" "eth$k"
    ip -n "$ns" addr add "${SUBNETS[k]}.$ROUTER/24" dev "eth$k"
    ip -n "$ns" link set "eth$k" multicast on up
  done
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
  write_dbus_conf "$dir"
  start_dbus "$1" r
}

cmd_up() {
  local name=$1 n=$2 dir i ns sw subnets=1 split="" domain=""
  shift 2
  check_name "$name"
  [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= MAX_HOSTS )) || die "host count must be 1..$MAX_HOSTS"
  while (( $# )); do
    (( $# >= 2 )) || usage
    case "$1" in
      --subnets)   subnets=$2 ;;
      --split)     split=$2 ;;
      --wide-area) domain=$2 ;;
      *) usage ;;
    esac
    shift 2
  done
  [[ "$subnets" == 1 || "$subnets" == 2 ]] || die "--subnets must be 1 or 2"
  if [[ "$subnets" == 1 ]]; then
    [[ -z "$split$domain" ]] || die "--split and --wide-area need --subnets 2 (a router)"
    split=$n
  fi
  [[ -n "$split" ]] || split=$(( (n + 1) / 2 ))
  [[ "$split" =~ ^[0-9]+$ ]] && (( split <= n )) || die "--split must be 0..$n"
  [[ -z "$domain" || "$domain" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,98}[A-Za-z0-9])?$ ]] || die "bad domain '$domain'"
  require_root
  dir=$(state_dir "$name"); sw="$name-sw"
  [[ ! -e "$dir" ]] || die "vlan '$name' exists ($dir); run: vlan.sh down $name"
  ip netns add "$sw" 2>/dev/null || skip "cannot create network namespaces"
  mkdir -p "$dir"
  echo "$n" > "$dir/hosts"
  [[ -z "$domain" ]] || echo "$domain" > "$dir/wide_area"
  trap 'echo "vlan.sh: up failed, tearing down" >&2; cmd_down "$name"' ERR

  ip -n "$sw" link set lo up
  add_bridge "$sw" br0
  (( subnets == 1 )) || add_bridge "$sw" br1
  # br_netfilter (if loaded) would pass bridged frames through this namespace's
  # (empty) iptables; turn that off so filtering can never eat multicast.
  local knob
  for knob in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
    [[ -e /proc/sys/net/bridge/$knob ]] && ip netns exec "$sw" sh -c "echo 0 > /proc/sys/net/bridge/$knob" 2>/dev/null || true
  done
  (( subnets == 1 )) || make_router "$name"

  for ((i = 1; i <= n; i++)); do
    ns="$name-h$i"
    mkdir -p "$dir/h$i"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Created directly inside the namespaces: never a link in the root one.
    ip link add eth0 netns "$ns" type veth peer name "p$i" netns "$sw"
    quiet_ipv6 "$ns" eth0
    attach_host "$name" "$i" $(( i <= split ? 1 : 2 ))
    write_dbus_conf "$dir/h$i"
    write_avahi_conf "$dir/h$i" "h$i" eth0 no "$domain"
    write_resolv_conf "$name" "$i"
    start_dbus "$name" "h$i"
    start_avahi "$name" "h$i"
  done
  trap - ERR
}

cmd_down() {
  local name=$1 dir ns
  check_name "$name"
  dir=$(state_dir "$name")
  if [[ -d "$dir" ]]; then
    kill_recorded "$dir"/h*/avahi.pid "$dir/r/avahi.pid" "$dir/r/dnsmasq.pid"
    kill_recorded "$dir"/h*/dbus.pid "$dir/r/dbus.pid"
  fi
  # Exact names only: other vlans (other tests running in parallel) stay.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    if [[ "$ns" == "$name-sw" || "$ns" == "$name-r" || "$ns" =~ ^"$name"-h[0-9]+$ ]]; then
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
}

cmd_exec() {
  local name=$1 i=$2; shift 2
  check_name "$name"; check_host "$name" "$i"
  (( $# > 0 )) || die "exec needs a command"
  exec env DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$name" "h$i")" ip netns exec "$name-h$i" "$@"
}

cmd_avahi_stop() {
  check_name "$1"; check_host "$1" "$2"
  kill_recorded "$(state_dir "$1")/h$2/avahi.pid"
}

cmd_avahi_start() {
  check_name "$1"; check_host "$1" "$2"
  ! pid_alive "$(state_dir "$1")/h$2/avahi.pid" || die "avahi-daemon of host $2 is already running"
  start_avahi "$1" "h$2"
}

cmd_addr() {
  check_name "$1"; check_host "$1" "$2"
  echo "$(subnet_prefix "$(host_subnet "$1" "$2")").$2"
}

cmd_bus() {
  check_name "$1"; check_host "$1" "$2"
  bus_address "$1" "h$2"
}

cmd_move() {  # NAME i SUBNET: like a laptop carried to the other network
  local name=$1 i=$2 subnet=$3 dir
  check_name "$name"; check_host "$name" "$i"; check_routed "$name"
  [[ "$subnet" == 1 || "$subnet" == 2 ]] || die "SUBNET must be 1 or 2"
  dir=$(state_dir "$name")
  kill_recorded "$dir/h$i/avahi.pid"
  attach_host "$name" "$i" "$subnet"
  write_resolv_conf "$name" "$i"
  # A fresh daemon: it announces the new address at once, and a wide-area one
  # reads the new subnet's nameserver.
  start_avahi "$name" "h$i"
}

cmd_router_exec() {
  local name=$1; shift
  check_name "$name"; check_routed "$name"
  (( $# > 0 )) || die "router-exec needs a command"
  exec env DBUS_SYSTEM_BUS_ADDRESS="$(bus_address "$name" r)" ip netns exec "$name-r" "$@"
}

cmd_reflector() {
  local dir; dir="$(state_dir "$1")/r"
  check_name "$1"; check_routed "$1"
  ! pid_alive "$dir/avahi.pid" || die "the reflector of '$1' is already running"
  write_avahi_conf "$dir" r eth0,eth1 yes
  start_avahi "$1" r
}

dns_listening() {  # NS: dnsmasq answers on port 53 of both router addresses
  local s; s=$(ip netns exec "$1" ss -Hlun 'sport = :53')
  [[ "$s" == *"${SUBNETS[0]}.$ROUTER:53"* && "$s" == *"${SUBNETS[1]}.$ROUTER:53"* ]]
}

cmd_dns() {
  local name=$1 conf=$2 dir ns root_net
  check_name "$name"; check_routed "$name"
  [[ -f "$conf" ]] || die "no such dnsmasq config '$conf'"
  conf=$(realpath "$conf")
  dir="$(state_dir "$name")/r"; ns="$name-r"
  ! pid_alive "$dir/dnsmasq.pid" || die "dnsmasq of '$name' is already running"
  root_net=$(readlink /proc/self/ns/net)
  # Only the router's two addresses (no loopback, no other interface), no
  # upstream servers, no /etc/hosts, no pid file, no DHCP unless CONFFILE asks;
  # as root (no dnsmasq user needed). The same root-netns guard as avahi's.
  setsid ip netns exec "$ns" sh -c '
      [ "$(readlink /proc/self/ns/net)" != "$1" ] || { echo "refusing: root netns" >&2; exit 1; }
      shift; exec dnsmasq "$@"
    ' sh "$root_net" --keep-in-foreground --conf-file="$conf" --no-resolv --no-hosts \
      --bind-interfaces --listen-address="${SUBNETS[0]}.$ROUTER" --listen-address="${SUBNETS[1]}.$ROUTER" \
      --except-interface=lo --pid-file= --user=root --group=root --log-facility="$dir/dnsmasq.log" \
      >>"$dir/dnsmasq.out" 2>&1 </dev/null &
  echo "$! dnsmasq" > "$dir/dnsmasq.pid"
  wait_for dns_listening "$ns" || die "dnsmasq did not start (see $dir/dnsmasq.out, $dir/dnsmasq.log)"
}

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

(( $# >= 2 )) || usage
cmd=$1; shift
case "$cmd" in
  up)          (( $# >= 2 )) || usage; cmd_up "$@" ;;
  down)        (( $# == 1 )) || usage; require_root; cmd_down "$@" ;;
  exec)        (( $# >= 3 )) || usage; cmd_exec "$@" ;;
  avahi-stop)  (( $# == 2 )) || usage; require_root; cmd_avahi_stop "$@" ;;
  avahi-start) (( $# == 2 )) || usage; require_root; cmd_avahi_start "$@" ;;
  addr)        (( $# == 2 )) || usage; cmd_addr "$@" ;;
  bus)         (( $# == 2 )) || usage; cmd_bus "$@" ;;
  move)        (( $# == 3 )) || usage; require_root; cmd_move "$@" ;;
  router-exec) (( $# >= 2 )) || usage; cmd_router_exec "$@" ;;
  reflector)   (( $# == 1 )) || usage; require_root; cmd_reflector "$@" ;;
  dns)         (( $# == 2 )) || usage; require_root dnsmasq ss realpath; cmd_dns "$@" ;;
  *) usage ;;
esac
