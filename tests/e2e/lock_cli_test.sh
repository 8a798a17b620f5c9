#!/usr/bin/env bash
# The profile lock from the command line, on loopback: lock a profile with
# history, run its daemon with --passphrase-fd, refuse a wrong passphrase
# (exit 1, no file changed), passwd, lock --remove.
source "$(dirname "$0")/lib.sh"
e2e_init
# The tests' locks use the cheapest Argon2id cost (core/profile_lock.hpp).
export HALLWAY_TEST_CHEAP_KDF=1
marker="MARKER-5e1f meet at the loading dock"

start_node alice - --no-mdns --port 0
start_node bob - --no-mdns --peer "127.0.0.1:$(port_of alice)"
wait_for 5 "alice lists bob" online_in alice bob
hw bob send alice "$marker" --timeout 5 || fail "bob -> alice not acknowledged"
fp=$(fp_of alice)
bob_fp=$(fp_of bob)
kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" || true
A="$E2E_DIR/alice"

[ ${#bob_fp} -eq 40 ] || fail "bob's fingerprint: '$bob_fp'"
grep -rqa -e "$marker" "$A" || fail "the search below cannot fail: no marker in the unlocked profile"

# Lock it (the passphrase once, from a descriptor).
printf 'first pass\n' | hw alice lock --passphrase-fd 0 || fail "lock"
[ -f "$A/identity.locked" ] && [ ! -e "$A/identity.key" ] || fail "identity.key should have become identity.locked"
if grep -rqa -e "$marker" -e "$bob_fp" -e "$fp" "$A"; then fail "plaintext history or contact left in the locked profile"; fi

# Without the passphrase (and without a terminal) it is refused, clearly.
set +e
setsid -w "$HALLWAY" --profile "$A" id </dev/null >/dev/null 2>"$E2E_DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "id without a passphrase should exit 1, got $rc"
grep -q "passphrase" "$E2E_DIR/err" || fail "no word of the passphrase: $(cat "$E2E_DIR/err")"

# A wrong passphrase: exit 1, "wrong passphrase", not one byte changed.
sums() { (cd "$A" && find . -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum); }
before=$(sums)
for cmd in "id" "daemon --no-mdns --port 0" "lock --remove" "passwd"; do
    set +e
    printf 'not it\nnew pass\n' | hw alice $cmd --passphrase-fd 0 >/dev/null 2>"$E2E_DIR/err"; rc=$?
    set -e
    [ $rc -eq 1 ] || fail "$cmd with a wrong passphrase should exit 1, got $rc"
    grep -q "wrong passphrase" "$E2E_DIR/err" || fail "$cmd: $(cat "$E2E_DIR/err")"
done
[ "$(sums)" = "$before" ] || fail "a wrong passphrase changed files"

# The right one: id shows the same identity; the daemon has the history.
[ "$(printf 'first pass\n' | hw alice id --passphrase-fd 0 | tail -n1 | tr -d ' ')" = "$fp" ] || fail "id after lock"
printf 'first pass\n' >"$E2E_DIR/pass"
exec 3<"$E2E_DIR/pass"
start_node alice - --no-mdns --port 0 --passphrase-fd 3
exec 3<&-
[ "$(count_in alice bob "$marker")" = 1 ] || fail "the locked daemon lacks its history"
kill -TERM "${NODE_PID[alice]}"; wait "${NODE_PID[alice]}" || true

# At a terminal: the passphrase is not echoed, and Ctrl-C at the prompt leaves
# the terminal's echo on (the handler puts it back before dying of SIGINT).
python3 - "$HALLWAY" "$A" "$fp" <<'PY' || fail "the terminal prompt"
import os, pty, select, signal, sys, termios, time
hallway, profile, fp = sys.argv[1:]

def echo_on(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)

def prompt(keys):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(hallway, [hallway, "--profile", profile, "id"])
    deadline = time.time() + 20
    while echo_on(fd):  # typed before echo is off, the keys would be flushed
        if time.time() > deadline: sys.exit("no prompt with echo off")
        time.sleep(0.02)
    os.write(fd, keys)
    out = b""
    while select.select([fd], [], [], 20)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk: break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out, status, echo_on(fd)

out, status, echo = prompt(b"first pass\n")
if b"first pass" in out: sys.exit("the passphrase was echoed")
if fp.encode() not in out.replace(b" ", b""): sys.exit("id at the terminal: %r" % out)
if not echo: sys.exit("echo left off after a good passphrase")
out, status, echo = prompt(b"fir\x03")
if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGINT: sys.exit("Ctrl-C did not end it: %r" % status)
if not echo: sys.exit("Ctrl-C at the prompt left the terminal without echo")
PY

# passwd: current, then new.
printf 'first pass\nsecond pass\n' | hw alice passwd --passphrase-fd 0 || fail "passwd"
set +e
printf 'first pass\n' | hw alice id --passphrase-fd 0 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "the old passphrase still works after passwd"
printf 'second pass\n' | hw alice id --passphrase-fd 0 >/dev/null || fail "the new passphrase does not work"

# lock --remove: plaintext again, same identity, same history, no passphrase asked.
printf 'second pass\n' | hw alice lock --remove --passphrase-fd 0 || fail "lock --remove"
[ -f "$A/identity.key" ] && [ ! -e "$A/identity.locked" ] || fail "lock --remove left the lock"
[ "$(setsid -w "$HALLWAY" --profile "$A" id </dev/null | tail -n1 | tr -d ' ')" = "$fp" ] || fail "id after remove"
start_node alice - --no-mdns --port 0
[ "$(count_in alice bob "$marker")" = 1 ] || fail "history lost by lock --remove"
echo "lock cli test passed"
