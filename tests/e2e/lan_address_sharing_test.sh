#!/usr/bin/env bash
# A contact on another subnet is reached through a verified contact that knows
# where it is (docs/PROTOCOL.md §13). alice, bob, dave on subnet 1 and carol
# meet there; carol writes to each (contacts, not strangers). alice and bob
# verify each other; dave verifies alice, but alice does not verify dave. Then
# bob and dave stop, carol's host moves to subnet 2 (no mDNS crosses the
# router) and her node starts again there and reaches alice at the address
# she remembers; bob and dave hold no working address of carol, nor carol of
# them (they come back on other ports). bob asks alice where
# carol is, reaches her and a text is delivered; dave asks too and learns
# nothing: carol stays offline in his list, and no one is "shared by" there.
# (A wrong key at a shared address: tests/core/node_address_sharing_test.cpp.)
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up_routed 4 4  # every host on subnet 1 for now


start_node alice 1
start_node bob 2
start_node dave 3
start_node carol 4
for who in alice bob dave; do
    wait_for 20 "carol lists $who" online_in carol "$who"
    hw carol send "$who" "hello $who" --timeout 5 || fail "carol -> $who on subnet 1"
done
wait_for 20 "alice lists bob" online_in alice bob
wait_for 20 "dave lists alice" online_in dave alice
hw alice verify bob --confirm >/dev/null || fail "alice verifies bob"
hw bob verify alice --confirm >/dev/null || fail "bob verifies alice"
hw dave verify alice --confirm >/dev/null || fail "dave verifies alice"
[ "$(hw alice share-addresses)" = verified ] || fail "the default setting is not verified"

stop_node bob
stop_node dave
stop_node carol
move_host 4 2
[ "$(host_addr 4)" = 10.214.0.4 ] || fail "host 4 is not on subnet 2: $(host_addr 4)"
start_node carol 4
wait_for 40 "alice lists carol, now on subnet 2" online_in alice carol

# bob and dave come back on other ports: carol's addresses of them are stale.
start_node bob 2 --port 49200
start_node dave 3 --port 49300
wait_for 20 "bob lists alice" online_in bob alice
wait_for 20 "dave lists alice" online_in dave alice
wait_for 30 "bob lists carol, told by alice where she is" online_in bob carol
hw bob send carol "hello across the router" --timeout 5 || fail "bob -> carol"
[ "$(count_in carol bob 'hello across the router')" = 1 ] || fail "carol did not store bob's text once"
bob_saw=$(found_by bob carol)
note "bob found carol by: $bob_saw"
jq -e 'any(.[]; . == "shared by alice")' <<<"$bob_saw" >/dev/null || fail "bob's found_by of carol is $bob_saw"

never_for 10 "dave lists carol online" online_in dave carol
dave_saw=$(found_by dave carol)
note "dave found carol by: $dave_saw"
jq -e 'all(.[]; startswith("shared") | not)' <<<"$dave_saw" >/dev/null || fail "dave's found_by of carol is $dave_saw"
echo "address sharing test passed"
