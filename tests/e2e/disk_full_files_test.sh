#!/usr/bin/env bash
# Issue 15, "Disk full": bob accepts a 40 MiB file into a folder on a 24 MiB
# tmpfs. The transfer pauses with the reason on both sides, chat goes on both
# ways meanwhile; with space freed and `resume`, the file completes byte for
# byte. Two nodes on loopback; the tmpfs lives in a private mount namespace.
source "$(dirname "$0")/mount_ns_lib.sh" "$@"
source "$(dirname "$0")/files_lib.sh"
e2e_init

dl="$E2E_DIR/dl"
mkdir "$dl"
mount -t tmpfs -o size=24m tmpfs "$dl" || fail "mount a tmpfs for bob's download folder"
# e2e_cleanup removes E2E_DIR: the tmpfs must be gone by then (lazy: bob may still hold files).
trap 'rc=$?; set +e; umount -l "$dl" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT

node_up bob - --no-mdns --port 0
node_up alice - --no-mdns --peer "127.0.0.1:$(port_of bob)"
wait_for 10 "alice knows bob speaks files" speaks_files alice bob

big="$E2E_DIR/big.bin"
random_file "$big" 40
offer "$big" "$dl"
wait_for 30 "bob's transfer pauses" xfer_is bob in paused
wait_for 10 "alice's transfer shows the pause" xfer_is alice out paused
for side in bob:in alice:out; do
    reason=$(xfer "${side%:*}" "${side#*:}" reason)
    note "$side: paused: $reason"
    grep -qi "disk full\|no space" <<<"$reason" || fail "$side: the pause does not say the disk is full: '$reason'"
done
[ ! -e "$dl/big.bin" ] || fail "the file has its final name though it is incomplete"
held=$(xfer bob in bytes)
[ "$held" -lt $((40 * 1024 * 1024)) ] || fail "bob holds all of it on a 24 MiB disk?"

# Chat is not held up by the stuck transfer (bob's profile is not on the full disk).
hw alice send bob "while paused" --timeout 10 >/dev/null || fail "chat alice -> bob while paused"
hw bob send alice "still here" --timeout 10 >/dev/null || fail "chat bob -> alice while paused"
sleep 2
xfer_is bob in paused || fail "bob's transfer moved on by itself: $(xfer bob in state)"

mount -o remount,size=128m "$dl" || fail "remount bigger"
hw bob resume "$(xfer bob in id)" >/dev/null || fail "bob's resume was refused"
finish "$big" "$dl" 30
[ "$(xfer bob in bytes)" -ge "$held" ] || fail "resumed below what bob held"
echo "disk full files test passed"
