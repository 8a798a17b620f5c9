#!/usr/bin/env bash
# Without a reachable avahi-daemon Hallway says so plainly and still works with
# --peer; when avahi-daemon comes back it registers and is found by others.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 2

"$VLAN_SH" avahi-stop "$E2E_VLAN" 1
start_node alice 1 --port 47010
wait_for 5 "alice says avahi-daemon is missing" grep -q "avahi-daemon" "$E2E_DIR/alice.log"
start_node bob 2 --peer "$(host_addr 1):47010"
wait_for 5 "bob reaches alice by --peer" online_in bob alice
hw bob send alice "no mdns needed" --timeout 5 || fail "bob -> alice without mDNS"

# avahi-daemon restarted on alice's host: alice registers again, a newcomer finds her by mDNS alone.
"$VLAN_SH" avahi-start "$E2E_VLAN" 1
kill -TERM "${NODE_PID[bob]}"; wait "${NODE_PID[bob]}" || true
start_node carol 2
wait_for 15 "carol finds alice through mDNS" online_in carol alice
echo "no avahi test passed"
