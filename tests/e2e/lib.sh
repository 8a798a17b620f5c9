# Shared helpers for the end-to-end tests: real `hallway` processes, on
# loopback (--no-mdns) or on a virtual LAN (tests/support/vlan.sh).
# Every test sources this, calls e2e_init, and gets everything torn down on
# exit, also on failure.
set -euo pipefail

HALLWAY=${HALLWAY:?HALLWAY must name the hallway binary}
VLAN_SH="$(cd "$(dirname "${BASH_SOURCE[0]}")/../support" && pwd)/vlan.sh"
E2E_PIDS=()
E2E_VLAN=""

e2e_init() {
    # Every check below reads the node's JSON with jq.
    command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
    E2E_DIR=$(mktemp -d /tmp/hallway-e2e.XXXXXX)
    trap e2e_cleanup EXIT
}

e2e_cleanup() {
    local rc=$?
    for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${E2E_PIDS[@]}"; do
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ $rc -ne 0 ] && [ -n "${E2E_DIR:-}" ]; then
        for log in "$E2E_DIR"/*.log; do
            [ -f "$log" ] || continue
            echo "--- $log"
            # A sanitizer report matters more than the last lines.
            if grep -q "Sanitizer\|runtime error" "$log"; then grep -m1 -A45 "Sanitizer\|runtime error" "$log"
            else tail -n 30 "$log"; fi
        done
    fi
    [ -n "$E2E_VLAN" ] && "$VLAN_SH" down "$E2E_VLAN" >/dev/null 2>&1 || true
    rm -rf "${E2E_DIR:-/nonexistent}"
    exit $rc
}

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

# Tests that need root and network namespaces skip (ctest SKIP_RETURN_CODE 77) elsewhere.
need_root() {
    if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
        echo "SKIP: needs root and network namespaces (ip netns)"; exit 77
    fi
}

# vlan_up N [ARGS...]: a virtual LAN of N hosts named after this test (ARGS go
# to `vlan.sh up`).
vlan_up() {
    need_root
    E2E_VLAN="e2e$$"
    "$VLAN_SH" up "$E2E_VLAN" "$@" >"$E2E_DIR/vlan.log" 2>&1 || { cat "$E2E_DIR/vlan.log"; fail "vlan up"; }
}
on_host() { local h=$1; shift; "$VLAN_SH" exec "$E2E_VLAN" "$h" "$@"; }

# Two subnets and a router between them (docs/VLAN.md); no mDNS crosses it
# unless reflector_up:
# vlan_up_routed N K [ARGS...]: hosts 1..K on subnet 1 (10.213.0.i), K+1..N on
#   subnet 2 (10.214.0.i); ARGS go to `vlan.sh up` (e.g. --wide-area DOMAIN).
# move_host i SUBNET: carry host i to subnet 1 or 2 (new address and route, its
#   avahi-daemon restarted; its processes keep running: restart a node if the
#   test means "the laptop was moved and reopened").
# router_exec CMD...: run CMD in the router's namespace.
# reflector_up: an avahi-daemon in the router reflecting mDNS between the subnets.
# dns_up CONFFILE: dnsmasq serving CONFFILE on 10.213.0.254 and 10.214.0.254.
vlan_up_routed() { local n=$1 k=$2; shift 2; vlan_up "$n" --subnets 2 --split "$k" "$@"; }
move_host() { vlan_cmd move "$E2E_VLAN" "$1" "$2"; }
router_exec() { "$VLAN_SH" router-exec "$E2E_VLAN" "$@"; }
reflector_up() { vlan_cmd reflector "$E2E_VLAN"; }
dns_up() { vlan_cmd dns "$E2E_VLAN" "$1"; }
# vlan_cmd ARGS...: vlan.sh ARGS, its output to vlan.log; fails the test if it fails.
vlan_cmd() { "$VLAN_SH" "$@" >>"$E2E_DIR/vlan.log" 2>&1 || { cat "$E2E_DIR/vlan.log"; fail "vlan.sh $*"; }; }

# impaired_link_up DELAY_MS LOSS SECONDS [CORRUPT]: a point-to-point link
# (tests/support/impaired_link) between vlan hosts 1 and 2, as 10.214.0.1 and
# 10.214.0.2 on imp0 in each.
impaired_link_up() {
    : "${IMPAIRED_LINK:?IMPAIRED_LINK must name the impaired_link binary}"
    "$IMPAIRED_LINK" "$E2E_VLAN-h1" "$E2E_VLAN-h2" "$@" >"$E2E_DIR/link.log" 2>&1 &
    E2E_PIDS+=($!)
    wait_for 5 "the impaired link is up" grep -q ready "$E2E_DIR/link.log"
    for h in 1 2; do
        on_host $h ip addr add "10.214.0.$h/24" dev imp0
        on_host $h ip link set imp0 up
    done
}
host_addr() { "$VLAN_SH" addr "$E2E_VLAN" "$1"; }

# start_node NAME HOST|- ARGS...: `hallway daemon` with profile $E2E_DIR/NAME,
# on a vlan host or (with -) here on loopback. Sets NODE_PID[NAME].
# spawn_node: the same without waiting for its control socket (start many at
# once, then wait_node each).
declare -A NODE_PID NODE_HOST
start_node() {
    spawn_node "$@"
    wait_node "$1"
}
wait_node() { wait_for 10 "$1 answers on its control socket" hw "$1" peers; }
spawn_node() {
    local name=$1 host=$2; shift 2
    local prof="$E2E_DIR/$name"
    local nick=(--nick "$name")
    [[ " $* " == *" --nick "* ]] && nick=()
    if [ "$host" = "-" ]; then
        "$HALLWAY" --profile "$prof" daemon "${nick[@]}" "$@" >>"$E2E_DIR/$name.log" 2>&1 &
    else
        # Not through a function: $! must be the process that becomes hallway (vlan.sh execs).
        "$VLAN_SH" exec "$E2E_VLAN" "$host" "$HALLWAY" --profile "$prof" daemon "${nick[@]}" "$@" >>"$E2E_DIR/$name.log" 2>&1 &
    fi
    NODE_PID[$name]=$!
    NODE_HOST[$name]=$host
    E2E_PIDS+=($!)
}

# hold_focus NAME PEER: a control client that puts PEER's conversation in the
# foreground on NAME's node and holds it (as a window would) until killed.
hold_focus() {
    python3 - "$E2E_DIR/$1/control.sock" "$2" <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"cmd": "focus", "peer": sys.argv[2]}) + "\n").encode())
reply = json.loads(s.makefile().readline())
if not reply.get("ok"):
    sys.exit("focus refused: %s" % reply)
while True:
    time.sleep(60)
PY
    E2E_PIDS+=($!)
}

# hw NAME ARGS...: a hallway client command against NAME's node.
# kill9_node NAME: kill -9 and reap it. SIGKILL is delivered asynchronously: a
# restart before the process is gone finds its profile lock still held.
kill9_node() {
    kill -KILL "${NODE_PID[$1]}" 2>/dev/null || true
    wait "${NODE_PID[$1]}" 2>/dev/null || true
}

hw() { local name=$1; shift; "$HALLWAY" --profile "$E2E_DIR/$name" "$@"; }
port_of() { hw "$1" peers >/dev/null; grep -o 'port [0-9]*' "$E2E_DIR/$1.log" | tail -n1 | cut -d' ' -f2; }
fp_of() { hw "$1" id | tail -n1 | tr -d ' '; }

# wait_for SECONDS WHAT CMD...: polls CMD until it succeeds; fails after SECONDS.
wait_for() {
    local secs=$1 what=$2; shift 2
    local end=$(( $(date +%s%N) + secs * 1000000000 ))
    while [ "$(date +%s%N)" -lt $end ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "timed out after ${secs}s waiting until $what"
}

# never_for SECONDS WHAT CMD...: polls CMD for SECONDS; fails as soon as it succeeds.
never_for() {
    local secs=$1 what=$2; shift 2
    local end=$(( $(date +%s%N) + secs * 1000000000 ))
    while [ "$(date +%s%N)" -lt $end ]; do
        ! "$@" >/dev/null 2>&1 || fail "$what (within ${secs}s)"
        sleep 0.1
    done
}

# online_in NAME PEERNICK: NAME lists PEERNICK as online.
online_in() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and .online)' >/dev/null; }
offline_in() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and (.online | not))' >/dev/null; }
# count_in NAME PEER BODY: how many messages with BODY NAME's history with PEER holds.
count_in() { hw "$1" history "$2" --json | jq --arg b "$3" '[.[] | select(.body == $b)] | length'; }
# Stops a node started by start_node and waits for it (a graceful leave).
stop_node() { kill -TERM "${NODE_PID[$1]}" 2>/dev/null || true; wait "${NODE_PID[$1]}" 2>/dev/null || true; }
# How $1 found $2, as a JSON array ("mdns eth0", "remembered", "shared by alice"...).
found_by() { hw "$1" peers --json | jq -c --arg n "$2" '[.[] | select(.nick == $n) | .found_by[]]'; }
