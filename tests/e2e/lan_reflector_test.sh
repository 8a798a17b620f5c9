#!/usr/bin/env bash
# Two subnets joined by a router: mDNS does not cross it, so a node on each
# side does not find the other; with an mDNS reflector in the router
# (avahi-daemon, enable-reflector) they list each other and chat both ways,
# without --peer (the reflected address is on the other subnet: routed).
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up_routed 2 1

start_node alice 1
start_node bob 2
# Both browse the whole time: without the reflector neither sees the other.
listed_in() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n)' >/dev/null; }
never_for 4 "alice lists bob across the router without a reflector" listed_in alice bob
listed_in bob alice && fail "bob lists alice across the router without a reflector"

reflector_up
wait_for 15 "alice lists bob through the reflector" online_in alice bob
wait_for 15 "bob lists alice through the reflector" online_in bob alice

hw alice send bob "hello from subnet 1" --timeout 5 || fail "alice -> bob"
hw bob send alice "hello from subnet 2" --timeout 5 || fail "bob -> alice"
[ "$(count_in bob alice 'hello from subnet 1')" = 1 ] || fail "bob did not store alice's message once"
[ "$(count_in alice bob 'hello from subnet 2')" = 1 ] || fail "alice did not store bob's message once"
echo "reflector test passed"
