#!/usr/bin/env bash
# Two nodes on loopback without mDNS: --peer connects them, messages go both
# ways with acknowledgements, and a graceful exit is seen at once.
source "$(dirname "$0")/lib.sh"
e2e_init

start_node alice - --no-mdns --port 0
aport=$(port_of alice)
start_node bob - --no-mdns --peer "127.0.0.1:$aport"
wait_for 5 "alice lists bob" online_in alice bob
wait_for 5 "bob lists alice" online_in bob alice

hw alice send bob "hello bob" --timeout 5 || fail "alice -> bob not acknowledged"
hw bob send alice "héllo álice, Γειά, Привет" --timeout 5 || fail "bob -> alice not acknowledged"
[ "$(count_in bob alice 'hello bob')" = 1 ] || fail "bob's history lacks alice's message"
[ "$(count_in alice bob 'héllo álice, Γειά, Привет')" = 1 ] || fail "alice's history lacks bob's message"
hw alice history bob --json | jq -e '.[] | select(.body == "héllo álice, Γειά, Привет") | .direction == "in"' >/dev/null \
    || fail "direction of an incoming message"
hw bob history alice --json | jq -e '.[] | select(.body == "héllo álice, Γειά, Привет") | .state == "delivered"' >/dev/null \
    || fail "state of an acknowledged message"

# An unknown peer and a missing node are clear errors with documented exit codes.
set +e
hw alice send nobody "x" --timeout 1 2>/dev/null; rc=$?
set -e
[ $rc -eq 4 ] || fail "unknown peer should exit 4, got $rc"
set +e
"$HALLWAY" --profile "$E2E_DIR/nonode" peers 2>"$E2E_DIR/err"; rc=$?
set -e
[ $rc -eq 3 ] || fail "no node should exit 3, got $rc"
grep -q "no Hallway node is running" "$E2E_DIR/err" || fail "no-node message"

# Graceful exit: the other side sees it go without waiting for a timeout.
kill -TERM "${NODE_PID[bob]}"
wait_for 2 "alice sees bob leave" offline_in alice bob
echo "manual peer test passed"
