#!/usr/bin/env bash
# Issue 14, "Receiver cannot store": with the receiver's disk full, texts are
# not acknowledged and its user is told once why; once space is freed they all
# arrive, once each and in order, on the SAME session (the sender resends
# within the session, docs/PROTOCOL.md §6.1) instead of waiting for a new one.
# The receiver's profile is a small tmpfs in a private mount namespace.
source "$(dirname "$0")/full_disk_lib.sh" "$@"
N=5
hw alice send bob "before" --timeout 5 >/dev/null || fail "a text before the disk fills is not delivered"

# The session's TCP connection: a reconnect would show another (alice's port is ephemeral).
conn_before=$(connection)
[ "$(printf '%s\n' "$conn_before" | grep -c .)" = 1 ] || fail "expected one connection to bob, got: $conn_before"

fill_bob

for i in $(seq 1 $N); do hw alice send bob "full-$i $pad" --timeout 0 >/dev/null || fail "queueing full-$i"; done

wait_for 10 "bob is told it cannot store alice's texts" grep -q 'cannot store messages from "alice"' "$E2E_DIR/bob.log"
grep 'cannot store messages from' "$E2E_DIR/bob.log" | grep -q 'they will arrive when space is freed' \
    || fail "the notice should say what happens next: $(grep 'cannot store' "$E2E_DIR/bob.log")"
# Past the first resend (2 s), still full: nothing stored, nothing acknowledged, one notice.
sleep 3
[ "$(hw bob history alice --json | jq '[.[] | select(.body | startswith("full-"))] | length')" = 0 ] \
    || fail "bob stored texts on a full disk?"
hw alice history bob --json | jq -e '[.[] | select(.body | startswith("full-")) | .state] | all(. == "sent")' >/dev/null \
    || fail "unstored texts must not be acknowledged: $(hw alice history bob --json | jq -c '[.[] | .state]')"
[ "$(grep -c 'cannot store messages from' "$E2E_DIR/bob.log")" = 1 ] \
    || fail "one notice per episode, got: $(grep 'cannot store' "$E2E_DIR/bob.log")"

rm "$E2E_DIR/bob/fill"
# The next resend (at most 30 s apart) brings them without a new session.
wait_for 40 "alice's texts are delivered after space is freed" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/alice history bob --json | jq -e 'all(.state == \"delivered\")'"
hw bob history alice --json | jq -e --argjson n $N \
    '[.[].body | split(" ")[0]] == ["before"] + [range(1; $n + 1) | "full-\(.)"]' >/dev/null \
    || fail "texts lost, duplicated or out of order: $(hw bob history alice --json | jq -c '[.[].body | split(" ")[0]]')"
grep -q 'messages from "alice" are stored again' "$E2E_DIR/bob.log" || fail "bob is not told storing works again"
[ "$(connection)" = "$conn_before" ] || fail "the session changed: $conn_before -> $(connection)"
hw bob peers --json | jq -e 'any(.[]; .nick == "alice" and .session)' >/dev/null || fail "bob lost the session"
echo "disk full test passed"
