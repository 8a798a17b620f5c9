#!/usr/bin/env bash
# The link-local XMPP bridge against the real thing (issue 19): Hallway with
# --bonjour on one host, purple_peer (libpurple's Bonjour, as in Pidgin and
# Finch) on another. They list each other, chat both ways with text that
# breaks naive XML or HTML handling, see each other's presence, keep a message
# for an absent buddy until it returns, notice sign-offs both ways; a hostile
# XML peer on a third host is cut off without harm; Pidgin never crashes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/purple_lib.sh"
e2e_init
need_root
need_purple_peer
vlan_up 3

TEXT='<b> & é✓😀 ]]>'
REPLY='&amp; <i>ok</i> ünïcödé'
PIDGIN=pidgin@h1
ALICE=alice@h2

# xmpp_buddy NODE INSTANCE: NODE's peers --json entry for that link-local buddy.
xmpp_buddy() { hw "$1" peers --json | jq -c --arg i "$2" '.[] | select(.instance == $i)'; }
buddy_is() { xmpp_buddy "$1" "$2" | jq -e "$3" >/dev/null; }
# stored NODE PEER BODY: how many times BODY is in NODE's history with PEER.
stored() { hw "$1" history "$2" --json | jq --arg b "$3" '[.[] | select(.body == $b)] | length'; }

t_start=$(now_ms)
start_peer pidgin 1
wait_for 15 "pidgin's account is connected" seen pidgin '.event == "ready"'
t_node=$(now_ms)
start_node alice 2 --bonjour

# Discovery both ways; the buddy is of its own kind and says so.
wait_for 20 "alice lists pidgin as an online link-local buddy" buddy_is alice $PIDGIN '.online'
t_alice_sees=$(now_ms)
wait_for 20 "pidgin lists alice" seen pidgin ".event == \"signed_on\" and .buddy == \"$ALICE\""
buddy_is alice $PIDGIN '.kind == "xmpp-link-local" and .encrypted == false and .trust == "unverified" and .id == ""' ||
    fail "pidgin is not marked unencrypted and unverified: $(xmpp_buddy alice $PIDGIN)"
hw alice peers | grep -A1 -F "[unencrypted · not verified]" | grep -qF "$PIDGIN" || fail "peers does not badge pidgin: $(hw alice peers)"
! hw alice verify $PIDGIN --confirm >/dev/null 2>&1 || fail "a link-local buddy was marked verified"
buddy_is alice $PIDGIN '.trust == "unverified"' || fail "trust changed: $(xmpp_buddy alice $PIDGIN)"
# Nothing of the Hallway identity is in the _presence._tcp record.
fp=$(fp_of alice)
browse=$(on_host 1 timeout 5 avahi-browse -rpt _presence._tcp 2>&1 || true)
grep -q 'alice' <<<"$browse" || fail "alice's _presence._tcp record is not seen: $browse"
! grep -q "${fp:0:10}" <<<"$browse" || fail "the fingerprint leaks into _presence._tcp: $browse"

# Hallway -> Pidgin: exactly as typed (Pidgin renders its html part, so markup stays text).
t0=$(now_ms)
hw alice send $PIDGIN "$TEXT" --timeout 10 || fail "alice could not send to pidgin"
wait_for 10 "pidgin gets alice's text verbatim" im_from pidgin $ALICE "$TEXT"
lat_hp=$(( $(ts pidgin '.event == "im"') - t0 ))
hw alice history $PIDGIN --json | jq -e --arg b "$TEXT" 'any(.[]; .body == $b and .state == "sent")' >/dev/null ||
    fail "alice's message is not 'sent' (unconfirmed): $(hw alice history $PIDGIN --json)"
# Pidgin -> Hallway, on the stream Pidgin now has (or a new one).
t0=$(now_ms)
tell pidgin "send $ALICE $REPLY"
wait_for 10 "alice stores pidgin's reply once, verbatim" [ "$(stored alice $PIDGIN "$REPLY")" = 1 ]
lat_ph=$(( $(now_ms) - t0 ))

# Presence both ways. Hallway busy is XEP-0174 dnd, which Pidgin shows as Away.
hw alice status busy "in a meeting"
wait_for 10 "pidgin sees alice away (dnd) with her message" \
    seen pidgin ".event == \"status\" and .buddy == \"$ALICE\" and .status == \"away\" and .message == \"in a meeting\""
