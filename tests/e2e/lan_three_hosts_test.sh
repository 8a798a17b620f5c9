#!/usr/bin/env bash
# Three hosts on a virtual LAN, each with its own avahi-daemon: they find each
# other through mDNS alone, chat both ways with acknowledgements, and notice a
# graceful leave at once and a kill -9 within the keepalive bound.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 3

start_node alice 1
start_node bob 2
start_node carol 3
for a in alice bob carol; do
    for b in alice bob carol; do
        [ $a = $b ] && continue
        wait_for 10 "$a lists $b" online_in $a $b
    done
done
# Our own service never shows as a buddy.
for a in alice bob carol; do
    [ "$(hw $a peers --json | jq --arg n $a '[.[] | select(.nick == $n)] | length')" = 0 ] || fail "$a lists itself"
done
# One buddy per identity, however many addresses it was seen at.
[ "$(hw alice peers --json | jq length)" = 2 ] || fail "alice should list exactly 2 buddies: $(hw alice peers --json)"

hw alice send bob "hi bob, from alice" --timeout 5 || fail "alice -> bob"
hw bob send alice "hi alice, from bob" --timeout 5 || fail "bob -> alice"
hw carol send alice "carol here" --timeout 5 || fail "carol -> alice"
[ "$(count_in bob alice 'hi bob, from alice')" = 1 ] || fail "bob did not store alice's message once"
[ "$(count_in alice carol 'carol here')" = 1 ] || fail "alice did not store carol's message once"

# Graceful leave: an orderly close, seen before any timeout could fire.
kill -TERM "${NODE_PID[carol]}"
wait_for 2 "alice sees carol leave" offline_in alice carol
wait_for 2 "bob sees carol leave" offline_in bob carol

# kill -9: no goodbye; the keepalive notices within seconds.
kill9_node bob
wait_for 8 "alice notices bob died" offline_in alice bob
echo "three hosts test passed"
