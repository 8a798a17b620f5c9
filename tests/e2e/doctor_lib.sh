# hallway doctor on a vlan host (sourced after lib.sh).

# doctor_json HOST NAME: `hallway doctor --json` in HOST with profile NAME; its
# findings in $E2E_DIR/doctor.json (exit status 1 means "a problem found": kept).
doctor_json() {
    local rc=0
    on_host "$1" "$HALLWAY" --profile "$E2E_DIR/$2" doctor --json >"$E2E_DIR/doctor.json" 2>>"$E2E_DIR/doctor.log" || rc=$?
    [ "$rc" -le 1 ] || fail "hallway doctor exited with $rc"
    # A sanitizer's exit status (1) would pass for "a problem found".
    ! grep -q "Sanitizer\|runtime error" "$E2E_DIR/doctor.log" 2>/dev/null || fail "hallway doctor: sanitizer report"
    cp "$E2E_DIR/doctor.json" "$E2E_DIR/doctor-$((++DOCTOR_RUNS)).log"
}
DOCTOR_RUNS=0
# finding VERDICT JQ-FILTER: a finding with that verdict for which the filter holds.
finding() { jq -e --arg v "$1" "any(.[]; .verdict == \$v and ($2))" "$E2E_DIR/doctor.json" >/dev/null; }
published() { grep -q "published as" "$E2E_DIR/$1.log"; }
