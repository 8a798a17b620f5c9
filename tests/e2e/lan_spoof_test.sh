#!/usr/bin/env bash
# A spoofed TXT record: mallory's node announces alice's fingerprint (with
# avahi-publish). Bob dials it, the authenticated key does not match, and the
# session is refused and reported as a spoofing attempt.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 3

start_node alice 1
afp=$(fp_of alice)
start_node mallory 2 --no-mdns --port 47001
# The claim is in the TXT record (alice's fp and nick); its own instance name
# avoids a rename war with alice's "alice" that can last many seconds.
on_host 2 avahi-publish -s "alice's laptop" _hallway._tcp 47001 "v=1" "fp=$afp" "nick=alice" >"$E2E_DIR/publish.log" 2>&1 &
E2E_PIDS+=($!)
start_node bob 3
wait_for 10 "bob lists the real alice" online_in bob alice
wait_for 20 "bob reports the spoofing attempt" grep -q "Spoofing attempt refused" "$E2E_DIR/bob.log"
# Bob lists alice once, with alice's real fingerprint, and no session with mallory's key under that claim.
hw bob peers --json | jq -e --arg fp "$afp" '[.[] | select(.nick == "alice")] | length == 1 and .[0].id == $fp' >/dev/null \
    || fail "bob's alice is not the real one: $(hw bob peers --json)"
hw bob peers --json | jq -e 'all(.nick != "mallory")' >/dev/null || fail "mallory got a session through the spoofed record"
echo "spoof test passed"
