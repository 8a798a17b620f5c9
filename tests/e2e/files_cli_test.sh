#!/usr/bin/env bash
# Files through the CLI, two nodes on loopback: a folder and a 20 MiB file
# arrive byte for byte (send-file exits 0), a declined offer and a withdrawn
# one end send-file with 1, an unanswered one with 6 after --timeout.
source "$(dirname "$0")/lib.sh"
e2e_init

# Alice dials bob: a files lane is dialed by the side that knows an address
# (bob never learns one for alice; only alice sends here).
start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 5 "alice lists bob" online_in alice bob
wait_for 5 "bob lists alice" online_in bob alice
hw alice send bob "hello" --timeout 5 || fail "no session between alice and bob"
speaks_files() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and .files)' >/dev/null; }
wait_for 5 "alice knows bob speaks files" speaks_files alice bob

out="$E2E_DIR/out" inbox="$E2E_DIR/inbox"
mkdir -p "$out/folder/sub" "$inbox"
echo "a small text" >"$out/folder/a.txt"
head -c 100000 /dev/urandom >"$out/folder/sub/b.bin"
: >"$out/folder/empty.txt"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$out/big.bin"

# The id of bob's newest offer from alice, once there is one.
offer_id() { hw bob files --json | jq -e '[.[] | select(.direction == "in" and .state == "offered")] | last | .id'; }
state_in() { hw "$1" files --json | jq -r --argjson id "$2" '.[] | select(.id == $id) | .state'; }
last_out_failed() { hw alice files --json | jq -e '[.[] | select(.direction == "out")] | last | .state == "failed"' >/dev/null; }

# send_and_answer ANSWER ARGS...: alice sends in the background, bob answers
# the offer (accept with --to, or decline); sets SEND_RC, SEND_OUT, ID.
send_and_answer() {
    local answer=$1; shift
    SEND_OUT="$E2E_DIR/send.$RANDOM"
    ( cd "$out" && hw alice send-file bob "$@" >"$SEND_OUT" 2>"$SEND_OUT.err" ) &
    local pid=$!
    wait_for 10 "bob sees the offer" offer_id
    ID=$(offer_id)
    if [ "$answer" = accept ]; then hw bob accept "$ID" --to "$inbox" >/dev/null || fail "accept $ID refused"
    else hw bob "$answer" "$ID" >/dev/null || fail "$answer $ID refused"; fi
    set +e; wait $pid; SEND_RC=$?; set -e
}

# A folder (relative path from send-file's own directory), watched as JSON lines.
send_and_answer accept folder --json
[ $SEND_RC -eq 0 ] || fail "folder: send-file exited $SEND_RC: $(cat "$SEND_OUT.err")"
tail -n1 "$SEND_OUT" | jq -e '.state == "done" and .direction == "out" and .nick == "bob"' >/dev/null \
    || fail "folder: the last JSON line is not done: $(tail -n1 "$SEND_OUT")"
jq -e '.file_count >= 3' "$SEND_OUT" >/dev/null || fail "folder: entries not listed"
folder=$(hw bob files --json | jq -r --argjson id "$ID" '.[] | select(.id == $id) | .folder')
[ -n "$folder" ] || fail "folder: bob's transfer has no folder"
for f in a.txt sub/b.bin empty.txt; do
    cmp "$out/folder/$f" "$folder/folder/$f" || fail "folder: $f differs or is missing under $folder"
done
[ "$(state_in bob "$ID")" = done ] || fail "folder: bob's side is not done"

# 20 MiB, absolute path, plain output (not a terminal: a few lines, no bar).
# strace watches bob meanwhile: the .part's data must reach the disk
# (fdatasync) before it takes its final name, or a power loss just after the
# sender forgot the transfer would leave a named file without its bytes.
strace -f -qq -y -e trace=fdatasync,rename,renameat,renameat2,linkat -o "$E2E_DIR/bob.strace" \
    -p "${NODE_PID[bob]}" 2>"$E2E_DIR/strace.err" &
