#!/usr/bin/env bash
# kill -9 the sender while its messages are between the durable write and the
# acknowledgement, restart it: each message is delivered exactly once.
source "$(dirname "$0")/lib.sh"
e2e_init
N=200

start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --port 0 --peer "127.0.0.1:$bport"
aport=$(port_of alice)
wait_for 5 "alice lists bob" online_in alice bob

# Bob is frozen: alice's messages are stored and sent, but no ack can come back.
kill -STOP "${NODE_PID[bob]}"
for i in $(seq 1 $N); do hw alice send bob "s$i" --timeout 0 >/dev/null; done
hw alice history bob --json | jq -e 'all(.state != "delivered")' >/dev/null || fail "acked while bob was frozen?"
kill9_node alice
# Bob wakes, reads what was in flight and acknowledges into a dead connection.
kill -CONT "${NODE_PID[bob]}"
start_node alice - --no-mdns --port "$aport" --peer "127.0.0.1:$bport"
wait_for 30 "alice sees all $N delivered" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/alice history bob --json | jq -e 'length == $N and all(.state == \"delivered\")'"
hw bob history alice --json | jq -e --argjson n $N '[.[].body] == [range(1; $n + 1) | "s\(.)"]' >/dev/null \
    || fail "bob's copy is not exactly s1..s$N once each in order: $(hw bob history alice --json | jq -c '[.[].body]' | head -c 400)"
echo "kill sender test passed"
