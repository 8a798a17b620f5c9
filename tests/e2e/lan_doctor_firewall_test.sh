#!/usr/bin/env bash
# An nftables rule in one host's namespace drops our port: hallway doctor names
# the rule and its effect, and the command it suggests lets the port in.
source "$(dirname "$0")/lib.sh"
e2e_init
command -v nft >/dev/null || { echo "SKIP: needs nft"; exit 77; }
vlan_up 1

on_host 1 nft add table inet filter
on_host 1 nft add chain inet filter input '{ type filter hook input priority 0; policy accept; }'
on_host 1 nft add rule inet filter input tcp dport 47032 drop
start_node alice 1 --port 47032

doctor() {
    local rc=0
    on_host 1 "$HALLWAY" --profile "$E2E_DIR/alice" doctor --json >"$E2E_DIR/doctor.json" 2>"$E2E_DIR/doctor.log" || rc=$?
    echo $rc
}
port_check() { jq -c '.[] | select(.check == "nftables: TCP 47032")' "$E2E_DIR/doctor.json"; }

rc=$(doctor)
[ "$rc" = 1 ] || fail "doctor with our port dropped exited $rc, not 1: $(cat "$E2E_DIR/doctor.json")"
f=$(port_check)
jq -e '.verdict == "problem" and (.detail | contains("\"tcp dport 47032 drop\"") and contains("inet filter input"))' <<<"$f" >/dev/null ||
    fail "doctor did not name the rule that drops port 47032: $f"
advice=$(jq -r .advice <<<"$f")
[ "$advice" = "sudo nft insert rule inet filter input tcp dport 47032 accept" ] || fail "unexpected advice: $advice"
jq -e '.[] | select(.check == "nftables: UDP 5353") | .verdict == "ok"' "$E2E_DIR/doctor.json" >/dev/null ||
    fail "UDP 5353 is not dropped, doctor says otherwise"

# The advice, as root in that namespace, is the cure.
read -r -a cure <<<"${advice#sudo }"
on_host 1 "${cure[@]}"
doctor >/dev/null
jq -e '.verdict == "ok"' <<<"$(port_check)" >/dev/null || fail "after the suggested rule, doctor still says: $(port_check)"
echo "doctor firewall test passed"
