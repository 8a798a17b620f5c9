#!/usr/bin/env bash
# Nothing lost: a message to an offline known contact is queued (exit code 5
# with --timeout, 0 with --timeout 0) and arrives exactly once when the
# contact comes back; history survives restarts.
source "$(dirname "$0")/lib.sh"
e2e_init

start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 5 "alice lists bob" online_in alice bob

kill -TERM "${NODE_PID[bob]}"; wait "${NODE_PID[bob]}" || true
wait_for 3 "alice sees bob offline" offline_in alice bob

set +e
hw alice send bob "while you were out" --timeout 1 >"$E2E_DIR/out" 2>&1; rc=$?
set -e
[ $rc -eq 5 ] || fail "send to an offline contact should exit 5 (queued), got $rc: $(cat "$E2E_DIR/out")"
grep -q "stays queued" "$E2E_DIR/out" || fail "the message should say it stays queued"
hw alice send bob "second, queued" --timeout 0 || fail "--timeout 0 returns once queued"
hw alice history bob --json | jq -e 'map(select(.direction=="out")) | all(.state == "queued")' >/dev/null \
    || fail "offline messages should be queued"

# Bob comes back on the same port: both arrive, once, in order.
start_node bob - --no-mdns --port "$bport"
wait_for 10 "bob has both messages" bash -c "[ \"\$(\"$HALLWAY\" --profile $E2E_DIR/bob history alice --json | jq length)\" = 2 ]"
hw bob history alice --json | jq -e '[.[].body] == ["while you were out", "second, queued"]' >/dev/null \
    || fail "order or content wrong: $(hw bob history alice --json)"
wait_for 5 "alice sees both delivered" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/alice history bob --json | jq -e 'all(.state == \"delivered\")'"

# History survives a restart of the node.
kill -TERM "${NODE_PID[bob]}"; wait "${NODE_PID[bob]}" || true
start_node bob - --no-mdns --port "$bport"
[ "$(hw bob history alice --json | jq length)" = 2 ] || fail "history lost across restart"
echo "offline queue test passed"
