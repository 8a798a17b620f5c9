#!/usr/bin/env bash
# Issue 22.7: a queued message too large to ever send (here written straight
# into the store, over the 64 KiB text limit) used to block everything queued
# behind it forever. It is now marked failed with its reason and the rest flows.
source "$(dirname "$0")/lib.sh"
e2e_init
command -v sqlite3 >/dev/null || { echo "SKIP: needs sqlite3"; exit 77; }

start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 5 "alice lists bob" online_in alice bob
kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" || true

# Alice's outbox: a 1,100,000-byte text, then a normal one behind it.
sqlite3 "$E2E_DIR/alice/hallway.db" <<'SQL'
INSERT INTO messages(id, peer, direction, body, sent_at_ms, received_at_ms, state)
    SELECT randomblob(16), key, 'out', replace(hex(zeroblob(550000)), '0', 'x'), 1, 1, 'queued' FROM contacts;
INSERT INTO messages(id, peer, direction, body, sent_at_ms, received_at_ms, state)
    SELECT randomblob(16), key, 'out', 'behind the big one', 2, 2, 'queued' FROM contacts;
SQL

normal_delivered() {
    [ "$(count_in bob alice "behind the big one")" = 1 ] &&
        hw alice history bob --json | jq -e 'any(.[]; .body == "behind the big one" and .state == "delivered")'
}
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 10 "the normal message is delivered behind the big one" normal_delivered
[ "$(hw bob history alice --json | jq length)" = 1 ] || fail "bob should hold only the normal message"
big=$(hw alice history bob --json | jq -c '.[] | select(.body | length > 1048576) | {state, failure}')
echo "$big" | jq -e '.state == "failed" and (.failure | test("^too large to send: [0-9]+ bytes, the limit is 65536$"))' >/dev/null \
    || fail "the big message should be failed with its reason, got $big"
echo "outbox too large test passed"
