#!/usr/bin/env bash
# kill -9 the receiver in the middle of 1,000 messages, restart it: all 1,000
# are delivered exactly once, in order.
source "$(dirname "$0")/lib.sh"
e2e_init
N=1000

start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 5 "alice lists bob" online_in alice bob

for i in $(seq 1 $N); do
    hw alice send bob "m$i" --timeout 0 >/dev/null || fail "queueing m$i"
    if [ "$i" = 300 ]; then kill9_node bob; fi
done
start_node bob - --no-mdns --port "$bport"
wait_for 60 "bob has all $N" bash -c "[ \"\$(\"$HALLWAY\" --profile $E2E_DIR/bob history alice --json | jq length)\" = $N ]"
hw bob history alice --json | jq -e --argjson n $N '[.[].body] == [range(1; $n + 1) | "m\(.)"]' >/dev/null \
    || fail "messages lost, duplicated or out of order"
wait_for 20 "alice sees all delivered" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/alice history bob --json | jq -e 'length == $N and all(.state == \"delivered\")'"
echo "kill receiver test passed"
