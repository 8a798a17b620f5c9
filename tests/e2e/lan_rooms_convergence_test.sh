#!/usr/bin/env bash
# Rooms converge (issue 14): four members write at the same time while one is
# killed with -9 and restarted and another's cable is cut and restored; in the
# end every member holds the same set of message ids, every message written is
# among them, and nobody shows one twice.
source "$(dirname "$0")/lib.sh"
e2e_init
vlan_up 4
MEMBERS=(alice bob carol dave)
PER=12  # messages each member writes

for i in 1 2 3 4; do spawn_node ${MEMBERS[$((i - 1))]} $i; done
for m in "${MEMBERS[@]}"; do wait_node $m; done
for m in bob carol dave; do wait_for 15 "alice lists $m" online_in alice $m; done

hw alice room create crew >/dev/null || fail "alice creates #crew"
joined() { [ "$(hw "$1" rooms --json | jq -r '.[] | select(.name == "crew") | .membership')" = joined ]; }
invited() { [ "$(hw "$1" rooms --json | jq -r '.[] | select(.name == "crew") | .membership')" = invited ]; }
for m in bob carol dave; do
    hw alice room invite crew $m || fail "invite $m"
    wait_for 10 "$m is invited" invited $m
    hw $m room join crew >/dev/null || fail "$m joins"
    wait_for 10 "$m joined" joined $m
done
everyone_listed() { [ "$(hw "$1" room members crew --json | jq length)" = 4 ]; }
for m in "${MEMBERS[@]}"; do wait_for 15 "$m lists 4 members" everyone_listed $m; done

# Each member writes PER messages, a few a second, all at once. A send to a
# killed node fails (and is not written): the log keeps what was accepted.
writer() {
    local m=$1
    for i in $(seq 1 $PER); do
        hw $m send "#crew" "$m $i" --timeout 0 >/dev/null 2>&1 && echo "$m $i" >>"$E2E_DIR/written"
        sleep 0.$((RANDOM % 5 + 2))
    done
}
: >"$E2E_DIR/written"
pids=()
for m in "${MEMBERS[@]}"; do writer $m & pids+=($!); done
sleep 1.5
kill9_node carol                                 # mid-conversation, no goodbye
on_host 4 ip link set eth0 down                  # dave's cable is cut
sleep 3
start_node carol 3
sleep 2
on_host 4 ip link set eth0 up                    # and restored
for p in "${pids[@]}"; do wait $p || true; done
written=$(sort "$E2E_DIR/written" | uniq | wc -l)
[ "$written" -ge $((3 * PER)) ] || fail "only $written messages were written"

# ids NAME: the text ids NAME holds, sorted (duplicates kept: none may be there).
ids() { hw "$1" history "#crew" --json | jq -r '.[] | select(.kind == "text") | .id' | sort; }
bodies() { hw "$1" history "#crew" --json | jq -r '.[] | select(.kind == "text") | .body' | sort; }
converged() {
    local ref
    ref=$(ids alice)
    [ "$(wc -l <<<"$ref")" -eq "$written" ] || return 1
    for m in bob carol dave; do [ "$(ids $m)" = "$ref" ] || return 1; done
}
wait_for 90 "every member holds the same $written messages" converged
for m in "${MEMBERS[@]}"; do
    [ "$(ids $m | uniq -d)" = "" ] || fail "$m shows a message twice"
    [ "$(bodies $m)" = "$(sort "$E2E_DIR/written")" ] || fail "$m's messages are not the ones written"
done
echo "rooms convergence test passed ($written messages)"
