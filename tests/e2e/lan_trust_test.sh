#!/usr/bin/env bash
# Trust on a virtual LAN: safety numbers agree on both sides and differ for
# any other pair; an impostor with a verified contact's name is shown apart
# and flagged, and gets nothing; a blocked identity cannot get a session and
# its messages are never stored.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 3

start_node alice 1
start_node bob 2
start_node carol 3
wait_for 10 "bob lists alice" online_in bob alice
wait_for 10 "bob lists carol" online_in bob carol
wait_for 10 "alice lists carol" online_in alice carol

sn_ab=$(hw alice verify bob | sed -n '2,4p' | tr -d ' \n')
sn_ba=$(hw bob verify alice | sed -n '2,4p' | tr -d ' \n')
sn_ac=$(hw alice verify carol | sed -n '2,4p' | tr -d ' \n')
[ ${#sn_ab} = 60 ] || fail "safety number should have 60 digits: '$sn_ab'"
[ "$sn_ab" = "$sn_ba" ] || fail "safety numbers differ between the two sides"
[ "$sn_ab" != "$sn_ac" ] || fail "another pair has the same safety number"
hw bob verify alice --confirm >/dev/null
hw bob peers --json | jq -e '.[] | select(.nick=="alice") | .trust == "verified"' >/dev/null || fail "not verified"

# An impostor named alice (another key) appears on host 3.
start_node impostor 3 --nick alice
wait_for 10 "bob sees two identities named alice" bash -c \
    "\"$HALLWAY\" --profile $E2E_DIR/bob peers --json | jq -e '[.[] | select(.nick==\"alice\" and .online)] | length == 2'"
hw bob peers --json | jq -e '[.[] | select(.nick=="alice" and .name_clash)] | length == 1' >/dev/null \
    || fail "the impostor is not flagged"
hw bob peers --json | jq -e '[.[] | select(.nick=="alice" and .trust=="verified") | .name_clash] == [false]' >/dev/null \
    || fail "the verified alice must not be flagged"
grep -q "NOT your verified contact" "$E2E_DIR/bob.log" || fail "no warning printed for the impostor"
set +e
hw bob send alice "which one?" --timeout 1 >/dev/null 2>"$E2E_DIR/amb"; rc=$?
set -e
[ $rc -eq 4 ] || fail "an ambiguous name should exit 4, got $rc"
[ "$(grep -c '^  [0-9]' "$E2E_DIR/amb")" = 2 ] || fail "the ambiguity error should list both fingerprints: $(cat "$E2E_DIR/amb")"
ifp=$(fp_of impostor)
set +e
hw bob send "${ifp:0:10}" "secret for alice" --timeout 1 >/dev/null 2>"$E2E_DIR/refused"; rc=$?
set -e
[ $rc -eq 1 ] || fail "sending to the impostor should be refused (exit 1), got $rc"
[ "$(hw impostor history bob --json 2>/dev/null | jq length)" = 0 ] || fail "the impostor received something"
hw bob send "$(fp_of alice | cut -c1-10)" "for the real alice" --timeout 5 || fail "the verified alice is reachable by fingerprint"
# The conversation stays with the verified key; the new key's is empty.
[ "$(count_in bob "$(fp_of alice | cut -c1-10)" 'for the real alice')" = 1 ] || fail "the old conversation moved"
[ "$(hw bob history "${ifp:0:10}" --json | jq length)" = 0 ] || fail "something was queued for the new key"
# Only when the person chooses to trust the new key does anything go to it.
hw bob verify "${ifp:0:10}" --confirm >/dev/null
hw bob send "${ifp:0:10}" "now I trust you" --timeout 5 || fail "sending after choosing to trust the new key"

# Block: carol's session is refused and what she sends is never stored.
hw bob block carol >/dev/null
wait_for 5 "carol loses her session with bob" offline_in carol bob
set +e
hw carol send bob "let me in" --timeout 2 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 5 ] || fail "a message to someone who blocked you stays undelivered (exit 5), got $rc"
[ "$(count_in bob "$(fp_of carol | cut -c1-10)" 'let me in')" = 0 ] || fail "a blocked identity's message was stored"
echo "trust test passed"
