#!/usr/bin/env bash
# Nobody else on the LAN: hallway doctor says so plainly and points to the ways
# across subnets, and to the README section that describes them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/doctor_lib.sh"
e2e_init
vlan_up 1
readme="$(dirname "$0")/../../README.md"
grep -qx "## When you can't see someone" "$readme" || fail "README lacks the section doctor points to"

doctor_json 1 alice
finding warning '.detail | contains("no other Hallway announced itself")) and (.advice | contains("--peer HOST:PORT")) and (.advice | contains("enable-reflector=yes")) and (.advice | contains("wide-area DNS-SD")) and (.advice | contains("When you can'"'"'t see someone")' ||
    fail "doctor does not say nobody is seen: $(cat "$E2E_DIR/doctor.json")"
echo "doctor alone test passed"
