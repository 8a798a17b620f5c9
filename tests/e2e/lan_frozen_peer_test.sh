#!/usr/bin/env bash
# A peer that only went silent (a frozen laptop, a Wi-Fi gap, an overloaded
# node) is shown gone, and shown again once it answers: the session it lost
# proves nothing while its mDNS record stands, so it is dialed again (found
# by scripts/bench_rooms: 49 members joining at once left some listing each
# other offline for good).
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 2

start_node alice 1
start_node bob 2
wait_for 15 "alice lists bob" online_in alice bob
wait_for 15 "bob lists alice" online_in bob alice
hold_focus alice bob   # watched closely: gone within seconds of silence

kill -STOP "${NODE_PID[bob]}"
wait_for 15 "alice shows the silent bob gone" offline_in alice bob
sleep 3
kill -CONT "${NODE_PID[bob]}"
wait_for 30 "alice shows bob again" online_in alice bob
wait_for 30 "bob shows alice again" online_in bob alice
hw alice send bob "still there?" --timeout 10 >/dev/null || fail "alice -> bob after the silence"
echo "frozen peer test passed"
