#!/usr/bin/env bash
# The cable is cut for 30 s (both hosts' links down) while messages are sent;
# when it heals, every message is delivered exactly once, in order.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 2

start_node alice 1
start_node bob 2
wait_for 10 "alice lists bob" online_in alice bob
hw alice send bob "before the cut" --timeout 5 || fail "before the cut"

for h in 1 2; do on_host $h ip link set eth0 down; done
for i in $(seq 1 20); do hw alice send bob "during the cut $i" --timeout 0 >/dev/null; sleep 1; done
wait_for 10 "alice notices bob is unreachable" offline_in alice bob
sleep 10
for h in 1 2; do on_host $h ip link set eth0 up; done

wait_for 40 "bob has all 21 messages" bash -c \
    "[ \"\$(\"$HALLWAY\" --profile $E2E_DIR/bob history alice --json | jq length)\" = 21 ]"
hw bob history alice --json | jq -e '[.[].body] == ["before the cut"] + [range(1; 21) | "during the cut \(.)"]' >/dev/null \
    || fail "lost, duplicated or reordered: $(hw bob history alice --json | jq -c '[.[].body]')"
wait_for 10 "alice sees every message delivered" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/alice history bob --json | jq -e 'all(.state == \"delivered\")'"
echo "link cut test passed"
