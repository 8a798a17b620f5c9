# Sourced first by the disk-full tests (issue 14), with "$@": bob's profile is
# a small tmpfs in a private mount namespace, alice reaches bob on loopback
# (--peer) and lists it online. Sets bport; fill_bob fills bob's disk and
# connection prints the session's TCP connection (a reconnect shows another).
source "$(dirname "$0")/mount_ns_lib.sh" "$@"
source "$(dirname "$0")/lib.sh"
e2e_init
command -v ss >/dev/null || { echo "SKIP: needs ss (iproute2)"; exit 77; }

mkdir "$E2E_DIR/bob"
mount -t tmpfs -o size=8m tmpfs "$E2E_DIR/bob" || fail "mount a tmpfs for bob's profile"
# e2e_cleanup removes E2E_DIR: the tmpfs must be gone by then (lazy: bob may still hold files).
trap 'rc=$?; set +e; umount -l "$E2E_DIR/bob" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT

start_node bob - --no-mdns --port 0
bport=$(port_of bob)
start_node alice - --no-mdns --peer "127.0.0.1:$bport"
wait_for 5 "alice lists bob" online_in alice bob

connection() { ss -Htn state established "( sport = :$bport )" | awk '{print $3, $4}' | sort; }
fill_bob() {
    dd if=/dev/zero of="$E2E_DIR/bob/fill" bs=64k >/dev/null 2>&1 || true
    [ "$(df --output=avail "$E2E_DIR/bob" | tail -n1 | tr -d ' ')" = 0 ] || fail "bob's disk did not fill"
}
# Bodies of several pages each: storing them must grow the store's files.
pad=$(printf 'x%.0s' $(seq 1 6000))
