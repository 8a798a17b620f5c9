#!/usr/bin/env bash
# Two computers running one copy of a profile (the same key): hallway doctor on
# one names the other's announcement of our fingerprint and says what to do.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/doctor_lib.sh"
e2e_init
vlan_up 2

hw alice id >/dev/null  # creates the profile's key
cp -a "$E2E_DIR/alice" "$E2E_DIR/alice-copy"
start_node alice 1 --port 47030
start_node alice-copy 2 --port 47030 --nick alice
wait_for 10 "alice is published" published alice
wait_for 10 "the copy is published" published alice-copy

doctor_json 1 alice
finding problem '.check == "copies of this profile") and (.detail | contains("another computer announces this profile'"'"'s fingerprint")) and (.detail | test("at ('"$(host_addr 2)"'|\\[fe80::[0-9a-f:]+%eth0\\]):47030 on eth0: two computers use one copy of this profile")) and (.advice | contains("give each its own profile")' ||
    fail "doctor does not name the copy on host 2: $(cat "$E2E_DIR/doctor.json")"
# Our own running node (host 1, the same key) is not a copy of itself: every
# copy named is the other computer's (once per address it is announced at:
# IPv4, and IPv6 link-local when that resolves first).
jq -e '[.[] | select(.check == "copies of this profile")] | length >= 1 and length <= 2 and all(.detail | contains("on this computer") | not)' \
    "$E2E_DIR/doctor.json" >/dev/null || fail "doctor names our own node as a copy: $(cat "$E2E_DIR/doctor.json")"
echo "doctor profile copy test passed"
