#!/usr/bin/env bash
# The control socket holds every limit with the real binary (22.3, 22.5): a
# conversation of 64 KiB texts of control characters (6 bytes of JSON each) and
# 5,000 contacts with the longest names, written into the store while the node
# is down, come back whole through `hallway history` and `hallway peers` (in
# pages); a status too long to load back is refused and the profile still opens.
source "$(dirname "$0")/lib.sh"
e2e_init
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed: skipped"; exit 77; }

start_node alice - --no-mdns --port 0
hw alice peers >/dev/null  # the store exists once the node answers
kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" || true

sqlite3 "$E2E_DIR/alice/hallway.db" <<'SQL'
INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust)
    VALUES(zeroblob(32), 'bob', 1, 1, 'unverified');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
INSERT INTO messages(id, peer, direction, body, sent_at_ms, received_at_ms, state)
    SELECT randomblob(16), zeroblob(32), 'in', replace(hex(zeroblob(65536)), '00', char(1)) || i, i, i, 'delivered'
    FROM n;
-- Seen just now: strangers unseen for a long time are forgotten at start.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO contacts(key, nick, first_seen_ms, last_seen_ms, trust)
    SELECT randomblob(32), replace(hex(zeroblob(64)), '00', char(27)), now, now, 'unverified'
    FROM n, (SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS now);
SQL

start_node alice - --no-mdns --port 0
hw alice history bob --json >"$E2E_DIR/history.json" || fail "history failed"
jq -e 'length == 9 and ([.[].body | length] | all(. == 65537)) and (map(.body[-1:]) == ["1","2","3","4","5","6","7","8","9"])' \
    "$E2E_DIR/history.json" >/dev/null || fail "history incomplete or out of order"
[ "$(hw alice history bob --limit 4 --json | jq -r 'map(.body[-1:]) | join("")')" = 6789 ] \
    || fail "--limit 4 should give the newest four"
[ "$(hw alice history bob | wc -l)" = 9 ] || fail "text history should print nine lines"
[ "$(hw alice peers --json | jq length)" = 5001 ] || fail "peers should list 5,001 contacts"

set +e
hw alice status away "$(head -c 70000 /dev/zero | tr '\0' x)" 2>"$E2E_DIR/err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "a 70,000-byte status should be refused"
grep -q "256" "$E2E_DIR/err" || fail "the refusal should say the limit: $(cat "$E2E_DIR/err")"
set +e
hw alice send bob "$(head -c 65537 /dev/zero | tr '\0' y)" --timeout 0 2>"$E2E_DIR/err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "a text over 64 KiB should be refused"
grep -q "65536" "$E2E_DIR/err" || fail "the refusal should say the limit: $(cat "$E2E_DIR/err")"

kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" || true
hw alice id >/dev/null || fail "the profile should still load"
echo "control pages test passed"
