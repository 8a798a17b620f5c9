# Sourced by the file transfer tests on the virtual LAN (issue 15): alice
# sends, bob receives. Helpers to offer, accept, watch and compare; nodes are
# started with node_up so that restart_node brings one back as it was.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

declare -A NODE_ARGS
# node_up NAME HOST ARGS...: start_node, remembering how.
node_up() { NODE_ARGS[$1]="${*:2}"; start_node "$@"; }
# restart_node NAME: start it again on its host with the same profile, port and peers.
# shellcheck disable=SC2086 # NODE_ARGS holds words
restart_node() { start_node "$1" ${NODE_ARGS[$1]}; }

speaks_files() { hw "$1" peers --json | jq -e --arg n "$2" 'any(.[]; .nick == $n and .online and .files)' >/dev/null; }

# random_file PATH MIB
random_file() { head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1"; }

# xfer NAME DIR FIELD: FIELD of NAME's newest transfer in direction DIR (in/out); empty if none.
# Ids are good for one run of a node: after a restart the newest is found again.
xfer() { hw "$1" files --json | jq -r --arg d "$2" --arg f "$3" '[.[] | select(.direction == $d)] | last | .[$f] // empty'; }
xfer_is() { [ "$(xfer "$1" "$2" state)" = "$3" ]; }
bytes_over() { local b; b=$(xfer "$1" "$2" bytes); [ -n "$b" ] && [ "$b" -ge "$3" ]; }

# offer FILE DIR: alice offers FILE to bob (send-file in the background, its
# output in $E2E_DIR/send-file.log), bob accepts it into DIR.
offer() {
    hw alice send-file bob "$1" --timeout 30 >>"$E2E_DIR/send-file.log" 2>&1 &
    E2E_PIDS+=($!)
    wait_for 10 "bob is offered $(basename "$1")" xfer_is bob in offered
    mkdir -p "$2"
    hw bob accept "$(xfer bob in id)" --to "$2" >/dev/null || fail "bob's accept was refused"
}

# finish FILE DIR SECS: both sides end done within SECS, the bytes are equal.
finish() {
    wait_for "$3" "bob has $(basename "$1") done" xfer_is bob in "done"
    wait_for 10 "alice sees it done" xfer_is alice out "done"
    cmp "$1" "$2/$(basename "$1")" || fail "$(basename "$1") arrived with other bytes"
    [ ! -e "$2/$(basename "$1").part" ] || fail "a .part is left beside the finished file"
}
