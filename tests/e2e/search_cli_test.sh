#!/usr/bin/env bash
# hallway search on two nodes over loopback: one-to-one texts and a room's,
# newest first, case and accents ignored, --peer and --limit, search syntax
# typed in taken as words, and the index kept across a restart.
source "$(dirname "$0")/lib.sh"
e2e_init

start_node alice - --no-mdns --port 0
aport=$(port_of alice)
start_node bob - --no-mdns --port 0 --peer "127.0.0.1:$aport"
wait_for 10 "alice lists bob" online_in alice bob
wait_for 10 "bob lists alice" online_in bob alice

hw alice send bob "Le Café est ouvert" --timeout 10 >/dev/null || fail "alice -> bob"
hw bob send alice "see you at the cafe then" --timeout 10 >/dev/null || fail "bob -> alice"
hw alice room create team >/dev/null || fail "alice creates #team"
hw alice room invite team bob || fail "alice invites bob"
invited() { hw bob rooms --json | jq -e 'any(.[]; .name == "team")'; }
wait_for 10 "bob is invited" invited
hw bob room join team >/dev/null || fail "bob joins #team"
hw alice send "#team" "CAFÉ crème for the team?" --timeout 10 >/dev/null || fail "alice -> #team"

hits() { hw bob search "$@" --json; }
# Newest first: the room's text, bob's own, alice's.
[ "$(hits cafe | jq -r '[.hits[] | .kind] | join(",")')" = "room,peer,peer" ] || fail "kinds: $(hits cafe)"
hits cafe | jq -e '.hits[0] | .name == "team" and .author == "alice" and (.mine | not) and .body == "CAFÉ crème for the team?"' \
    >/dev/null || fail "the room hit: $(hits cafe)"
hits cafe | jq -e '.hits[1] | .nick == "alice" and .mine and .author == "bob"' >/dev/null || fail "bob's own hit"
hits cafe | jq -e '.more | not' >/dev/null || fail "more without more"
[ "$(hits CREME | jq '.hits | length')" = 1 ] || fail "accents and case"
[ "$(hits cafe --peer alice | jq '.hits | length')" = 2 ] || fail "--peer keeps one-to-one only"
hits cafe --limit 1 | jq -e '(.hits | length) == 1 and .more' >/dev/null || fail "--limit 1 and more"
# Search syntax typed in is words: "OR" must start a word too.
[ "$(hits 'cafe OR nothing' | jq '.hits | length')" = 0 ] || fail "OR read as an operator"
[ "$(hits '"cafe"*' | jq '.hits | length')" = 3 ] || fail "quotes and * not taken as separators"
hw bob search cafe | grep -q "#team  alice: CAFÉ crème for the team?" || fail "the text line: $(hw bob search cafe)"
set +e
hw bob search '"()*' 2>"$E2E_DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "punctuation only should exit 1, got $rc"
grep -q "nothing to search for" "$E2E_DIR/err" || fail "the refusal's reason: $(cat "$E2E_DIR/err")"

# The index is in the store: found again after a restart.
stop_node bob
start_node bob - --no-mdns --port 0 --peer "127.0.0.1:$aport"
wait_for 10 "bob is back" online_in bob alice
[ "$(hits cafe | jq '.hits | length')" = 3 ] || fail "after a restart: $(hits cafe)"
echo "search cli test passed"