strace_pid=$!
E2E_PIDS+=($strace_pid)
# Attached: every thread of bob's has a tracer (or strace gave up).
traced() {
    kill -0 $strace_pid 2>/dev/null || return 0
    ! grep -q '^TracerPid:[[:space:]]*0$' /proc/"${NODE_PID[bob]}"/task/*/status
}
wait_for 5 "strace attaches to bob" traced
watching=1
if ! kill -0 $strace_pid 2>/dev/null; then
    # Root may always trace; a user only where ptrace_scope allows a sibling.
    [ "$(id -u)" -ne 0 ] || fail "strace could not attach to bob: $(cat "$E2E_DIR/strace.err")"
    note "skipped the fdatasync check: strace cannot attach here without root ($(cat "$E2E_DIR/strace.err"))"
    watching=0
fi
send_and_answer accept "$out/big.bin"
[ $SEND_RC -eq 0 ] || fail "big: send-file exited $SEND_RC: $(cat "$SEND_OUT.err")"
grep -q "delivered to bob" "$SEND_OUT" || fail "big: no 'delivered' line: $(cat "$SEND_OUT")"
[ "$(wc -l <"$SEND_OUT")" -le 8 ] || fail "big: too many lines for a pipe: $(cat "$SEND_OUT")"
folder=$(hw bob files --json | jq -r --argjson id "$ID" '.[] | select(.id == $id) | .folder')
cmp "$out/big.bin" "$folder/big.bin" || fail "big: bytes differ"
if [ $watching = 1 ]; then
    kill $strace_pid; wait $strace_pid 2>/dev/null || true
    synced=$(grep -n 'fdatasync(.*big\.bin\.part>) = 0' "$E2E_DIR/bob.strace" | head -n1 | cut -d: -f1 || true)
    renamed=$(grep -n '"big\.bin\.part", .*"big\.bin".*= 0$' "$E2E_DIR/bob.strace" | head -n1 | cut -d: -f1 || true)
    [ -n "$synced" ] && [ -n "$renamed" ] && [ "$synced" -lt "$renamed" ] \
        || fail "big: the .part was not fdatasync'ed before its rename: $(cat "$E2E_DIR/bob.strace")"
fi

# Declined: send-file fails with the reason; nothing is written.
before=$(find "$inbox" | wc -l)
send_and_answer decline "$out/folder/a.txt"
[ $SEND_RC -eq 1 ] || fail "declined: send-file exited $SEND_RC, not 1"
grep -q "failed" "$SEND_OUT.err" || fail "declined: no reason on stderr: $(cat "$SEND_OUT.err")"
last_out_failed || fail "declined: alice's transfer is not failed"
[ "$(find "$inbox" | wc -l)" = "$before" ] || fail "declined: something was written"

# Withdrawn by the sender before an answer: both sides see it fail.
( hw alice send-file bob "$out/big.bin" >"$E2E_DIR/cancel.out" 2>&1 ) &
pid=$!
wait_for 10 "bob sees the offer" offer_id
ID=$(offer_id)
out_id=$(hw alice files --json | jq -e '[.[] | select(.direction == "out" and .state == "offered")] | last | .id')
hw alice cancel "$out_id" >/dev/null || fail "cancel refused"
set +e; wait $pid; rc=$?; set -e
[ $rc -eq 1 ] || fail "cancelled: send-file exited $rc, not 1"
cancelled_in_bob() { [ "$(state_in bob "$ID")" = failed ]; }
wait_for 5 "bob sees the offer withdrawn" cancelled_in_bob
set +e; hw bob accept "$ID" --to "$inbox" 2>/dev/null; rc=$?; set -e
[ $rc -ne 0 ] || fail "a withdrawn offer was accepted"

# No answer within --timeout: exit 6, the offer withdrawn.
set +e; hw alice send-file bob "$out/folder/a.txt" --timeout 1 2>"$E2E_DIR/timeout.err"; rc=$?; set -e
[ $rc -eq 6 ] || fail "unanswered: send-file exited $rc, not 6"
grep -q "withdrawn" "$E2E_DIR/timeout.err" || fail "unanswered: no message"
wait_for 5 "alice's unanswered offer is withdrawn" last_out_failed

# Clear errors: an unknown transfer, an unknown peer, a missing file.
set +e
hw bob accept 999999 2>/dev/null; rc1=$?
hw alice send-file nobody "$out/big.bin" 2>/dev/null; rc2=$?
hw alice send-file bob "$out/does-not-exist" 2>/dev/null; rc3=$?
set -e
[ $rc1 -eq 1 ] || fail "unknown transfer should exit 1, got $rc1"
[ $rc2 -eq 4 ] || fail "unknown peer should exit 4, got $rc2"
[ $rc3 -eq 1 ] || fail "a missing file should exit 1, got $rc3"
hw bob files | head -n1 | grep -q "^ID  DIR  PEER" || fail "files: no table header"

# Automatic acceptance: for verified contacts only, shown in peers.
auto_on() { hw bob peers --json | jq -e '.[] | select(.nick == "alice") | .auto_accept_files' >/dev/null; }
set +e; hw bob auto-accept alice on 2>/dev/null; rc=$?; set -e
[ $rc -eq 1 ] || fail "auto-accept for an unverified contact should be refused (exit 1), got $rc"
auto_on && fail "refused, yet shown on"
hw bob verify alice --confirm >/dev/null || fail "verify --confirm"
hw bob auto-accept alice on >/dev/null || fail "auto-accept for a verified contact"
auto_on || fail "auto-accept on is not shown in peers"
hw bob auto-accept alice off >/dev/null || fail "auto-accept off"
auto_on && fail "auto-accept off is still shown on"
echo "files CLI test passed"
