#!/usr/bin/env bash
# The libpurple harness itself (issue 19): two purple_peer processes (real
# libpurple Bonjour / XEP-0174 clients, tests/support/purple_peer.c) on a
# virtual LAN find each other, exchange markup-like text verbatim both ways,
# see each other's Away with its message, and see a quit as a sign-off. The
# bridge's own tests stand on this: if it fails, they would prove nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/purple_lib.sh"
e2e_init
need_root
need_purple_peer
vlan_up 2

# Text that breaks naive HTML or XML handling: a tag, a bare &, non-ASCII, a CDATA end.
TEXT='<b> & é✓ ]]>'
# An escaped entity: arrives as typed only if nobody decodes twice.
ENTITY_TEXT='&amp; &lt;'

# PURPLE_PAIR_PCAP=FILE: keep the XMPP streams (TCP 5298, seen from host 2) for
# the bridge's parser seeds and a look at libpurple's exact bytes.
if [ -n "${PURPLE_PAIR_PCAP:-}" ]; then
    # Not through on_host: $! must be tcpdump itself, for the SIGINT that ends it.
    "$VLAN_SH" exec "$E2E_VLAN" 2 tcpdump -i eth0 -U -w "$PURPLE_PAIR_PCAP" tcp port 5298 >"$E2E_DIR/tcpdump.log" 2>&1 &
    CAPTURE_PID=$!
    E2E_PIDS+=($!)
    wait_for 5 "tcpdump listens" grep -q "listening on" "$E2E_DIR/tcpdump.log"
fi

t_start=$(now_ms)
start_peer alice 1
start_peer bob 2
wait_for 15 "alice's account is connected" seen alice '.event == "ready"'
wait_for 15 "bob's account is connected" seen bob '.event == "ready"'

# Each lists the other; the buddy name is the instance name (user@avahi-host).
wait_for 20 "bob lists alice" seen bob '.event == "signed_on" and (.buddy | startswith("alice@"))'
wait_for 20 "alice lists bob" seen alice '.event == "signed_on" and (.buddy | startswith("bob@"))'
ALICE=$(events bob '.event == "signed_on" and (.buddy | startswith("alice@"))' | head -n1 | jq -r .buddy)
BOB=$(events alice '.event == "signed_on" and (.buddy | startswith("bob@"))' | head -n1 | jq -r .buddy)
note "instance names: $ALICE, $BOB"
[ "$ALICE" = "alice@h1" ] && [ "$BOB" = "bob@h2" ] || fail "instance names are not user@avahi-host"
! seen alice '.event == "signed_on" and .buddy == "'"$ALICE"'"' || fail "alice lists herself"
signon_ab=$(( $(ts bob ".event == \"signed_on\" and .buddy == \"$ALICE\"") - $(ts alice '.event == "ready"') ))
signon_ba=$(( $(ts alice ".event == \"signed_on\" and .buddy == \"$BOB\"") - $(ts bob '.event == "ready"') ))


# A message each way. alice dials (bob's stream accepts her: she is in his
# buddy list); bob's reply may reuse that stream.
t0=$(now_ms)
tell alice "send $BOB $TEXT"
wait_for 10 "bob gets alice's text verbatim" im_from bob "$ALICE" "$TEXT"
lat_ab=$(( $(ts bob '.event == "im"') - t0 ))
t0=$(now_ms)
tell bob "send $ALICE $TEXT"
wait_for 10 "alice gets bob's text verbatim" im_from alice "$BOB" "$TEXT"
lat_ba=$(( $(ts alice '.event == "im"') - t0 ))
tell alice "send $BOB $ENTITY_TEXT"
wait_for 10 "bob gets '$ENTITY_TEXT' as typed" im_from bob "$ALICE" "$ENTITY_TEXT"
[ "$(count_im bob)" = 2 ] && [ "$(count_im alice)" = 1 ] ||
    fail "messages duplicated or stray: bob got $(count_im bob), alice $(count_im alice): $(events bob '.event == "im"')"

# alice goes Away with a message; bob sees Away and the message. libpurple
# publishes its Away as TXT status=dnd (and reads only dnd back as Away).
tell alice "status away gone fishing"
wait_for 10 "bob sees alice away with her message" \
    seen bob ".event == \"status\" and .buddy == \"$ALICE\" and .status == \"away\" and .message == \"gone fishing\""
# (avahi-browse -p escapes the instance name: alice@h1 is alice\064h1.)
browse=$(on_host 2 timeout 5 avahi-browse -rpt _presence._tcp 2>&1 || true)
txt=$(awk -F';' '$1 == "=" && $4 ~ /^alice/ { print $10; exit }' <<<"$browse")
note "alice's TXT while away: $txt"
[[ "$txt" == *'"status=dnd"'* ]] || fail "alice's Away is not published as status=dnd: $browse"
tell alice "status avail"
wait_for 10 "bob sees alice available again" \
    seen bob ".event == \"status\" and .buddy == \"$ALICE\" and .status == \"available\""

# A bad command is answered, not fatal.
tell bob "frobnicate"
wait_for 5 "bob's purple_peer reports the unknown command" seen bob '.event == "error"'

# alice quits: bob sees her sign off, and her process ends by itself.
tell alice quit
t_quit=$(now_ms)
wait_for 20 "bob sees alice sign off" seen bob ".event == \"signed_off\" and .buddy == \"$ALICE\""
signoff=$(( $(ts bob '.event == "signed_off"') - t_quit ))
wait_for 5 "alice's purple_peer exits after quit" bash -c "! kill -0 ${PEER_PID[alice]} 2>/dev/null"
wait "${PEER_PID[alice]}" || fail "alice's purple_peer exited with $?"
kill -0 "${PEER_PID[bob]}" || fail "bob's purple_peer died"
# (The bonjour prpl logs each read as "Receive: -BYTES- N bytes"; the header spans two lines.)
note "alice's stream header as bob read it: $(awk '/Receive: -<\?xml/ { getline n; sub(/- [0-9]+ bytes$/, "", n); print substr($0, index($0, "-") + 1) "\\n" n; exit }' "$E2E_DIR/bob.log")"
note "sign-off latency (quit -> the other sees it): ${signoff} ms"
note "sign-on latency (ready -> the other lists it): alice->bob ${signon_ab} ms, bob->alice ${signon_ba} ms;" \
     "message latency: alice->bob ${lat_ab} ms (first, dials), bob->alice ${lat_ba} ms; total $(( $(now_ms) - t_start )) ms"
if [ -n "${PURPLE_PAIR_PCAP:-}" ]; then
    tell bob quit
    sleep 1  # bob's close is on the wire
    kill -INT "$CAPTURE_PID"; wait "$CAPTURE_PID" 2>/dev/null || true
fi
echo "purple pair test passed"
