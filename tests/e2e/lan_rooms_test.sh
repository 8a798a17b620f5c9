#!/usr/bin/env bash
# Rooms on a virtual LAN with real hallway processes (docs/PROTOCOL.md §11):
# invitations name who sent them; every member gets every message exactly
# once, in each author's order; a member that was away gets what it missed
# from another member after the author has left (store and forward); a
# removed member gets nothing written after its removal; a non-member gets
# nothing; an open room is listed to everyone and anyone may join it.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 4

spawn_node alice 1
spawn_node bob 2
spawn_node carol 3
spawn_node dave 4
for n in alice bob carol dave; do wait_node $n; done
for a in alice bob carol; do
    for b in alice bob carol dave; do
        [ $a = $b ] && continue
        wait_for 15 "$a lists $b" online_in $a $b
    done
done

# rooms_json NAME: NAME's rooms. texts NAME ROOM: the texts it shows, in order.
rooms_json() { hw "$1" rooms --json; }
membership() { rooms_json "$1" | jq -r --arg r "$2" '[.[] | select(.name == $r)][0].membership // "none"'; }
texts() { hw "$1" history "#$2" --json | jq -r '.[] | select(.kind == "text") | .body'; }
count_text() { hw "$1" history "#$2" --json | jq --arg b "$3" '[.[] | select(.kind == "text" and .body == $b)] | length'; }
has_text() { [ "$(count_text "$1" "$2" "$3")" -ge 1 ]; }
is_membership() { [ "$(membership "$1" "$2")" = "$3" ]; }
members_at_least() { [ "$(hw "$1" room members "$2" --json | jq length)" -ge "$3" ]; }

# --- invitations -----------------------------------------------------------
hw alice room create team --topic "the team" >/dev/null || fail "alice creates #team"
for m in bob carol; do
    hw alice room invite team $m || fail "alice invites $m"
    wait_for 10 "$m is invited" is_membership $m team invited
    inviter=$(rooms_json $m | jq -r '.[] | select(.name == "team") | .invited_by')
    [ "$inviter" = alice ] || fail "$m should see alice as the inviter, saw '$inviter'"
    [ -z "$(texts $m team 2>/dev/null)" ] || fail "$m sees the room's texts before joining"
    hw $m room join team >/dev/null || fail "$m joins"
    wait_for 10 "$m holds the room's log" members_at_least $m team 2
done
[ "$(hw alice room members team --json | jq length)" = 3 ] || fail "alice should list 3 members"

# --- exactly once, in order ------------------------------------------------
for i in 1 2 3; do
    hw alice send "#team" "alice $i" --timeout 10 >/dev/null || fail "alice $i not held by every member"
    hw bob send "#team" "bob $i" --timeout 10 >/dev/null || fail "bob $i not held by every member"
done
out=$(hw carol send "#team" "carol 1" --timeout 10) || fail "carol 1 not held by every member"
[ "$out" = "delivered to 2 of 2 members" ] || fail "carol's delivery line: $out"
for m in alice bob carol; do
    for b in "alice 1" "alice 2" "alice 3" "bob 1" "bob 2" "bob 3" "carol 1"; do
        wait_for 10 "$m shows '$b'" has_text $m team "$b"
        [ "$(count_text $m team "$b")" = 1 ] || fail "$m shows '$b' $(count_text $m team "$b") times"
    done
    [ "$(texts $m team | grep '^alice' | tr '\n' ,)" = "alice 1,alice 2,alice 3," ] || fail "$m: alice's order"
    [ "$(texts $m team | grep '^bob' | tr '\n' ,)" = "bob 1,bob 2,bob 3," ] || fail "$m: bob's order"
done

# --- store and forward: carol away, alice writes and leaves, carol returns --
kill9_node carol
wait_for 10 "alice sees carol gone" offline_in alice carol
hw alice send "#team" "while carol was away" --timeout 5 >/dev/null && fail "carol cannot hold it yet"
wait_for 10 "bob has alice's message" has_text bob team "while carol was away"
kill -TERM "${NODE_PID[alice]}"
wait_for 5 "bob sees alice leave" offline_in bob alice
wait "${NODE_PID[alice]}" || true
start_node carol 3
wait_for 20 "carol gets alice's message from bob" has_text carol team "while carol was away"
[ "$(count_text carol team "while carol was away")" = 1 ] || fail "carol shows the relayed message twice"

# --- removal --------------------------------------------------------------
start_node alice 1
wait_for 15 "alice sees carol" online_in alice carol
hw alice room remove team carol || fail "alice removes carol"
wait_for 10 "carol learns she was removed" is_membership carol team left
hw alice send "#team" "after carol left" --timeout 10 >/dev/null || fail "bob should hold the message after the removal"
hw bob send "#team" "bob after the removal" --timeout 10 >/dev/null || fail "alice should hold bob's message"
sleep 2
[ "$(count_text carol team "after carol left")" = 0 ] || fail "carol got a message written after her removal"
[ "$(count_text carol team "bob after the removal")" = 0 ] || fail "carol got bob's message after her removal"
hw carol send "#team" "am I still in?" --timeout 0 >/dev/null 2>&1 && fail "a removed member could still write"

# --- a non-member gets nothing ----------------------------------------------
[ "$(membership dave team)" = none ] || fail "dave should know nothing of #team"
hw dave history "#team" >/dev/null 2>&1 && fail "dave can read #team"

# --- open rooms -------------------------------------------------------------
hw bob room create hall --open --topic "everyone here" >/dev/null || fail "bob creates #hall"
hw bob send "#hall" "welcome to the hall" --timeout 0 >/dev/null
listed=$(hw dave rooms --open --json --wait 3)
echo "$listed" | jq -e 'any(.[]; .name == "hall" and .topic == "everyone here" and .members == 1)' >/dev/null ||
    fail "dave should see #hall listed: $listed"
echo "$listed" | jq -e 'all(.[]; .name != "team")' >/dev/null || fail "a private room was listed: $listed"
hw dave room join hall >/dev/null || fail "dave joins #hall"
wait_for 10 "dave joined #hall" is_membership dave hall joined
wait_for 10 "dave reads the hall" has_text dave hall "welcome to the hall"
hw dave send "#hall" "hello from dave" --timeout 10 >/dev/null || fail "bob should hold dave's message"
has_text bob hall "hello from dave" || fail "bob does not show dave's message"
echo "rooms test passed"