hw alice status available ""
wait_for 10 "pidgin sees alice available again" \
    seen pidgin ".event == \"status\" and .buddy == \"$ALICE\" and .status == \"available\" and (.message // \"\") == \"\""
tell pidgin "status away gone fishing"
wait_for 10 "alice sees pidgin away with its message" \
    buddy_is alice $PIDGIN '.presence == "away" and .status == "gone fishing"'
tell pidgin "status avail"
wait_for 10 "alice sees pidgin available" buddy_is alice $PIDGIN '.presence == "available"'

# A hostile XMPP peer on host 3, announced like any buddy so its streams are
# identified and reach the parser: every attack is cut off, nothing else suffers.
on_host 3 avahi-publish -s mallory@h3 _presence._tcp 5298 txtvers=1 status=avail >"$E2E_DIR/mallory-publish.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 20 "alice lists mallory" buddy_is alice mallory@h3 '.online'
alice_addr=$(host_addr 2)
on_host 3 python3 "$(dirname "$0")/../support/hostile_xmpp_peer.py" "$alice_addr" 5298 mallory@h3 $ALICE \
    >"$E2E_DIR/hostile.out" 2>"$E2E_DIR/hostile.log" || fail "the hostile peer failed: $(cat "$E2E_DIR/hostile.log")"
note "hostile peer: $(jq -c '[.attack, .closed, .error, .seconds]' "$E2E_DIR/hostile.out" | tr '\n' ' ')"
[ "$(jq -s 'length' "$E2E_DIR/hostile.out")" = 12 ] || fail "not every attack ran: $(cat "$E2E_DIR/hostile.out")"
jq -se 'all(.[]; .closed and .identified != false)' "$E2E_DIR/hostile.out" >/dev/null ||
    fail "an attack was not cut off (or mallory was not identified): $(cat "$E2E_DIR/hostile.out")"
kill -0 "${NODE_PID[alice]}" || fail "alice died"
hw alice id >/dev/null || fail "alice does not answer after the attacks"
# The token bucket (xmpp/limits.hpp) lets a burst of 50 through, then 20 a
# second for as long as the flood's stream lived: of 5000 sent, no more get in.
flood_limit=$(jq -s '[.[] | select(.attack == "stanza flood")][0].seconds * 20 + 50 | ceil' "$E2E_DIR/hostile.out")
[ "$(stored alice mallory@h3 "flood")" -le "$flood_limit" ] ||
    fail "the stanza flood was not limited: $(stored alice mallory@h3 flood) stored, at most $flood_limit allowed"

# Offline: a message to an absent buddy waits in the outbox and goes when it returns.
tell pidgin quit
wait_for 20 "alice sees pidgin sign off" buddy_is alice $PIDGIN '.online | not'
wait "${PEER_PID[pidgin]}" || fail "pidgin exited with $?"
hw alice send $PIDGIN "while you were out" --timeout 1 >/dev/null 2>&1 || true
hw alice history $PIDGIN --json | jq -e 'any(.[]; .body == "while you were out" and .state == "queued")' >/dev/null ||
    fail "the message to an absent buddy is not queued: $(hw alice history $PIDGIN --json)"
start_peer pidgin2 1 pidgin
wait_for 30 "pidgin gets the queued message once it is back" im_from pidgin2 $ALICE "while you were out"
[ "$(events pidgin2 '.event == "im"' | wc -l)" = 1 ] || fail "pidgin got stray or duplicate messages: $(events pidgin2 '.event == "im"')"

# Hallway signs off: Pidgin notices, and is still running.
t0=$(now_ms)
stop_node alice
wait_for 20 "pidgin sees alice sign off" seen pidgin2 ".event == \"signed_off\" and .buddy == \"$ALICE\""
signoff=$(( $(ts pidgin2 '.event == "signed_off"') - t0 ))
kill -0 "${PEER_PID[pidgin2]}" || fail "pidgin died"

note "discovery: alice lists pidgin $(( t_alice_sees - t_node )) ms after starting (incl. the node's start);" \
     "pidgin lists alice at $(( $(ts pidgin ".event == \"signed_on\" and .buddy == \"$ALICE\"") - t_node )) ms"
note "latency: alice->pidgin ${lat_hp} ms (first message, dials), pidgin->alice ${lat_ph} ms (polled);" \
     "sign-off seen by pidgin after ${signoff} ms; total $(( $(now_ms) - t_start )) ms"
echo "bonjour test passed"
