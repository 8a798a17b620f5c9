#!/usr/bin/env bash
# mDNS abuse: an attacker host publishes hundreds of _hallway._tcp instances
# with random fingerprints and malformed TXT records (one in six claims the
# name "alice"), and flaps them all every few seconds. A running node's memory
# stays bounded, no sighting ever becomes a buddy (that takes a handshake with
# the right key), and two real people still find each other and chat.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 3
: "${MDNS_FLOOD:?MDNS_FLOOD must name the mdns_flood binary}"
COUNT=600      # avahi-daemon's default per-client object limit is 1024
SECONDS_=45

start_node alice 1
start_node bob 2
wait_for 10 "alice lists bob" online_in alice bob
rss() { awk '/VmRSS/ {print $2}' "/proc/${NODE_PID[alice]}/status"; }
rss_before=$(rss)

on_host 3 "$MDNS_FLOOD" $COUNT 3000 $SECONDS_ 9 >"$E2E_DIR/flood.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 60 "the flood is published" grep -q "published $COUNT" "$E2E_DIR/flood.log"
# The flood must really reach alice's host, or the checks below prove nothing.
seen() { [ "$(on_host 1 avahi-browse -pt _hallway._tcp 2>/dev/null | grep -c '^+')" -ge $((COUNT / 2)) ]; }
wait_for 30 "alice's host sees the flooded instances" seen
peak=0
for _ in $(seq 1 $((SECONDS_ - 10))); do
    r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
    sleep 1
done
note "alice's resident memory: ${rss_before} kB before, ${peak} kB at the peak of the flood"
# Bounded: a generous 64 MB, where an unbounded table of sightings and dial
# targets would grow with every flap. Not in sanitizer builds: ASan keeps freed
# memory in quarantine on purpose, so resident memory says nothing there.
if [ "${HALLWAY_SANITIZED:-0}" = 1 ]; then
    note "sanitizer build: the memory bound is checked in the normal build only"
else
    [ "$peak" -lt 65536 ] || fail "alice's memory grew to ${peak} kB under the flood"
fi
hw alice peers --json | jq -e 'length == 1 and .[0].nick == "bob"' >/dev/null \
    || fail "a sighting became a buddy: $(hw alice peers --json | jq -c '[.[] | .nick]')"
hw alice send bob "still here" --timeout 10 || fail "alice -> bob during the flood"
hw bob send alice "me too" --timeout 10 || fail "bob -> alice during the flood"
kill -0 "${NODE_PID[alice]}" || fail "alice died"
echo "mdns abuse test passed"
