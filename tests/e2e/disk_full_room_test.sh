#!/usr/bin/env bash
# Issue 14, "Receiver cannot store", for rooms: with a member's disk full, room
# messages are not acknowledged and its user is told once why; once space is
# freed they all arrive, once each and in order, on the SAME session (the
# author asks again within the session, docs/PROTOCOL.md §11.5) and the author
# sees them delivered. The member's profile is a small tmpfs in a private mount
# namespace (full_disk_lib.sh).
source "$(dirname "$0")/full_disk_lib.sh" "$@"
N=5

membership() { hw "$1" rooms --json | jq -r '[.[] | select(.name == "team")][0].membership // "none"'; }
is_membership() { [ "$(membership "$1")" = "$2" ]; }
texts() { hw "$1" history "#team" --json | jq -c '[.[] | select(.kind == "text") | .body | split(" ")[0]]'; }
hw alice room create team >/dev/null || fail "alice creates #team"
hw alice room invite team bob >/dev/null || fail "alice invites bob"
wait_for 10 "bob is invited" is_membership bob invited
hw bob room join team >/dev/null || fail "bob joins #team"
wait_for 10 "bob joined" is_membership bob joined
hw alice send "#team" "before" --timeout 10 >/dev/null || fail "a room message before the disk fills is not held by bob"

conn_before=$(connection)
[ "$(printf '%s\n' "$conn_before" | grep -c .)" = 1 ] || fail "expected one connection to bob, got: $conn_before"

fill_bob

for i in $(seq 1 $N); do hw alice send "#team" "full-$i $pad" --timeout 0 >/dev/null || fail "sending full-$i"; done

notice='cannot store messages from "alice" in #team'
wait_for 10 "bob is told it cannot store alice's room messages" grep -qF "$notice" "$E2E_DIR/bob.log"
grep -F "$notice" "$E2E_DIR/bob.log" | grep -q 'they will arrive when space is freed' \
    || fail "the notice should say what happens next: $(grep 'cannot store' "$E2E_DIR/bob.log")"
# Past the first asks again (2 s, 4 s), still full: nothing held, nothing confirmed, one notice.
sleep 7
[ "$(texts bob)" = '["before"]' ] || fail "bob holds messages stored on a full disk? $(texts bob)"
hw alice history "#team" --json | jq -e '[.[] | select(.kind == "text" and (.body | startswith("full-")))]
        | length == '$N' and all(.delivered == 0 and .of == 1)' >/dev/null \
    || fail "unstored messages must not be confirmed: $(hw alice history "#team" --json | jq -c '[.[] | [.delivered, .of]]')"
[ "$(grep -c 'cannot store messages' "$E2E_DIR/bob.log")" = 1 ] \
    || fail "one notice per episode, got: $(grep 'cannot store' "$E2E_DIR/bob.log")"
[ "$(connection)" = "$conn_before" ] || fail "the session changed while the disk was full"

rm "$E2E_DIR/bob/fill"
# The next ask (at most 30 s apart) brings them without a new session.
delivered() { hw alice history "#team" --json | jq -e 'all(.[] | select(.kind == "text"); .delivered == .of)' >/dev/null; }
wait_for 40 "alice's room messages are delivered after space is freed" delivered
want=$(jq -nc --argjson n $N '["before"] + [range(1; $n + 1) | "full-\(.)"]')
[ "$(texts bob)" = "$want" ] || fail "messages lost, duplicated or out of order: $(texts bob)"
out=$(hw alice send "#team" "after" --timeout 10) || fail "a message after space is freed: $out"
grep -qF 'messages from "alice" in #team are stored again' "$E2E_DIR/bob.log" || fail "bob is not told storing works again"
[ "$(connection)" = "$conn_before" ] || fail "the session changed: $conn_before -> $(connection)"
hw bob peers --json | jq -e 'any(.[]; .nick == "alice" and .session)' >/dev/null || fail "bob lost the session"
echo "disk full room test passed"
