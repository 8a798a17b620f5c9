#!/usr/bin/env bash
# A contact that moved to another subnet is found again without --peer: nodes
# remember where a contact was reached and dial it there when no mDNS shows it
# (core/remembered_addresses.hpp). alice and carol meet on subnet 1 and carol
# writes to alice (contacts, not strangers). Then another identity (eve)
# listens where carol was: alice's dial there is refused as carol and reported,
# and carol is not shown online because of it. Then carol's host moves to
# subnet 2 (no mDNS crosses the router) and her node starts again there: carol
# dials alice where she reached her, both list each other online, and texts go
# both ways.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up_routed 2 2  # both hosts on subnet 1 for now


start_node alice 1
# They meet by mDNS alone. Where it resolves a link-local IPv6 address first
# (worth nothing on another subnet), discovery resolves the IPv4 twin too.
start_node carol 2
wait_for 20 "alice lists carol" online_in alice carol
wait_for 20 "carol lists alice" online_in carol alice
hw carol send alice "hello from subnet 1" --timeout 5 || fail "carol -> alice on subnet 1"
note "found by, on subnet 1: alice sees carol $(found_by alice carol), carol sees alice $(found_by carol alice)"

# eve listens at carol's address and port.
stop_node carol
wait_for 10 "alice shows carol offline" offline_in alice carol
start_node eve 2
wait_for 30 "alice refuses eve as carol at carol's remembered address and says so" \
    grep -q 'Spoofing attempt refused: 10\.213\.0\.2:[0-9]* was dialed as "carol"' "$E2E_DIR/alice.log"
never_for 3 "alice shows carol online while only eve is there" online_in alice carol
stop_node eve

# carol's laptop moves to subnet 2 and her node starts again there, without --peer.
move_host 2 2
[ "$(host_addr 2)" = 10.214.0.2 ] || fail "host 2 is not on subnet 2: $(host_addr 2)"
start_node carol 2
wait_for 30 "alice lists carol, now on subnet 2" online_in alice carol
wait_for 30 "carol lists alice across the router" online_in carol alice
hw alice send carol "hello to subnet 2" --timeout 5 || fail "alice -> carol"
hw carol send alice "hello from subnet 2" --timeout 5 || fail "carol -> alice"
[ "$(count_in carol alice 'hello to subnet 2')" = 1 ] || fail "carol did not store alice's text once"
[ "$(count_in alice carol 'hello from subnet 2')" = 1 ] || fail "alice did not store carol's text once"
alice_saw=$(found_by alice carol)
carol_saw=$(found_by carol alice)
note "found by, across the router: alice sees carol $alice_saw, carol sees alice $carol_saw"
# Neither mDNS nor --peer: a remembered address (or the other dialing in from one).
for saw in "$alice_saw" "$carol_saw"; do
    jq -e 'any(.[]; . == "remembered" or . == "inbound") and all(.[]; startswith("mdns") | not)' <<<"$saw" >/dev/null ||
        fail "found_by is $saw"
done
[[ "$alice_saw$carol_saw" == *remembered* ]] || fail "neither was reached at a remembered address"
# hallway doctor counts the contact dialed at a remembered address.
report=$(hw alice doctor --json || true)  # exit 1 on any problem (nss-mdns missing, say): not ours to judge
jq -e 'any(.[]; .check == "remembered addresses" and (.detail | startswith("1 contact is")))' <<<"$report" >/dev/null ||
    fail "doctor: $(jq -c '.[] | select(.check == "remembered addresses")' <<<"$report")"
echo "subnet move test passed"
