#!/usr/bin/env bash
# hallway doctor probes each announced peer: bob reachable is ok; an
# announcement of carol's fingerprint at bob's port is a spoofing suspect; bob
# announced but with TCP to his port dropped (a firewall on his side) is named,
# with the address, the interface and what the silence means.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/doctor_lib.sh"
e2e_init
command -v nft >/dev/null || { echo "SKIP: needs nft"; exit 77; }
vlan_up 2

start_node bob 2 --port 47020
wait_for 10 "bob is published" published bob
bfp=$(fp_of bob)
cfp=$(fp_of carol)
on_host 2 avahi-publish -s "carol's laptop" _hallway._tcp 47020 "v=1" "fp=$cfp" "nick=carol" >"$E2E_DIR/publish.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 5 "the false claim is published" grep -q "Established" "$E2E_DIR/publish.log"
# Announced over IPv4 or IPv6 (one address per interface is resolved): either is bob's.
bob="($(host_addr 2 | sed 's/\./\\\\./g')|\\\\[fe80::[0-9a-f:]+%eth0\\\\]):47020 on eth0"

doctor_json 1 alice
finding ok '.check | contains("bob")) and (.detail | test("at '"$bob"': reachable$")' ||
    fail "doctor does not say bob is reachable: $(cat "$E2E_DIR/doctor.json")"
finding problem '.check | contains("carol")) and (.detail | contains("spoofing suspect")) and (.detail | contains("'"$(echo "$cfp" | sed 's/...../& /g;s/ $//')"'")) and (.detail | contains("'"$(echo "$bfp" | sed 's/...../& /g;s/ $//')"'")' ||
    fail "doctor does not name carol's announcement as a spoofing suspect: $(cat "$E2E_DIR/doctor.json")"

on_host 2 nft -f - <<'NFT'
table inet doctor_test {
    chain input { type filter hook input priority 0; tcp dport 47020 drop; }
}
NFT
doctor_json 1 alice
finding problem '.check | contains("bob")) and (.detail | test("announced at '"$bob"', TCP connect timed out: a firewall on their side, or another subnet$")' ||
    fail "doctor does not name bob as unreachable: $(cat "$E2E_DIR/doctor.json")"
echo "doctor unreachable peer test passed"
