#!/usr/bin/env bash
# Authenticity across relays and membership (issue 14), with real processes:
# a member that relays another member's room message with one bit changed
# (tests/support/room_forger, run with carol's identity and log) is caught by
# the receiver, which reports the relay and never shows the altered text; a
# non-member that claims membership (dave asks for the log) gets nothing.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 3
: "${ROOM_FORGER:?ROOM_FORGER must name the room_forger binary}"

start_node alice 1
start_node bob 2
start_node carol 3
start_node dave 3
for m in bob carol dave; do wait_for 15 "alice lists $m" online_in alice $m; done
state() { [ "$(hw "$1" rooms --json | jq -r '.[] | select(.name == "team") | .membership')" = "$2" ]; }
hw alice room create team >/dev/null || fail "alice creates #team"
for m in bob carol; do
    hw alice room invite team $m || fail "invite $m"
    wait_for 10 "$m is invited" state $m invited
    hw $m room join team >/dev/null || fail "$m joins"
    wait_for 10 "$m joined" state $m joined
done
three() { [ "$(hw "$1" room members team --json | jq length)" = 3 ]; }
for m in alice bob carol; do wait_for 10 "$m lists 3 members" three $m; done
hw alice send "#team" "pay 10 euros to alice" --timeout 10 >/dev/null || fail "not held by every member"

# carol turns bad: her node stops, and a forger with her key and her log relays
# alice's message to bob with the first letter changed ("qay").
kill -TERM "${NODE_PID[carol]}"
wait "${NODE_PID[carol]}" || true
on_host 3 "$ROOM_FORGER" "$E2E_DIR/carol" "$(host_addr 2)" "$(port_of bob)" "pay 10 euros to alice" ||
    fail "the forger could not relay its entry"
reported() { grep -q "sent a message in #team that \"alice\" did not write" "$E2E_DIR/bob.log"; }
wait_for 10 "bob reports the forgery, naming the relay" reported
carol_fp=$(hw carol id | tail -n1)
grep "did not write" "$E2E_DIR/bob.log" | grep -qF "\"carol\" ($carol_fp)" ||
    fail "the report does not name carol ($carol_fp): $(grep 'did not write' "$E2E_DIR/bob.log")"
texts=$(hw bob history "#team" --json | jq -r '.[] | select(.kind == "text") | .body')
[ "$texts" = "pay 10 euros to alice" ] || fail "bob shows: $texts"

# dave, never invited, claims membership and asks alice for the whole log.
room_id=$(hw alice rooms --json | jq -r '.[] | select(.name == "team") | .id')
kill -TERM "${NODE_PID[dave]}"
wait "${NODE_PID[dave]}" || true
got=$(on_host 3 "$ROOM_FORGER" --claim "$E2E_DIR/dave" "$(host_addr 1)" "$(port_of alice)" "$room_id") ||
    fail "dave's claim could not be sent: $got"
[ "$got" = "received 0 entries" ] || fail "a non-member was served the log: $got"
echo "room forgery test passed"
