#!/usr/bin/env bash
# Issue 15, "Resume": a 192 MiB file between two hosts of the virtual LAN is
# interrupted mid-way by (a) kill -9 of the receiver, (b) kill -9 of the
# sender, (c) SIGTERM of both; each restarted, the transfer continues from
# what the receiver held, not from zero, and the file arrives byte for byte.
source "$(dirname "$0")/files_lib.sh"
e2e_init
vlan_up 2
MIB=$((1024 * 1024))
SIZE_MIB=192
# Interrupted past this point: far enough that restarting from zero would show.
CUT=$((64 * MIB))
a_addr=$(host_addr 1) b_addr=$(host_addr 2)
# Fixed ports: a restarted node is found where it was (no mDNS to say otherwise).
node_up alice 1 --no-mdns --port 47040 --peer "$b_addr:47041"
node_up bob 2 --no-mdns --port 47041 --peer "$a_addr:47040"
wait_for 10 "alice knows bob speaks files" speaks_files alice bob
wait_for 10 "bob knows alice speaks files" speaks_files bob alice

big="$E2E_DIR/big.bin"
random_file "$big" $SIZE_MIB
# What alice's host puts on the wire (frames, headers included).
tx() { on_host 1 cat /sys/class/net/eth0/statistics/tx_bytes; }

# The bytes resent are measured on the wire: alice's `bytes` (sent, repeats
# included) is capped at the total in `files --json`, so it cannot show them.
# A clean transfer first gives the wire cost of the file (framing, audit
# paths, TCP/IP headers: 0.3% over its size here, with GSO).
tx0=$(tx)
offer "$big" "$E2E_DIR/clean"
finish "$big" "$E2E_DIR/clean" 30
clean=$(( $(tx) - tx0 ))
note "clean transfer: $clean bytes on the wire for $((SIZE_MIB * MIB))"

# resent_bounded WHAT TX0: an interrupted transfer cost at most two windows
# more than the clean one. A window is 8 chunks of 256 KiB (2 MiB) asked for
# and not received; the receiver syncs and saves what it holds every window,
# so a kill loses at most the window in flight plus one written but not yet
# saved: 2 x 2 MiB of payload. Slack, 1 MiB: their wire overhead (under 1%),
# the new sessions' handshakes and offer, keepalives, and the TCP/IP headers
# of segments cut short at other places than in the clean run.
resent_bounded() {
    local extra=$(( $(tx) - $2 - clean ))
    note "$1: $extra bytes more on the wire than the clean transfer"
    [ $extra -le $((4 * MIB + 1 * MIB)) ] || fail "$1: $extra bytes resent, more than two windows"
}

# interrupt WHAT: once bob holds CUT bytes, sets BEFORE to what bob reports.
interrupt_point() {
    wait_for 30 "bob has verified $((CUT / MIB)) MiB ($1)" bytes_over bob in $CUT
    BEFORE=$(xfer bob in bytes)
}

# resumed_from WHAT: bob, just restarted, lists the transfer holding what it
# had verified before (less the window in flight and the one not yet saved).
has_in() { [ -n "$(xfer bob in bytes)" ]; }
resumed_from() {
    wait_for 10 "bob lists the transfer again $1" has_in
    local after state folder
    after=$(xfer bob in bytes) state=$(xfer bob in state) folder=$(xfer bob in folder)
    note "$1 bob had verified $BEFORE bytes at the stop, holds $after after the restart ($state)"
    [ "$after" -ge $((BEFORE - 4 * MIB)) ] || fail "$1 bob restarted from $after bytes, not from the $BEFORE it held"
    # Listed as it was: pulling, into the folder chosen at the accept.
    [ "$state" = active ] && [ -n "$folder" ] || fail "$1 restored as state '$state', folder '$folder'"
}

# (a) kill -9 the receiver mid-way; restarted, it resumes from its saved chunks.
tx0=$(tx)
offer "$big" "$E2E_DIR/a"
interrupt_point "(a)"
kill9_node bob
restart_node bob
resumed_from "(a)"
finish "$big" "$E2E_DIR/a" 40
resent_bounded "(a)" "$tx0"

# (b) kill -9 the sender mid-way; restarted, it hashes its file again and serves.
tx0=$(tx)
offer "$big" "$E2E_DIR/b"
interrupt_point "(b)"
kill9_node alice
restart_node alice
finish "$big" "$E2E_DIR/b" 40
resent_bounded "(b)" "$tx0"

# (c) both stopped (SIGTERM) mid-way, both restarted.
tx0=$(tx)
offer "$big" "$E2E_DIR/c"
interrupt_point "(c)"
kill -TERM "${NODE_PID[alice]}" "${NODE_PID[bob]}"
stop_node alice
stop_node bob
restart_node bob
restart_node alice
resumed_from "(c)"
finish "$big" "$E2E_DIR/c" 40
resent_bounded "(c)" "$tx0"
echo "files resume test passed"
