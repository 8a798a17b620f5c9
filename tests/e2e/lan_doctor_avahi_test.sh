#!/usr/bin/env bash
# hallway doctor names a stopped avahi-daemon as the problem, with the command
# that starts it, and exits 1; next door, where it runs and a node has
# published, it says so (and the name the node published, asked over the
# control socket).
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 2

"$VLAN_SH" avahi-stop "$E2E_VLAN" 1
start_node bob 2 --port 47031
# doctor PROFILE HOST: its JSON in $E2E_DIR/doctor-PROFILE.json, its exit status printed.
doctor() {
    local rc=0
    on_host "$2" "$HALLWAY" --profile "$E2E_DIR/$1" doctor --json >"$E2E_DIR/doctor-$1.json" 2>"$E2E_DIR/doctor-$1.log" || rc=$?
    echo $rc
}
has() { jq -e --arg c "$2" "any(.[]; .check == \$c and $3)" "$E2E_DIR/doctor-$1.json" >/dev/null; }

rc=$(doctor alice 1)
[ "$rc" = 1 ] || fail "doctor with avahi-daemon stopped exited $rc, not 1"
has alice "avahi-daemon running" '.verdict == "problem" and (.advice | contains("systemctl enable --now avahi-daemon"))' ||
    fail "doctor did not name the stopped avahi-daemon: $(cat "$E2E_DIR/doctor-alice.json")"

wait_for 10 "bob's node has published its service" \
    sh -c "\"$HALLWAY\" --profile \"$E2E_DIR/bob\" id >/dev/null && [ \"\$(\"$VLAN_SH\" exec \"$E2E_VLAN\" 2 \"$HALLWAY\" --profile \"$E2E_DIR/bob\" doctor --json | jq -r '.[] | select(.check | startswith(\"our service\")) | .verdict')\" = ok ]"
doctor bob 2 >/dev/null
for check in "avahi-daemon running" "avahi-daemon on D-Bus"; do
    has bob "$check" '.verdict == "ok"' || fail "doctor on the healthy host: $check is not ok: $(cat "$E2E_DIR/doctor-bob.json")"
done
has bob "our service (_hallway._tcp)" '(.detail | startswith("published as \"bob"))' ||
    fail "doctor does not say under which name bob is published: $(cat "$E2E_DIR/doctor-bob.json")"
has bob "nftables: TCP 47031" 'true' || fail "doctor did not check the running node's port 47031"
echo "doctor avahi test passed"
